from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import Role
from moderation.models import ReportReason, ReportStatus
from profiles.selectors import user_display
from safety.models import TargetKind


class ReportCreateInputSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=TargetKind.choices)
    target_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReportOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    target_type = serializers.ChoiceField(choices=TargetKind.choices)
    target_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    comment = serializers.CharField()
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    created_at = serializers.DateTimeField()


class BlockedUserOutputSerializer(serializers.Serializer):
    """A blocked user as the blocker sees it: the public display name, never the e-mail."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices)
    blocked_at = serializers.DateTimeField()


def blocked_user_data(block: Any) -> dict[str, Any]:
    user = block.blocked
    display = user_display(user)
    return BlockedUserOutputSerializer(
        {
            "id": user.id,
            "name": display["name"],
            "avatar": display["avatar"],
            "role": user.role,
            "blocked_at": block.created_at,
        }
    ).data
