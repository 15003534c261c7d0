"""Input and output shapes of the accounts API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import get_error_detail

from accounts.models import SELF_REGISTERED_ROLES, Language, Role, User
from mwork.api.serializers import NewPasswordField

_PASSWORD: dict[str, Any] = {"max_length": 128, "trim_whitespace": False, "write_only": True}


class UserOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    email_verified = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ConsentOutputSerializer(serializers.Serializer):
    document = serializers.CharField()
    version = serializers.CharField()
    accepted_at = serializers.DateTimeField()


class LegalDocumentOutputSerializer(serializers.Serializer):
    document = serializers.CharField()
    version = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(source="public_url")
    published_at = serializers.DateTimeField()


# The output serializers of the `accounts.selectors.ME_SECTIONS` parts, registered with them.
ME_SECTION_SERIALIZERS: dict[str, type[serializers.Serializer]] = {}


class UserMeOutputSerializer(UserOutputSerializer):
    consents = ConsentOutputSerializer(many=True)
    consents_required = LegalDocumentOutputSerializer(
        many=True, help_text="Current versions of documents the user has not accepted yet."
    )

    def get_fields(self):
        fields = super().get_fields()
        tail = {name: fields.pop(name) for name in ("consents", "consents_required")}
        for name, serializer_class in ME_SECTION_SERIALIZERS.items():
            fields[name] = serializer_class()
        fields.update(tail)
        return fields


class TokenPairOutputSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Access token lifetime in seconds (900).")


class LoginOutputSerializer(TokenPairOutputSerializer):
    user = UserOutputSerializer()


class UserRegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = NewPasswordField()
    role = serializers.ChoiceField(choices=[role.value for role in SELF_REGISTERED_ROLES])
    language = serializers.ChoiceField(
        choices=Language.values,
        default=Language.RU.value,
        help_text="Language of the e-mails we send (ru by default).",
    )
    accept_terms = serializers.BooleanField(
        default=True,
        help_text="Registering accepts the current terms and privacy policy "
        "(GET /legal/documents); false is refused.",
    )
    accept_marketing = serializers.BooleanField(
        default=False, help_text="Opt in to marketing e-mails."
    )

    def validate_password(self, value: str) -> str:
        # Here, not only in the service, so a 400 names the password beside a bad email/role.
        email = self.initial_data.get("email") if isinstance(self.initial_data, dict) else None
        try:
            password_validation.validate_password(value, user=User(email=str(email or "")))
        except DjangoValidationError as error:
            # get_error_detail keeps each validator's code (details_codes: password_too_short).
            raise serializers.ValidationError(get_error_detail(error)) from None
        return value


class UserLoginInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(**_PASSWORD)


class TokenRefreshInputSerializer(serializers.Serializer):
    refresh_token = serializers.CharField()


class UserLogoutInputSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(required=False, allow_blank=True)


class EmailVerifyInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)
    new_password = NewPasswordField()


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(**_PASSWORD)
    new_password = NewPasswordField()
