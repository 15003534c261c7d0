"""Delivery outbox of e-mail and push: nothing is lost when the broker or a worker dies.

`notify` stores each notification with `email_status` / `push_status` = pending and a claim
(`*_requeue_at` = now + NOTIFICATIONS_OUTBOX_REQUEUE_MINUTES) in the same transaction, then
queues the Celery tasks after commit. When the broker is unreachable `.delay` fails, the row
stays pending, and once the claim has passed the beat job `requeue_stalled_deliveries` queues
the task again (bounded batches, rows claimed with `SELECT … FOR UPDATE SKIP LOCKED`).

Exactly once: every attempt locks the notification row, sends only while the channel is still
pending and records the outcome in the same transaction, so a duplicate task (the original one
arriving late after a re-queue) finds `sent` and does nothing. A crash between the provider's
"accepted" and the commit can still repeat one e-mail: delivery is at-least-once in that case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.delivery_email import TransientDeliveryError, notification_email_send
from notifications.delivery_push import fcm_enabled, notification_push_send
from notifications.models import DeliveryStatus, Notification

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 1000


def requeue_after() -> timedelta:
    """How long a queued delivery may stay pending before the outbox queues it again."""
    return timedelta(minutes=getattr(settings, "NOTIFICATIONS_OUTBOX_REQUEUE_MINUTES", 10))


def batch_size() -> int:
    return getattr(settings, "NOTIFICATIONS_OUTBOX_BATCH_SIZE", 200)


def max_age() -> timedelta:
    """Pending deliveries older than this are given up (`failed`) instead of re-queued."""
    return timedelta(hours=getattr(settings, "NOTIFICATIONS_OUTBOX_MAX_AGE_HOURS", 48))


def claim_until(now: datetime | None = None, *, extra_seconds: int = 0) -> datetime:
    return (now or timezone.now()) + requeue_after() + timedelta(seconds=extra_seconds)


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]


def push_status_of(devices: dict[str, str]) -> str:
    """The notification's push status from its per-device states."""
    states = set(devices.values())
    for status in (DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED):
        if status in states:
            return status
    return DeliveryStatus.SKIPPED


def _locked(notification_id: UUID | str) -> Notification | None:
    # of=("self",): lock the notification row only, never the user row joined in.
    return (
        Notification.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(id=notification_id)
        .first()
    )


def email_attempt(
    *, notification_id: UUID | str, retry_in: int, final: bool
) -> bool | TransientDeliveryError:
    """One attempt of a notification's e-mail, recorded on the row.

    Returns True (sent), False (nothing sent: already delivered by another task, skipped or
    refused permanently) or the TransientDeliveryError to retry on. With `final` a transient
    error marks the row `failed` (the error is still returned so the task fails visibly);
    otherwise the claim moves past the retry countdown so the outbox does not race the retry.
    """
    with transaction.atomic():
        notification = _locked(notification_id)
        if notification is None or notification.email_status != DeliveryStatus.PENDING:
            return False  # gone, or a duplicate task: somebody already settled it
        if notification.is_read or not notification.user.is_active:
            notification.email_status = DeliveryStatus.SKIPPED
            notification.save(update_fields=["email_status"])
            return False
        notification.email_attempts += 1
        fields = ["email_status", "email_attempts", "email_last_error", "email_requeue_at"]
        try:
            sent = notification_email_send(notification_id=notification.id)
        except TransientDeliveryError as error:
            notification.email_last_error = _error_text(error)
            if final:
                notification.email_status = DeliveryStatus.FAILED
            else:
                notification.email_requeue_at = claim_until(extra_seconds=retry_in)
            notification.save(update_fields=fields)
            return error
        if sent:
            notification.email_status = DeliveryStatus.SENT
        else:
            notification.email_status = DeliveryStatus.FAILED
            notification.email_last_error = "refused permanently by the provider (see the log)"
        notification.save(update_fields=fields)
        return sent


