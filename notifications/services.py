"""The one place that decides what a user hears about and how.

Every app calls `notify(user=..., type=..., data=...)`, from `transaction.on_commit`. The
notification is always stored and pushed to the user's WebSocket group; e-mail and mobile push
follow the user's `NotificationPreference` and are queued as Celery tasks after commit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.consents import marketing_consented_user_ids
from accounts.models import User
from mwork.api.exceptions import ValidationFailed
from notifications import outbox
from notifications.catalogue import render
from notifications.models import (
    FREQUENCY_TYPES,
    PREFERENCE_TYPES,
    DeliveryStatus,
    Device,
    Notification,
    NotificationPreference,
    NotificationType,
)
from notifications.realtime import push_to_user, push_to_users
from notifications.schedule import Frequency, Schedule, schedule_for
from notifications.selectors import (
    device_get_for_owner,
    notification_get_for_owner,
    notification_unread_count,
)

logger = logging.getLogger(__name__)

# Chat e-mails: at most one per room per hour while messages stay unread (docs/API.md §11).
CHAT_EMAIL_WINDOW_SECONDS = 60 * 60
READ_NOTIFICATION_RETENTION_DAYS = 90
UNCHANGED = object()  # a partial update that leaves a nullable field alone
ANNOUNCEMENT_BATCH_SIZE = 500


def _chat_email_key(user_id: UUID | str, room_id: Any) -> str:
    return f"notifications:chat-email:{user_id}:{room_id}"


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any]:
    """UUIDs, datetimes and Decimals → JSON types, so the row, the Redis frame and FCM agree."""
    jsonable: dict[str, Any] = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    return jsonable


def notification_preference_get(*, user: User) -> NotificationPreference:
    """The user's preferences, created with the defaults (everything on) on first read."""
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    return preference


def notification_preference_update(
    *,
    user: User,
    frequency: dict[str, str] | None = None,
    quiet_hours: dict[str, Any] | object | None = UNCHANGED,
    time_zone: str | None = None,
    **switches: bool,
) -> NotificationPreference:
    """Partial update: the boolean switches, `frequency` ({type: instant|daily|off}, merged),
    `quiet_hours` ({start, end} times, or None to clear) and `time_zone` (IANA name).

    A switch and its type's frequency stay in step: `off` turns the switch off, instant or
    daily on; turning a switch on keeps a daily frequency. Unknown fields or types raise
    ValidationFailed (the serializer checks values).
    """
    allowed = {
        field.name
        for field in NotificationPreference._meta.get_fields()
        if field.get_internal_type() == "BooleanField"
    }
    unknown = set(switches) - allowed
    unknown |= {f"frequency.{name}" for name in (frequency or {}) if name not in FREQUENCY_TYPES}
    if unknown:
        raise ValidationFailed(details={name: [_("Unknown preference.")] for name in unknown})
    with transaction.atomic():
        notification_preference_get(user=user)
        preference = NotificationPreference.objects.select_for_update().get(user=user)
        changed: set[str] = set()
        for name, value in switches.items():
            setattr(preference, name, bool(value))
            changed.add(name)
        if frequency:
            stored = dict(preference.frequencies or {})
            for name, chosen in frequency.items():
                if name in PREFERENCE_TYPES:  # the switch holds "off"
                    setattr(preference, name, chosen != Frequency.OFF)
                    changed.add(name)
                    if chosen == Frequency.OFF:
                        continue
                stored[name] = chosen
            preference.frequencies = stored
            changed.add("frequencies")
        if quiet_hours is not UNCHANGED:
            hours: dict[str, Any] = quiet_hours if isinstance(quiet_hours, dict) else {}
            preference.quiet_hours_start = hours.get("start")
            preference.quiet_hours_end = hours.get("end")
            changed |= {"quiet_hours_start", "quiet_hours_end"}
        if time_zone is not None:
            preference.time_zone = time_zone
            changed.add("time_zone")
        if changed:
            preference.save(update_fields=[*changed, "updated_at"])
    return preference


