from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mwork.api.formats import format_datetime
from mwork.ids import uuid7
from notifications.catalogue import CATALOGUE, render
from notifications.schedule import Frequency, bypasses_schedule

DEFAULT_TIME_ZONE = "Asia/Almaty"


class NotificationType(models.TextChoices):
    NEW_RESPONSE = "new_response", _("New response")
    RESPONSE_STATUS_CHANGE = "response_status_change", _("Response status change")
    NEW_MESSAGE = "new_message", _("New message")
    NEW_CASTING = "new_casting", _("New casting")
    CASTING_REMINDER = "casting_reminder", _("Casting reminder")
    SUBSCRIPTION_EXPIRING = "subscription_expiring", _("Subscription expiring")
    PAYMENT_SUCCEEDED = "payment_succeeded", _("Payment succeeded")
    ANNOUNCEMENT = "announcement", _("Announcement")
    DATA_EXPORT_READY = "data_export_ready", _("Data export ready")


class DeliveryStatus(models.TextChoices):
    """Outbox state of one channel (e-mail, push) of a notification (docs/RELIABILITY.md).

    A delivery held by quiet hours is `pending` with its claim (`*_requeue_at`) at the end of
    the quiet hours, so the outbox's beat job sends it then (docs/NOTIFICATIONS.md)."""

    PENDING = "pending", _("Pending")  # to be delivered; the outbox re-queues it when stalled
    DIGEST = "digest", _("Waiting for the daily digest")  # e-mail only; due at email_requeue_at
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # permanently refused, or retries/age exhausted
    SKIPPED = "skipped", _("Skipped")  # nothing to send (preferences, read, banned, no FCM)


class Notification(models.Model):
    # Time-ordered (version 7): a new notification's key goes at the end of the primary key's
    # index (docs/PERFORMANCE.md, "Ninth round").
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # No index of its own: `notif_user_created_idx` and `notif_user_read_created_idx` lead with
    # the user, and every write of a notification (a chat message's refresh included) would
    # add an entry to it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    type = models.CharField(max_length=40, choices=NotificationType.choices)
    title = models.CharField(max_length=255)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    is_read = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Outbox (notifications/outbox.py): delivery state per channel. `*_requeue_at` is the claim:
    # while it lies in the future a queued task owns the delivery; once it has passed and the
    # status is still pending, the beat job `requeue_stalled_deliveries` queues it again.
    email_status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_last_error = models.TextField(blank=True)
    email_requeue_at = models.DateTimeField(null=True, blank=True)
    push_status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.SKIPPED
    )
    # {device_id: DeliveryStatus} for the devices this notification is pushed to.
    push_devices = models.JSONField(default=dict, blank=True)
    push_attempts = models.PositiveSmallIntegerField(default=0)
    push_last_error = models.TextField(blank=True)
    push_requeue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The outbox scan: only pending rows are indexed, so the index stays tiny.
            models.Index(
                fields=["email_requeue_at"],
                condition=models.Q(email_status="pending"),
                name="notif_email_outbox_idx",
            ),
            models.Index(
                fields=["push_requeue_at"],
                condition=models.Q(push_status="pending"),
                name="notif_push_outbox_idx",
            ),
            # The daily digest scan: e-mails waiting for their user's digest moment.
            models.Index(
                fields=["email_requeue_at"],
                condition=models.Q(email_status="digest"),
                name="notif_email_digest_idx",
            ),
            # "my notifications (unread first filter), newest first" and the unread count.
            models.Index(
                fields=["user", "is_read", "-created_at"], name="notif_user_read_created_idx"
            ),
            models.Index(fields=["user", "-created_at"], name="notif_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} → {self.user_id}: {self.title}"

    def as_payload(self, *, language: str | None = None) -> dict:
        """The public shape (REST list item and WebSocket frame), JSON-ready.

        The stored title and message are in the recipient's language (push, e-mail, socket);
        with `language` (the REST API's answer language) they are rendered afresh in it."""
        title, message = self.title, self.message
        if language is not None:
            title, message = render(type=self.type, data=self.data, language=language)
        return {
            "id": str(self.id),
            "type": self.type,
            "title": title,
            "message": message,
            "data": self.data,
            "is_read": self.is_read,
            "created_at": format_datetime(self.created_at),
        }


# The contract's five per-type switches (PUT /notifications/preferences; docs/API.md §11).
PREFERENCE_TYPES = (
    NotificationType.NEW_CASTING,
    NotificationType.NEW_RESPONSE,
    NotificationType.RESPONSE_STATUS_CHANGE,
    NotificationType.NEW_MESSAGE,
    NotificationType.CASTING_REMINDER,
)
# Every type a user may set to instant, daily or off: all but the bypass ones.
FREQUENCY_TYPES = tuple(type for type in CATALOGUE if not bypasses_schedule(type))


class NotificationPreference(models.Model):
    """What a user hears about by e-mail and push; in-app notifications are always stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    new_casting = models.BooleanField(default=True)
    new_response = models.BooleanField(default=True)
    response_status_change = models.BooleanField(default=True)
    new_message = models.BooleanField(default=True)
    casting_reminder = models.BooleanField(default=True)
    email_enabled = models.BooleanField(default=True)
    push_enabled = models.BooleanField(default=True)
    # {type: "instant"|"daily"|"off"} for FREQUENCY_TYPES; absent = instant. For the five
    # switches above "off" is the switch itself (False), so the two never disagree.
    frequencies = models.JSONField(default=dict, blank=True)
    # Quiet hours on the user's clock (`time_zone`); both NULL = none (docs/NOTIFICATIONS.md).
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default=DEFAULT_TIME_ZONE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="notif_pref_quiet_hours_both_or_none",
            )
        ]

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"

    def allows_type(self, type: str) -> bool:
        """Types outside the five switches (billing, announcements) are always allowed."""
        if type in PREFERENCE_TYPES:
            return bool(getattr(self, type))
        return True

    def frequency_for(self, type: str) -> str:
        """instant, daily or off for e-mail and push of `type` (bypass rules: schedule.py)."""
        if not self.allows_type(type):
            return Frequency.OFF
        value = (self.frequencies or {}).get(type, Frequency.INSTANT)
        return value if value in Frequency.values else Frequency.INSTANT


class DevicePlatform(models.TextChoices):
    IOS = "ios", "iOS"
    ANDROID = "android", "Android"
    WEB = "web", "Web"


class Device(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_devices"
    )
    token = models.CharField(max_length=512, unique=True)
    platform = models.CharField(max_length=16, choices=DevicePlatform.choices)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-last_seen"]
        indexes = [models.Index(fields=["user", "-last_seen"], name="notif_device_user_seen_idx")]

    def __str__(self) -> str:
        return f"{self.platform} device of {self.user_id}"