def push_attempt(
    *, notification_id: UUID | str, device_id: UUID | str, retry_in: int, final: bool
) -> bool | TransientDeliveryError:
    """One attempt of a notification's push to one device, recorded in `push_devices`.

    Same contract as `email_attempt`. A device the notification does not track (a direct call)
    is delivered and then tracked; a tracked device that is no longer pending is a duplicate.
    """
    device_id = str(device_id)
    with transaction.atomic():
        notification = _locked(notification_id)
        if notification is None:
            return False
        state = notification.push_devices.get(device_id)
        if state is not None and state != DeliveryStatus.PENDING:
            return False
        notification.push_attempts += 1
        fields = ["push_status", "push_devices", "push_attempts", "push_last_error"]
        result: bool | TransientDeliveryError
        try:
            result = notification_push_send(notification_id=notification.id, device_id=device_id)
        except TransientDeliveryError as error:
            result = error
            notification.push_last_error = _error_text(error)
            if not final:
                notification.push_devices[device_id] = DeliveryStatus.PENDING
                notification.push_status = DeliveryStatus.PENDING
                notification.push_requeue_at = claim_until(extra_seconds=retry_in)
                notification.save(update_fields=[*fields, "push_requeue_at"])
                return error
            outcome = DeliveryStatus.FAILED
        else:
            if result:
                outcome = DeliveryStatus.SENT
            elif not fcm_enabled():
                outcome = DeliveryStatus.SKIPPED
            else:
                outcome = DeliveryStatus.FAILED
                notification.push_last_error = "refused by FCM, or the device is gone"
        notification.push_devices[device_id] = outcome
        notification.push_status = push_status_of(notification.push_devices)
        notification.save(update_fields=fields)
        return result


@dataclass
class RequeueReport:
    email_queued: int = 0
    push_queued: int = 0
    given_up: int = 0
    broker_down: bool = False
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "email_queued": self.email_queued,
            "push_queued": self.push_queued,
            "given_up": self.given_up,
            "broker_down": self.broker_down,
        }


def _claim(channel: str, *, now: datetime, limit: int) -> tuple[list[Notification], int]:
    """Lock up to `limit` stalled pending rows of `channel`, give up the too old ones and move
    the claim of the others forward; returns (rows to queue, how many were given up)."""
    status_field, at_field = f"{channel}_status", f"{channel}_requeue_at"
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(**{status_field: DeliveryStatus.PENDING, f"{at_field}__lte": now})
            .order_by(at_field)
            .only("id", "created_at", "push_devices")[:limit]
        )
        too_old = now - max_age()
        stale = [row.id for row in rows if row.created_at < too_old]
        if stale:
            Notification.objects.filter(id__in=stale).update(
                **{
                    status_field: DeliveryStatus.FAILED,
                    f"{channel}_last_error": "gave up: still pending after "
                    f"{max_age().total_seconds() / 3600:g} h",
                }
            )
        live = [row for row in rows if row.created_at >= too_old]
        if live:
            Notification.objects.filter(id__in=[row.id for row in live]).update(
                **{at_field: claim_until(now)}
            )
    return live, len(stale)


def requeue_stalled_deliveries(*, now: datetime | None = None) -> RequeueReport:
    """Beat job body: queue again every pending e-mail/push whose claim has passed.

    Idempotent and safe to run concurrently (rows are claimed with SKIP LOCKED and the claim is
    moved before queuing; the attempt itself skips deliveries already settled). When the broker
    is still unreachable it stops at the first failure and releases the unqueued rows, so the
    next run picks them up again.
    """
    from notifications import tasks  # tasks import this module

    now = now or timezone.now()
    report = RequeueReport()
    for channel in ("email", "push"):
        rows, given_up = _claim(channel, now=now, limit=batch_size())
        report.given_up += given_up
        for index, row in enumerate(rows):
            try:
                if channel == "email":
                    tasks.send_notification_email.delay(str(row.id))
                    report.email_queued += 1
                else:
                    for device_id, state in row.push_devices.items():
                        if state == DeliveryStatus.PENDING:
                            tasks.send_notification_push.delay(str(row.id), device_id)
                            report.push_queued += 1
            except Exception as error:  # noqa: BLE001 - kombu.OperationalError and kin: broker down
                logger.warning(
                    "outbox: broker unreachable, %s re-queue stopped: %s", channel, error
                )
                Notification.objects.filter(id__in=[r.id for r in rows[index:]]).update(
                    **{f"{channel}_requeue_at": now}
                )
                report.broker_down = True
                report.errors.append(_error_text(error))
                return report
    if report.email_queued or report.push_queued or report.given_up:
        logger.info("outbox re-queue: %s", report.as_dict())
    return report