def notify(*, user: User, type: str, data: dict[str, Any]) -> Notification:
    """Store a notification for `user` and deliver it.

    Title and message are rendered from the per-type catalogue in `user.language`. After commit:
    the frame `{"type": "notification", "notification": {...}, "unread_count": n}` goes to the
    user's WebSocket group — always, never held. E-mail and push follow the type's frequency
    (notifications/schedule.py): instant → an e-mail task when `email_enabled` and one push
    task per device when `push_enabled`, both held (not queued) until the user's quiet hours
    end; daily → the e-mail waits for the digest, no push; off → neither. A `new_message`
    e-mail waits `NOTIFICATIONS_CHAT_EMAIL_DELAY_MINUTES` and goes out only if the message is
    still unread then, at most once per room per hour (`_new_row`). Audition and payment types
    bypass frequency and quiet hours. Inactive (banned) users get the stored notification
    only. Raises nothing.
    """
    data = _jsonable(data)
    title, message = render(type=type, data=data, language=getattr(user, "language", None))
    now = timezone.now()
    with transaction.atomic():
        preference = notification_preference_get(user=user)
        reach = _reach(user=user, preference=preference, type=type, now=now)
        device_ids: list[str] = []
        if reach.push:
            device_ids = [
                str(pk) for pk in Device.objects.filter(user=user).values_list("id", flat=True)
            ]
        notification, email_now, devices_now = _new_row(
            user=user, type=type, data=data, title=title, message=message,
            reach=reach, device_ids=device_ids, now=now,
        )  # fmt: skip
        notification.save(force_insert=True)
        transaction.on_commit(
            lambda: _deliver(notification, send_email=email_now, device_ids=devices_now),
            robust=True,
        )
    return notification


@dataclass(frozen=True)
class _Reach:
    """How a notification of a type reaches its user now: the schedule, e-mail, device push."""

    plan: Schedule
    email: bool
    push: bool


def _reach(*, user: User, preference: NotificationPreference, type: str, now: Any) -> _Reach:
    plan = schedule_for(preference=preference, type=type, now=now)
    reachable = bool(user.is_active) and plan.frequency != Frequency.OFF
    return _Reach(
        plan=plan,
        email=reachable and bool(user.email) and preference.email_enabled,
        # A daily type reaches the phone through the digest e-mail only.
        push=reachable and preference.push_enabled and plan.frequency == Frequency.INSTANT,
    )


def _new_row(
    *, user: User, type: str, data: dict[str, Any], title: str, message: str,
    reach: _Reach, device_ids: list[str], now: Any,
) -> tuple[Notification, bool, list[str]]:  # fmt: skip
    """The unsaved notification, whether to queue its e-mail after commit and the devices to
    queue a push for.

    Outbox: the delivery state is stored with the row, so a queue that never reaches the broker
    is re-queued by the beat job (notifications/outbox.py). Held by quiet hours: pending,
    claimed until they end, not queued now — the same beat job sends it then. Daily: `digest`
    until the user's digest moment (`digests_send`). A chat e-mail (`new_message`, instant) is
    held the same way for `NOTIFICATIONS_CHAT_EMAIL_DELAY_MINUTES`: the outbox sends it then,
    and the attempt skips it if the notification was read meanwhile (the user saw the chat);
    of a room's e-mails only the first in an hour is kept (`cache.add` is atomic: of racing
    messages one wins), the window reopening when the user reads the room."""
    plan = reach.plan
    claim = plan.at or outbox.claim_until(now)
    send_email = reach.email
    email_now = send_email and plan.at is None
    if send_email and type == NotificationType.NEW_MESSAGE and plan.frequency == Frequency.INSTANT:
        send_email = _chat_email_window_won(user.id, data.get("room_id"))
        email_now = False
        claim = max(claim if plan.at else now, now + chat_email_delay())
    email_status = DeliveryStatus.SKIPPED
    if send_email:
        daily = plan.frequency == Frequency.DAILY
        email_status = DeliveryStatus.DIGEST if daily else DeliveryStatus.PENDING
    device_claim = plan.at or outbox.claim_until(now)
    notification = Notification(
        user=user,
        type=type,
        title=title,
        message=message,
        data=data,
        created_at=now,
        email_status=email_status,
        email_requeue_at=claim if send_email else None,
        push_status=DeliveryStatus.PENDING if device_ids else DeliveryStatus.SKIPPED,
        push_devices=dict.fromkeys(device_ids, DeliveryStatus.PENDING),
        push_requeue_at=device_claim if device_ids else None,
    )
    return notification, email_now, device_ids if plan.at is None else []


