"""The daily digest: one e-mail per user with every notification held for it.

`notify` stores a daily type's e-mail as `email_status = digest` with `email_requeue_at` = the
user's next digest moment (notifications/schedule.py). The beat job takes users with a due
row in batches — one locking query per batch fetches every waiting row of those users, one
UPDATE per outcome records the result — and sends one e-mail per user over one connection.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications import outbox
from notifications.delivery_email import (
    TransientDeliveryError,
    build_digest_message,
    classify,
)
from notifications.models import DeliveryStatus, Notification

logger = logging.getLogger(__name__)

DIGEST_BATCH_USERS = 200
DIGEST_MAX_BATCHES = 50  # per run; the next run (15 min later) continues


def _due_user_ids(now: datetime, limit: int):
    return (
        Notification.objects.filter(email_status=DeliveryStatus.DIGEST, email_requeue_at__lte=now)
        .order_by()
        .values("user_id")
        .distinct()[:limit]
    )


def _digest_batch(*, now: datetime, batch_users: int) -> int:
    """Send the digests of up to `batch_users` due users; returns how many e-mails went out,
    or -1 when nothing was due (or everything due is being sent by another run)."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(
                email_status=DeliveryStatus.DIGEST,
                user_id__in=_due_user_ids(now, batch_users),
            )
            .select_related("user")
            .order_by("user_id", "created_at", "id")
        )
        if not rows:
            return -1
        by_user: dict[object, list[Notification]] = defaultdict(list)
        for row in rows:
            by_user[row.user_id].append(row)
        outcome: dict[str, list] = defaultdict(list)
        sent_users = 0
        connection = get_connection()
        for items in by_user.values():
            user = items[0].user
            unread = [item for item in items if not item.is_read]
            outcome[DeliveryStatus.SKIPPED] += [item.id for item in items if item.is_read]
            if not unread:
                continue
            if not (user.is_active and user.email):
                outcome[DeliveryStatus.SKIPPED] += [item.id for item in unread]
                continue
            message = build_digest_message(user, unread)
            message.connection = connection
            try:
                message.send(fail_silently=False)
            except Exception as error:  # noqa: BLE001 - every backend error is classified
                if classify(error) is TransientDeliveryError:
                    outcome["retry"] += [item.id for item in unread]
                else:
                    logger.warning("digest e-mail to %s refused permanently: %s", user.pk, error)
                    outcome[DeliveryStatus.FAILED] += [item.id for item in unread]
                continue
            outcome[DeliveryStatus.SENT] += [item.id for item in unread]
            sent_users += 1
        for status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
            if outcome[status]:
                Notification.objects.filter(id__in=outcome[status]).update(
                    email_status=status, email_attempts=F("email_attempts") + 1
                )
        if outcome["retry"]:
            Notification.objects.filter(id__in=outcome["retry"]).update(
                email_requeue_at=outbox.claim_until(now),
                email_attempts=F("email_attempts") + 1,
            )
    return sent_users


def digests_send(
    *,
    now: datetime | None = None,
    batch_users: int = DIGEST_BATCH_USERS,
    max_batches: int = DIGEST_MAX_BATCHES,
) -> int:
    """Beat job body: send every due daily digest; returns how many e-mails went out.

    A user's digest holds every waiting unread notification (read ones are skipped: the user
    saw them in the app). Transient provider failures leave the rows waiting for the next run;
    permanent ones mark them failed. Safe to run concurrently (SKIP LOCKED).
    """
    now = now or timezone.now()
    sent = 0
    for _ in range(max_batches):
        result = _digest_batch(now=now, batch_users=batch_users)
        if result < 0:
            break
        sent += result
    return sent
