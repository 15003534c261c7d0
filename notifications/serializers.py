"""Input/output shapes of the notifications API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import DevicePlatform, NotificationPreference, NotificationType


class StrictBooleanField(serializers.BooleanField):
    """JSON `true`/`false` only: "yes", 1 or "false" strings are refused, not guessed."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class NotificationListQuerySerializer(serializers.Serializer):
    unread_only = serializers.BooleanField(required=False, default=False)


class NotificationOutputSerializer(serializers.Serializer):
    """Documents `Notification.as_payload()` (what the views and the WebSocket frame send)."""

    id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=NotificationType.choices)
    title = serializers.CharField()
    message = serializers.CharField()
    data = serializers.DictField()
    is_read = serializers.BooleanField()
    created_at = serializers.DateTimeField()


PREFERENCE_FIELDS = (
    "new_casting",
    "new_response",
    "response_status_change",
    "new_message",
    "casting_reminder",
    "email_enabled",
    "push_enabled",
)


class NotificationPreferenceSerializer(serializers.Serializer):
    new_casting = StrictBooleanField(required=False)
    new_response = StrictBooleanField(required=False)
    response_status_change = StrictBooleanField(required=False)
    new_message = StrictBooleanField(required=False)
    casting_reminder = StrictBooleanField(required=False)
    email_enabled = StrictBooleanField(required=False)
    push_enabled = StrictBooleanField(required=False)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(PREFERENCE_FIELDS))
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Unknown preference.")] for name in unknown}
            )
        return attrs

    @staticmethod
    def render(preference: NotificationPreference) -> dict[str, bool]:
        return {name: getattr(preference, name) for name in PREFERENCE_FIELDS}


class DeviceRegisterInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=512, trim_whitespace=True)
    platform = serializers.ChoiceField(choices=DevicePlatform.choices)


class DeviceOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    token = serializers.CharField()
    platform = serializers.ChoiceField(choices=DevicePlatform.choices)
    created_at = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