def chat_email_delay() -> timedelta:
    """How long a chat message's e-mail waits for the message to be read."""
    return timedelta(minutes=settings.NOTIFICATIONS_CHAT_EMAIL_DELAY_MINUTES)


def _chat_email_window_won(user_id: UUID, room_id: Any) -> bool:
    try:
        return bool(
            cache.add(_chat_email_key(user_id, room_id or "-"), "1", CHAT_EMAIL_WINDOW_SECONDS)
        )
    except Exception:  # the cache down: closed, as django-redis fails (docs/RELIABILITY.md)
        logger.warning("chat e-mail window of %s not checked", user_id, exc_info=True)
        return False


def chat_message_notify(*, user: User, data: dict[str, Any]) -> Notification:
    """`new_message` for chat (`data` as in docs/API.md §11): at most one unread per user and room.

    While the user has an unread `new_message` notification of `data["room_id"]`, a new message
    refreshes that row instead of adding one (its data, title, message and `created_at` become
    the latest message's) and pushes it again over the WebSocket, same id; e-mail and device
    push went out with the first one and are not repeated (the device already shows the room's
    alert; reading the room or the notification re-arms them). Otherwise it is `notify`.
    A chat sends hundreds of messages a second and users expect one entry per conversation,
    not one per line (docs/PERFORMANCE.md). Two first messages at the very same moment may
    both insert; both rows are then refreshed and read together.
    """
    data = _jsonable(data)
    title, message = render(
        type=NotificationType.NEW_MESSAGE, data=data, language=getattr(user, "language", None)
    )
    now = timezone.now()
    refreshed = _chat_notification_refresh(
        user_id=user.id, data=data, title=title, message=message, now=now
    )
    if refreshed is None:
        return notify(user=user, type=NotificationType.NEW_MESSAGE, data=data)
    notification_id, unread_count = refreshed
    notification = Notification(
        id=notification_id,
        user_id=user.id,
        type=NotificationType.NEW_MESSAGE,
        title=title,
        message=message,
        data=data,
        is_read=False,
        created_at=now,
    )
    # The refreshed row was unread and stays so: the count read with it is the one after commit.
    transaction.on_commit(lambda: _push(notification, unread_count=unread_count), robust=True)
    return notification


def chat_messages_notify(*, items: list[tuple[User, dict[str, Any]]]) -> None:
    """`chat_message_notify` of a batch (the worker's queue of `new_message` notifications),
    at most one item per (user, room): on PostgreSQL one UPDATE refreshes every pair that has
    an unread row and one channel-layer call pushes them all; the rest — a room's first unread
    message — go through `notify`, one by one. Elsewhere each item is `chat_message_notify`.
    A bad item is logged and skipped; raises nothing."""
    if connection.vendor != "postgresql":
        for user, data in items:
            try:
                chat_message_notify(user=user, data=data)
            except Exception:  # one bad row must not drop the rest of the batch
                logger.exception("new_message notification of %s failed", data.get("message_id"))
        return
    now = timezone.now()
    pending: dict[tuple[UUID, str], tuple[User, dict[str, Any], str, str]] = {}
    for user, data in items:
        data = _jsonable(data)
        title, message = render(
            type=NotificationType.NEW_MESSAGE, data=data, language=getattr(user, "language", None)
        )
        pending[(user.id, str(data["room_id"]))] = (user, data, title, message)
    frames: list[tuple[UUID | str, dict[str, Any]]] = []
    if pending:
        values = ", ".join(["(%s::uuid, %s, %s, %s, %s::jsonb)"] * len(pending))
        params: list[Any] = []
        for (user_id, room_id), (_user, data, title, message) in pending.items():
            params += [user_id, room_id, title, message, json.dumps(data)]
        with connection.cursor() as cursor:
            cursor.execute(_CHAT_NOTIFICATIONS_REFRESH_SQL.format(values=values), [*params, now])
            refreshed = cursor.fetchall()
        for notification_id, user_id, room_id, unread_count in refreshed:
            entry = pending.pop((user_id, room_id), None)
            if entry is None:  # two unread rows of one room (a race of first messages)
                continue
            _user, data, title, message = entry
            notification = Notification(
                id=notification_id, user_id=user_id, type=NotificationType.NEW_MESSAGE,
                title=title, message=message, data=data, is_read=False, created_at=now,
            )  # fmt: skip
            frames.append((user_id, notification_frame(notification, unread_count)))
    created = _chat_notifications_create(list(pending.values()), now=now) if pending else []
    frames += [(n.user_id, frame) for n, frame, _devices in created]
    push_to_users(frames)
    from notifications import tasks  # tasks import this module

    for notification, _frame, device_ids in created:
        for device_id in device_ids:
            _queue(tasks.send_notification_push, str(notification.id), device_id)


