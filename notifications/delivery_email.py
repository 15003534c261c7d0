"""E-mail delivery of one stored notification (plain text + HTML), with failure classification.

`notification_email_send` raises `TransientDeliveryError` for failures worth retrying (network,
timeouts, provider 5xx/429, SMTP 4xx) and swallows permanent ones (recipient refused, provider
4xx) after logging, because retrying them only repeats the rejection.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any
from uuid import UUID

import requests
from anymail.exceptions import (
    AnymailAPIError,
    AnymailConfigurationError,
    AnymailError,
    AnymailRecipientsRefused,
)
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import ngettext

from notifications.catalogue import normalize_language
from notifications.models import Notification, NotificationType

logger = logging.getLogger(__name__)


class TransientDeliveryError(Exception):
    """The provider or network failed in a way that may succeed later: retry."""


class PermanentDeliveryError(Exception):
    """Retrying cannot help (rejected recipient, invalid request)."""


def notification_link(notification: Notification) -> str:
    """The front-end page a notification is about."""
    base = settings.FRONTEND_URL
    data = notification.data or {}
    if notification.type == NotificationType.NEW_MESSAGE and data.get("room_id"):
        return f"{base}/chat/{data['room_id']}"
    if notification.type in (NotificationType.NEW_RESPONSE,) and data.get("casting_id"):
        return f"{base}/castings/{data['casting_id']}/responses"
    if data.get("casting_id"):
        return f"{base}/castings/{data['casting_id']}"
    if notification.type in (
        NotificationType.SUBSCRIPTION_EXPIRING,
        NotificationType.PAYMENT_SUCCEEDED,
    ):
        return f"{base}/subscription"
    return f"{base}/notifications"


def classify(error: BaseException) -> type[Exception]:
    """TransientDeliveryError or PermanentDeliveryError for an exception raised by a backend."""
    if isinstance(error, AnymailRecipientsRefused | AnymailConfigurationError):
        return PermanentDeliveryError
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        if status is None or status == 429 or status >= 500:  # network error, throttled, 5xx
            return TransientDeliveryError
        return PermanentDeliveryError
    if isinstance(error, AnymailError):  # invalid address, unsupported feature, serialization
        return PermanentDeliveryError
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return PermanentDeliveryError
    if isinstance(error, smtplib.SMTPResponseException):
        # SMTP 4yz replies are temporary by definition, 5yz permanent.
        return TransientDeliveryError if 400 <= error.smtp_code < 500 else PermanentDeliveryError
    if isinstance(error, requests.RequestException | ConnectionError | TimeoutError | OSError):
        return TransientDeliveryError
    return PermanentDeliveryError


def build_message(notification: Notification) -> EmailMultiAlternatives:
    user = notification.user
    language = normalize_language(user.language)
    context = {
        "notification": notification,
        "link": notification_link(notification),
        "settings_link": f"{settings.FRONTEND_URL}/settings/notifications",
    }
    with translation.override(language):  # the recipient's language, not the caller's
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=notification.title,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_email_send(*, notification_id: UUID | str) -> bool:
    """Send the e-mail of a notification; returns False when there is nothing to send.

    Skips deleted notifications, inactive users and notifications already read (the user saw
    it in the app). Raises TransientDeliveryError for retryable failures; logs and returns
    False for permanent ones.
    """
    notification = Notification.objects.select_related("user").filter(id=notification_id).first()
    if notification is None or notification.is_read or not notification.user.is_active:
        return False
    message = build_message(notification)
    try:
        message.send(fail_silently=False)
    except Exception as error:
        kind = classify(error)
        if kind is TransientDeliveryError:
            raise TransientDeliveryError(str(error)) from error
        logger.warning("notification e-mail %s refused permanently: %s", notification_id, error)
        return False
    return True


def build_digest_message(user: Any, notifications: list[Notification]) -> EmailMultiAlternatives:
    """One e-mail listing `notifications` (oldest first), in the user's language."""
    language = normalize_language(user.language)
    items = [
        {"notification": notification, "link": notification_link(notification)}
        for notification in notifications
    ]
    context = {
        "items": items,
        "count": len(items),
        "link": f"{settings.FRONTEND_URL}/notifications",
        "settings_link": f"{settings.FRONTEND_URL}/settings/notifications",
    }
    with translation.override(language):
        subject = ngettext(
            "MWork: %(count)d new notification today",
            "MWork: %(count)d new notifications today",
            len(items),
        ) % {"count": len(items)}
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
    message.attach_alternative(html, "text/html")
    return message
