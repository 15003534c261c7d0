"""Thin Celery wrappers: take ids, call a delivery function or service, decide retry."""

from __future__ import annotations

import random

from celery import shared_task

from notifications import services
from notifications.delivery_email import TransientDeliveryError, notification_email_send
from notifications.delivery_push import notification_push_send

MAX_RETRIES = 5


def backoff_seconds(retries: int, *, base: int = 30, cap: int = 60 * 60) -> int:
    """Exponential backoff with jitter: ~30 s, 1 min, 2 min, 4 min, 8 min (capped at 1 h)."""
    delay = min(cap, base * 2**retries)
    return delay + random.randint(0, max(1, delay // 10))  # noqa: S311 — jitter, not crypto


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def send_notification_email(self, notification_id: str) -> bool:
    """E-mail one notification; retries transient failures with exponential backoff."""
    try:
        return notification_email_send(notification_id=notification_id)
    except TransientDeliveryError as error:
        raise self.retry(exc=error, countdown=backoff_seconds(self.request.retries)) from error


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def send_notification_push(self, notification_id: str, device_id: str) -> bool:
    """Push one notification to one device; retries transient FCM failures with backoff."""
    try:
        return notification_push_send(notification_id=notification_id, device_id=device_id)
    except TransientDeliveryError as error:
        raise self.retry(exc=error, countdown=backoff_seconds(self.request.retries)) from error


@shared_task
def delete_old_read_notifications() -> int:
    """Beat job: delete read notifications older than 90 days."""
    return services.notifications_delete_old_read()


@shared_task
def send_announcement_batch(user_ids: list[str], title: str, message: str) -> int:
    """One batch of a staff announcement (see services.announcement_send)."""
    return services.announcement_deliver(user_ids=user_ids, title=title, message=message)
