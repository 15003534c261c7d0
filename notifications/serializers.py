"""Input/output shapes of the notifications API."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from mwork.api.serializers import QuerySerializer
from notifications.models import (
    FREQUENCY_TYPES,
    DevicePlatform,
    NotificationPreference,
    NotificationType,
)
from notifications.schedule import Frequency


class StrictBooleanField(serializers.BooleanField):
    """JSON `true`/`false` only: "yes", 1 or "false" strings are refused, not guessed."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class NotificationListQuerySerializer(QuerySerializer):
    unread_only = serializers.BooleanField(required=False, default=False)


class NotificationOutputSerializer(serializers.Serializer):
    """Documents `Notification.as_payload()` (what the views and the WebSocket frame send)."""

    id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=NotificationType.choices)
    title = serializers.CharField()
    message = serializers.CharField()
    # The metaclass moves declared fields off the class, so Serializer.data is not shadowed.
    data = serializers.DictField()  # type: ignore[assignment]
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
# Added later (docs/NOTIFICATIONS.md): the fields above keep their shape.
SCHEDULE_FIELDS = ("frequency", "quiet_hours", "time_zone")


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


class _NotificationFrequencyBase(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown notification type.")] for name in unknown}
                )
        return super().to_internal_value(data)


# One instant|daily|off field per type that has a frequency (the bypass types have none).
NotificationFrequencySerializer = type(
    "NotificationFrequencySerializer",
    (_NotificationFrequencyBase,),
    {
        name: serializers.ChoiceField(choices=Frequency.choices, required=False)
        for name in FREQUENCY_TYPES
    },
)


class QuietHoursSerializer(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])

    def validate(self, attrs):
        # Both always (the preferences PUT is partial, which would make them optional).
        missing = [name for name in ("start", "end") if name not in attrs]
        if missing:
            raise serializers.ValidationError(
                {name: [_("This field is required.")] for name in missing}
            )
        if attrs["start"] == attrs["end"]:
            raise serializers.ValidationError(
                {"end": [_("Quiet hours must end at another time than they start.")]}
            )
        return attrs


class NotificationPreferenceSerializer(serializers.Serializer):
    new_casting = StrictBooleanField(required=False)
    new_response = StrictBooleanField(required=False)
    response_status_change = StrictBooleanField(required=False)
    new_message = StrictBooleanField(required=False)
    casting_reminder = StrictBooleanField(required=False)
    email_enabled = StrictBooleanField(required=False)
    push_enabled = StrictBooleanField(required=False)
    frequency = NotificationFrequencySerializer(
        required=False,
        help_text="Per type: instant, daily (one digest e-mail a day) or off; for e-mail and "
        "push only, in-app is never held. Audition and payment types are always instant.",
    )
    quiet_hours = QuietHoursSerializer(
        required=False,
        allow_null=True,
        help_text="E-mail and push wait until `end` (HH:MM on the user's clock; may cross "
        "midnight); null = none.",
    )
    time_zone = serializers.CharField(
        required=False, max_length=64, help_text="IANA zone of the user's clock."
    )

    def validate_time_zone(self, value: str) -> str:
        if value not in _time_zones():
            raise serializers.ValidationError(_("Unknown time zone."))
        return value

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - {*PREFERENCE_FIELDS, *SCHEDULE_FIELDS})
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Unknown preference.")] for name in unknown}
            )
        return attrs

    @staticmethod
    def render(preference: NotificationPreference) -> dict[str, Any]:
        start, end = preference.quiet_hours_start, preference.quiet_hours_end
        return {
            **{name: getattr(preference, name) for name in PREFERENCE_FIELDS},
            "frequency": {name: preference.frequency_for(name) for name in FREQUENCY_TYPES},
            "quiet_hours": None
            if start is None or end is None
            else {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")},
            "time_zone": preference.time_zone,
        }


class DeviceRegisterInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=512, trim_whitespace=True)
    platform = serializers.ChoiceField(choices=DevicePlatform.choices)


class DeviceOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    token = serializers.CharField()
    platform = serializers.ChoiceField(choices=DevicePlatform.choices)
    created_at = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
