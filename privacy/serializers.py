"""Input and output shapes of the privacy API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import LegalDocumentKind
from accounts.serializers import LegalDocumentOutputSerializer
from privacy.models import ExportStatus

_PASSWORD: dict[str, Any] = {"max_length": 128, "trim_whitespace": False, "write_only": True}


class AccountDeleteInputSerializer(serializers.Serializer):
    password = serializers.CharField(**_PASSWORD)


class AccountDeleteOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["scheduled"])
    purge_at = serializers.DateTimeField()


class AccountRestoreInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(**_PASSWORD)


class LegalDocumentListOutputSerializer(serializers.Serializer):
    documents = LegalDocumentOutputSerializer(many=True)


class ConsentAcceptInputSerializer(serializers.Serializer):
    document = serializers.ChoiceField(choices=LegalDocumentKind.values)
    version = serializers.CharField(max_length=20)


class ConsentWithdrawInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        **_PASSWORD,
        required=False,
        default="",
        help_text="Required to withdraw the privacy consent, which deletes the account.",
    )


class ConsentWithdrawOutputSerializer(serializers.Serializer):
    document = serializers.CharField()
    withdrawn = serializers.BooleanField()
    deletion = AccountDeleteOutputSerializer(allow_null=True)


class ExportCreatedOutputSerializer(serializers.Serializer):
    export_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ExportStatus.choices)


class ExportOutputSerializer(serializers.Serializer):
    export_id = serializers.UUIDField(source="id")
    status = serializers.ChoiceField(choices=ExportStatus.choices)
    created_at = serializers.DateTimeField()
    download_url = serializers.CharField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
