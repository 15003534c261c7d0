"""Thin Celery wrappers: take ids, call a delivery function or service, decide retry."""

from __future__ import annotations

import random

from celery import shared_task

from notifications import digests, outbox, services
from notifications.delivery_email import TransientDeliveryError

MAX_RETRIES = 5


def backoff_seconds(retries: int, *, base: int = 30, cap: int = 60 * 60) -> int:
    """Exponential backoff with jitter: ~30 s, 1 min, 2 min, 4 min, 8 min (capped at 1 h)."""
    delay = min(cap, base * 2**retries)
    return delay + random.randint(0, max(1, delay // 10))  # noqa: S311 — jitter, not crypto


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def send_notification_email(self, notification_id: str) -> bool:
    """E-mail one notification; retries transient failures with exponential backoff.

    The outcome is recorded on the row (outbox): a duplicate of a delivered e-mail sends nothing.
    """
    countdown = backoff_seconds(self.request.retries)
    result = outbox.email_attempt(
        notification_id=notification_id,
        retry_in=countdown,
        final=self.request.retries >= self.max_retries,
    )
    if isinstance(result, TransientDeliveryError):
        raise self.retry(exc=result, countdown=countdown)
    return result


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def send_notification_push(self, notification_id: str, device_id: str) -> bool:
    """Push one notification to one device; retries transient FCM failures with backoff."""
    countdown = backoff_seconds(self.request.retries)
    result = outbox.push_attempt(
        notification_id=notification_id,
        device_id=device_id,
        retry_in=countdown,
        final=self.request.retries >= self.max_retries,
    )
    if isinstance(result, TransientDeliveryError):
        raise self.retry(exc=result, countdown=countdown)
    return result


@shared_task
def delete_old_read_notifications() -> int:
    """Beat job: delete read notifications older than 90 days."""
    return services.notifications_delete_old_read()


@shared_task
def send_announcement_batch(
    user_ids: list[str], title: str, message: str, marketing: bool = False
) -> int:
    """One batch of a staff announcement (see services.announcement_send)."""
    return services.announcement_deliver(
        user_ids=user_ids, title=title, message=message, marketing=marketing
    )


@shared_task
def requeue_stalled_deliveries() -> dict:
    """Beat job (outbox): queue again the e-mails and pushes a dead broker or worker dropped."""
    return outbox.requeue_stalled_deliveries().as_dict()


@shared_task
def send_daily_digests() -> int:
    """Beat job (every 15 min): the daily digest e-mails that are due (docs/NOTIFICATIONS.md)."""
    return digests.digests_send()
