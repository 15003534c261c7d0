from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mwork.api.formats import format_datetime
from notifications.catalogue import render


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
    """Outbox state of one channel (e-mail, push) of a notification (docs/RELIABILITY.md)."""

    PENDING = "pending", _("Pending")  # to be delivered; the outbox re-queues it when stalled
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # permanently refused, or retries/age exhausted
    SKIPPED = "skipped", _("Skipped")  # nothing to send (preferences, read, banned, no FCM)


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"

    def allows_type(self, type: str) -> bool:
        """Types outside the five switches (billing, announcements) are always allowed."""
        if type in PREFERENCE_TYPES:
            return bool(getattr(self, type))
        return True


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