def _chat_notifications_create(
    pending: list[tuple[User, dict[str, Any], str, str]], *, now: Any
) -> list[tuple[Notification, dict[str, Any], list[str]]]:
    """`notify` of a batch's first unread messages (no unread row of their room to refresh):
    preferences, devices, the rows and the unread counts in four statements for the whole batch.
    Returns each row with its WebSocket frame and the devices to queue a push for (a chat
    e-mail is never queued at once: `_new_row`)."""
    user_ids = {user.id for user, *_rest in pending}
    preferences = {
        preference.user_id: preference
        for preference in NotificationPreference.objects.filter(user_id__in=user_ids)
    }  # a user without a row has the defaults, as `notification_preference_get` would create
    reaches = {}
    for user, *_rest in pending:
        preference = preferences.get(user.id) or NotificationPreference(user=user)
        reaches[user.id] = _reach(
            user=user, preference=preference, type=NotificationType.NEW_MESSAGE, now=now
        )
    devices: dict[UUID, list[str]] = {}
    pushed = [user_id for user_id, reach in reaches.items() if reach.push]
    if pushed:
        for user_id, device_id in Device.objects.filter(user_id__in=pushed).values_list(
            "user_id", "id"
        ):
            devices.setdefault(user_id, []).append(str(device_id))
    rows = []
    for user, data, title, message in pending:
        notification, _email_now, device_ids = _new_row(
            user=user, type=NotificationType.NEW_MESSAGE, data=data, title=title,
            message=message, reach=reaches[user.id], device_ids=devices.get(user.id, []), now=now,
        )  # fmt: skip
        rows.append((notification, device_ids))
    Notification.objects.bulk_create([notification for notification, _devices in rows])
    unread = dict(
        Notification.objects.filter(user_id__in=user_ids, is_read=False)
        .values_list("user_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return [
        (
            notification,
            notification_frame(notification, unread.get(notification.user_id, 1)),
            device_ids,
        )
        for notification, device_ids in rows
    ]


# The batch's refresh: every (user, room) pair of the batch in one statement. As below, the
# RETURNING sub-select counts the table as it was before the UPDATE (refreshed rows stay unread).
_CHAT_NOTIFICATIONS_REFRESH_SQL = """
WITH batch (user_id, room_id, title, message, data) AS (VALUES {values})
UPDATE notifications_notification AS n
SET title = batch.title, message = batch.message, data = batch.data, created_at = %s
FROM batch
WHERE n.user_id = batch.user_id AND n.type = 'new_message' AND NOT n.is_read
    AND n.data ->> 'room_id' = batch.room_id
RETURNING n.id, n.user_id, batch.room_id, (
    SELECT COUNT(*) FROM notifications_notification AS c WHERE c.user_id = n.user_id
        AND NOT c.is_read
)
"""


# PostgreSQL: refresh and count in one statement, as a chat message may cause hundreds of these
# a second. The RETURNING sub-select sees the table as it was before the UPDATE; the rows it
# refreshes were unread and stay unread, so the count is right.
_CHAT_NOTIFICATION_REFRESH_SQL = """
UPDATE notifications_notification
SET title = %(title)s, message = %(message)s, data = %(data)s, created_at = %(now)s
WHERE user_id = %(user_id)s AND type = 'new_message' AND NOT is_read
    AND data ->> 'room_id' = %(room_id)s
RETURNING id, (
    SELECT COUNT(*) FROM notifications_notification WHERE user_id = %(user_id)s AND NOT is_read
)
"""


def _chat_notification_refresh(
    *, user_id: UUID, data: dict[str, Any], title: str, message: str, now: Any
) -> tuple[UUID, int] | None:
    """Refresh the user's unread `new_message` rows of `data["room_id"]`; returns the id of one
    and the user's unread count, or None when there was none to refresh."""
    if connection.vendor == "postgresql":
        json_data = Notification._meta.get_field("data").get_db_prep_value(data, connection)
        with connection.cursor() as cursor:
            cursor.execute(
                _CHAT_NOTIFICATION_REFRESH_SQL,
                {
                    "title": title,
                    "message": message,
                    "data": json_data,
                    "now": now,
                    "user_id": user_id,
                    "room_id": data["room_id"],
                },
            )
            row = cursor.fetchone()
        return (row[0], row[1]) if row else None
    unread_of_room = Notification.objects.filter(
        user_id=user_id,
        type=NotificationType.NEW_MESSAGE,
        is_read=False,
        data__room_id=data["room_id"],
    )
    if not unread_of_room.update(title=title, message=message, data=data, created_at=now):
        return None
    notification_id = unread_of_room.values_list("id", flat=True).first()
    if notification_id is None:  # read in between: the next message notifies anew
        return None
    return notification_id, notification_unread_count(user_id=user_id)


def notification_frame(notification: Notification, unread_count: int) -> dict[str, Any]:
    """The WebSocket frame of a notification (docs/API.md §11)."""
    return {
        "type": "notification",
        "notification": notification.as_payload(),
        "unread_count": unread_count,
    }


def _push(notification: Notification, *, unread_count: int | None = None) -> None:
    if unread_count is None:
        unread_count = notification_unread_count(user_id=notification.user_id)
    push_to_user(notification.user_id, notification_frame(notification, unread_count))


def _deliver(notification: Notification, *, send_email: bool, device_ids: list[str]) -> None:
    from notifications import tasks  # tasks import this module

    _push(notification)
    if send_email:
        _queue(tasks.send_notification_email, str(notification.id))
    for device_id in device_ids:
        _queue(tasks.send_notification_push, str(notification.id), device_id)


def _queue(task: Any, *args: str) -> None:
    try:
        task.delay(*args)
    except Exception:
        # Broker unreachable: the row stays pending and the outbox re-queues it later.
        logger.exception("could not queue %s%s; the outbox will retry", task.name, args)


def _reopen_chat_email_windows(notifications: Iterable[Notification]) -> None:
    keys = {
        _chat_email_key(n.user_id, n.data.get("room_id") or "-")
        for n in notifications
        if n.type == NotificationType.NEW_MESSAGE
    }
    if keys:
        cache.delete_many(list(keys))


def notification_mark_read(*, user: User, notification_id: UUID | str) -> Notification:
    """Mark one of the user's notifications read. Raises NotFound for another user's."""
    notification = notification_get_for_owner(user=user, notification_id=notification_id)
    if not notification.is_read:
        Notification.objects.filter(pk=notification.pk).update(is_read=True)
        notification.is_read = True
        _reopen_chat_email_windows([notification])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many changed (maybe 0)."""
    unread = Notification.objects.filter(user=user, is_read=False)
    rooms = list(
        unread.filter(type=NotificationType.NEW_MESSAGE).only("id", "user_id", "type", "data")
    )
    updated = unread.update(is_read=True)
    _reopen_chat_email_windows(rooms)
    return updated


def chat_room_notifications_read(*, user: User, room_id: UUID | str) -> int:
    """Hook for chat: the user read room `room_id`; its `new_message` notifications become read
    and the next message of that room may be e-mailed again. Returns how many changed."""
    updated = Notification.objects.filter(
        user=user,
        is_read=False,
        type=NotificationType.NEW_MESSAGE,
        data__room_id=str(room_id),
    ).update(is_read=True)
    cache.delete(_chat_email_key(user.id, str(room_id)))
    return updated


def device_register(*, user: User, token: str, platform: str) -> tuple[Device, bool]:
    """Register or refresh a push token for `user`; returns (device, created_for_user).

    A token is unique: one that belonged to another account (shared phone, re-login) moves to
    `user`, so the previous account stops receiving pushes on that device.
    """
    now = timezone.now()
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(token=token).first()
        if device is None:
            try:
                with transaction.atomic():
                    device = Device.objects.create(
                        user=user, token=token, platform=platform, last_seen=now
                    )
                return device, True
            except IntegrityError:  # registered concurrently: refresh it below
                device = Device.objects.select_for_update().get(token=token)
        created_for_user = device.user_id != user.id
        device.user = user
        device.platform = platform
        device.last_seen = now
        device.save(update_fields=["user", "platform", "last_seen"])
    return device, created_for_user


def device_delete(*, user: User, device_id: UUID | str) -> None:
    """Unregister one of the user's devices. Raises NotFound for another user's."""
    device_get_for_owner(user=user, device_id=device_id).delete()


def notifications_delete_old_read(*, days: int = READ_NOTIFICATION_RETENTION_DAYS) -> int:
    """Delete read notifications older than `days`; returns how many were deleted."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Notification.objects.filter(is_read=True, created_at__lt=cutoff).delete()
    return deleted


def casting_reminder_notify(
    *, user: User, casting_id: UUID | str, casting_title: str, shoot_date: Any
) -> Notification | None:
    """Hook for castings' beat job: remind an accepted model 24 h before the shoot.

    Idempotent per (user, casting, shoot date): a job that runs again sends nothing and
    returns None.
    """
    return _notify_once(
        user=user,
        type=NotificationType.CASTING_REMINDER,
        data={"casting_id": casting_id, "casting_title": casting_title, "shoot_date": shoot_date},
        unique_keys=("casting_id", "shoot_date"),
    )


def _notify_once(
    *, user: User, type: str, data: dict[str, Any], unique_keys: tuple[str, ...]
) -> Notification | None:
    data = _jsonable(data)
    key = "notifications:once:{}:{}:{}".format(
        user.id, type, ":".join(str(data.get(name)) for name in unique_keys)
    )
    # cache.add guards concurrent runs; the DB check guards reruns after the cache expired.
    if not cache.add(key, 1, timeout=60 * 60 * 24 * 3):
        return None
    lookup = {f"data__{name}": data.get(name) for name in unique_keys}
    if Notification.objects.filter(user=user, type=type, **lookup).exists():
        return None
    return notify(user=user, type=type, data=data)


def announcement_send(
    *, user_ids: Iterable[UUID | str], title: str, message: str, marketing: bool = False
) -> int:
    """Queue a staff announcement to the given users in batches; returns the number queued.

    Each user gets a stored `announcement` notification (always) and an e-mail when their
    `email_enabled` is on. A `marketing` announcement reaches only users whose marketing
    consent is in force (checked again at delivery). Runs after commit.
    """
    from notifications import tasks  # tasks import this module

    users = User.objects.filter(id__in=[str(pk) for pk in user_ids])
    if marketing:
        users = users.filter(id__in=marketing_consented_user_ids())
    ids = [str(pk) for pk in users.values_list("id", flat=True)]
    for start in range(0, len(ids), ANNOUNCEMENT_BATCH_SIZE):
        batch = ids[start : start + ANNOUNCEMENT_BATCH_SIZE]
        transaction.on_commit(
            partial(tasks.send_announcement_batch.delay, batch, title, message, marketing)
        )
    return len(ids)


def announcement_deliver(
    *, user_ids: Iterable[UUID | str], title: str, message: str, marketing: bool = False
) -> int:
    """Notify every active user of `user_ids` (one batch of an announcement); a marketing one
    only those whose marketing consent is still in force."""
    count = 0
    users = User.objects.filter(id__in=list(user_ids), is_active=True)
    if marketing:
        users = users.filter(id__in=marketing_consented_user_ids())
    for user in users.iterator():
        notify(
            user=user,
            type=NotificationType.ANNOUNCEMENT,
            data={"title": title, "message": message},
        )
        count += 1
    return count
