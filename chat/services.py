"""Chat writes. REST views and the WebSocket consumer call these same functions.

`chat_message_send` is the one send path: validation, membership, plan, rate limit, store,
then — after commit — the broadcast to every member's sockets and a `new_message` notification
for the recipients.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import is_blocked_between
from accounts.sessions import SocketSession, session_stamps_hold
from billing.entitlements import check_feature
from castings.selectors import users_linked_by_casting
from chat.models import Membership, Message, Room, room_pair_key
from chat.realtime import (
    broadcast_message,
    broadcast_message_rejected,
    broadcast_read,
    broadcast_typing,
    message_frames,
)
from chat.selectors import member_users_for_send, room_get_for_member
from chat.store import message_insert
from mwork.api.exceptions import (
    AccountDisabled,
    InvalidState,
    InvalidToken,
    NotFound,
    PermissionDenied,
    RateLimitExceeded,
    ValidationFailed,
)
from mwork.callbacks import deferred
from mwork.ids import parse_uuid
from mwork.ratelimits import Usage, enforce
from notifications.services import (
    chat_message_notify,
    chat_messages_notify,
    chat_room_notifications_read,
)
from profiles.selectors import user_display
from safety.models import LimitKind
from safety.services import trust_limit_consume

logger = logging.getLogger(__name__)

CONTENT_MAX_LENGTH = 4000
PREVIEW_LENGTH = 100
CHAT_FEATURE = "chat_access"
CHAT_ACCESS_CACHE_SECONDS = 60


def chat_room_get_or_create(
    *, actor: User, participant_id: UUID, casting_id: UUID | None = None
) -> tuple[Room, bool]:
    """The room of `actor` and the participant (about `casting_id` if given); created if new.

    Returns `(room, created)`. Raises `ValidationFailed` (participant_id) for a room with
    yourself, `NotFound` when the participant does not exist or is banned, `PermissionDenied`
    when either side blocked the other, or when a casting is given and neither side owns it
    while the other applied to it.
    """
    if participant_id == actor.id:
        raise ValidationFailed.for_field(
            "participant_id", _("You cannot start a chat with yourself.")
        )
    participant = User.objects.filter(pk=participant_id, is_active=True).first()
    if participant is None:
        raise NotFound(_("User not found."))
    if is_blocked_between(user_a_id=actor.id, user_b_id=participant.id):
        raise PermissionDenied(_("You cannot chat with this user."))
    if casting_id is not None and not users_linked_by_casting(
        casting_id=casting_id, user_a_id=actor.id, user_b_id=participant.id
    ):
        raise PermissionDenied(_("Only the casting's owner and its applicants can chat about it."))

    key = room_pair_key(user_a_id=actor.id, user_b_id=participant.id, casting_id=casting_id)
    existing = Room.objects.filter(pair_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            trust_limit_consume(user=actor, kind=LimitKind.CHAT_ROOMS)
            now = timezone.now()
            room = Room.objects.create(
                pair_key=key, casting_id=casting_id, created_at=now, last_message_at=now
            )
            Membership.objects.bulk_create(
                [
                    Membership(room=room, user=actor, last_read_at=now, created_at=now),
                    Membership(room=room, user=participant, last_read_at=now, created_at=now),
                ]
            )
    except IntegrityError:
        # Both sides opened the chat at the same moment: the unique pair_key let one win.
        return Room.objects.get(pair_key=key), False
    return room, True


def validated_content(content: object) -> str:
    if not isinstance(content, str):
        raise ValidationFailed.for_field("content", _("Must be a string."))
    text = content.strip()
    if not text:
        raise ValidationFailed.for_field("content", _("The message is empty."))
    if len(text) > CONTENT_MAX_LENGTH:
        raise ValidationFailed.for_field(
            "content",
            _("Ensure this field has no more than {max_length} characters.").format(
                max_length=CONTENT_MAX_LENGTH
            ),
        )
    return text


def _notify_new_message(*, recipient: User, message: Message, sender: User) -> None:
    chat_message_notify(
        user=recipient,
        data={
            "room_id": str(message.room_id),
            "message_id": str(message.id),
            "sender_id": str(sender.id),
            "sender_name": user_display(sender)["name"],
            "preview": message.content[:PREVIEW_LENGTH],
        },
    )


# The `new_message` notifications wait here for the Celery worker (chat/tasks.py), off the
# socket's process and in batches (docs/PERFORMANCE.md, "WebSockets").
NOTIFICATION_QUEUE_KEY = "chat:new-message-notifications"
NOTIFICATION_BATCH = 500
# How long a wake-up waits before the worker drains the queue; the chat frames themselves go
# out at once, only the `new_message` notification (in-app list, e-mail, push) waits. A second
# (0.25 s before): at 300 msg/s the worker's CPU a message fell 0.39 -> 0.28 ms, at 100 msg/s
# 1.05 -> 0.55 (bigger batches, fewer wake-ups; docs/PERFORMANCE.md, "fifth round").
NOTIFICATION_LINGER_SECONDS = 1.0


def _notifications_queued_elsewhere() -> bool:
    from celery import current_app

    return bool(settings.REDIS_URL) and not current_app.conf.task_always_eager


def _notification_entries(*, message: Message, recipients: Sequence[Any]) -> list[str]:
    """The worker's queue entries of a message's `new_message` notifications."""
    item = [str(message.room_id), str(message.id), str(message.sender_id),
            message.content[:PREVIEW_LENGTH]]  # fmt: skip
    return [json.dumps([str(recipient.id), *item]) for recipient in recipients]


def _notifications_queue(*, message: Message, sender: User, recipients: Sequence[Any]) -> None:
    """On commit: the recipients' `new_message` notifications, to the worker through a Redis
    list (one RPUSH; the worker is woken when the list was empty). Without a worker (eager
    Celery: development, tests) they are made here at once. `recipients`: users, or member
    rows of the event-loop path (their users are read here then)."""
    if not _notifications_queued_elsewhere():
        if not all(isinstance(recipient, User) for recipient in recipients):
            recipients = list(User.objects.filter(pk__in=[r.id for r in recipients]))
        for recipient in recipients:
            _notify_new_message(recipient=recipient, message=message, sender=sender)
        return
    entries = _notification_entries(message=message, recipients=recipients)
    try:
        length = _redis().rpush(NOTIFICATION_QUEUE_KEY, *entries)
        if length == len(entries):  # it was empty: no drain under way or scheduled
            chat_notifications_wake()
    except Exception:  # Redis or the broker down: the message stands, its notification not
        logger.warning("new_message notification of %s not queued", message.id, exc_info=True)


def chat_notifications_wake() -> None:
    """Wake the worker for queued notifications (the queue was empty before them), after
    NOTIFICATION_LINGER_SECONDS: the messages of that moment join the queue meanwhile without
    waking it again (it is not empty), so the worker makes them in one batch and a busy chat
    costs a few wake-ups a second instead of one per message (docs/PERFORMANCE.md)."""
    from chat import tasks  # tasks import this module

    tasks.notify_new_messages.apply_async(countdown=NOTIFICATION_LINGER_SECONDS)


def chat_notifications_flush(*, limit: int = NOTIFICATION_BATCH) -> int:
    """The worker's side: take up to `limit` queued `new_message` notifications and make them,
    the latest message per (recipient, room) only (each refreshes the same notification).
    Returns how many entries were taken."""
    raw = _redis().lpop(NOTIFICATION_QUEUE_KEY, limit) or []
    latest: dict[tuple[str, str], list[str]] = {}
    for entry in raw:
        try:
            recipient_id, room_id, message_id, sender_id, preview = json.loads(entry)
        except (ValueError, TypeError):
            logger.error("dropped an unreadable queued notification: %r", entry)
            continue
        latest[(recipient_id, room_id)] = [recipient_id, room_id, message_id, sender_id, preview]
    user_ids = {value for entry in latest.values() for value in (entry[0], entry[3])}
    users = User.objects.select_related("model_profile", "employer_profile").in_bulk(user_ids)
    items = []
    for recipient_id, room_id, message_id, sender_id, preview in latest.values():
        recipient, sender = users.get(UUID(recipient_id)), users.get(UUID(sender_id))
        if recipient is None or sender is None:  # deleted meanwhile
            continue
        data = {
            "room_id": room_id,
            "message_id": message_id,
            "sender_id": sender_id,
            "sender_name": user_display(sender)["name"],
            "preview": preview,
        }
        items.append((recipient, data))
    chat_messages_notify(items=items)
    return len(raw)


def _redis() -> Any:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _check_chat_access(user: User) -> None:
    """The plan's chat access (`SubscriptionLimitExceeded` `{"feature": "chat_access"}`),
    remembered on the `user` object for up to CHAT_ACCESS_CACHE_SECONDS.

    A WebSocket keeps one User object for its whole life, so this is a per-socket cache that
    saves the plan query on every message; a REST request builds a new User and checks anew.
    Why it is safe: only a granted access is remembered (a user who just paid is let in at
    once), and never past the subscription's own `expires_at` (a plan that runs out stops chat
    that second; a cancelled plan keeps access until then anyway). The minute can only delay a
    subscription that staff end early, e.g. a refund.
    """
    now = timezone.now()
    valid_until = getattr(user, "_chat_access_valid_until", None)
    if valid_until is not None and now < valid_until:
        return
    entitlements = check_feature(user, CHAT_FEATURE)
    valid_until = now + timedelta(seconds=CHAT_ACCESS_CACHE_SECONDS)
    if entitlements.expires_at is not None:
        valid_until = min(valid_until, entitlements.expires_at)
    user._chat_access_valid_until = valid_until  # type: ignore[attr-defined]


# Per-message checks an app above chat registers (`MESSAGE_SCREENS.append(screen)` in its
# AppConfig.ready): `screen(message=, sender=)` runs on every new message before it is stored,
# in the send's transaction, on the socket's process; it may raise a DomainError (nothing is
# stored) or set `message.held = True` (stored and acknowledged to the sender, delivered to no
# one else and notified to no one). Keep it cheap: it is on the path of every message.
# A screen may also have `screen.is_quiet(text) -> bool`: True when it would do nothing for
# `text`, known without I/O. The WebSocket send from the event loop (chat/loop_send.py) stores a
# message itself only when every screen is quiet; otherwise it sends on the thread path.
MESSAGE_SCREENS: list[Callable[..., None]] = []


def screens_are_quiet(text: str) -> bool:
    """Every registered screen says it has nothing to do for `text` (`is_quiet`)."""
    for screen in MESSAGE_SCREENS:
        is_quiet = getattr(screen, "is_quiet", None)
        if is_quiet is None or not is_quiet(text):
            return False
    return True


# How long a client_id identifies a message: a resend within it is the same message.
CLIENT_ID_WINDOW = timedelta(hours=24)


def _message_store(*, message: Message) -> Message:
    """Store `message`, or return the one its sender already stored under the same client_id
    in this room within CLIENT_ID_WINDOW (a resend: nothing new is written). An older holder
    of the client_id gives it up, and `message` is stored."""
    if message_insert(message=message):
        return message
    previous = Message.objects.get(
        room_id=message.room_id, sender_id=message.sender_id, client_id=message.client_id
    )
    if previous.created_at >= message.created_at - CLIENT_ID_WINDOW:
        return previous
    Message.objects.filter(pk=previous.pk).update(client_id=None)
    message._state.adding = True
    message_insert(message=message)
    return message


@dataclass
class Delivery:
    """What a send leaves to its caller after the commit, instead of delivering it from this
    thread: the WebSocket consumer sends the frames and queues the notifications from its
    event loop, in one channel-layer call (docs/PERFORMANCE.md, "Chat send path, third
    round"). `notifications` are the worker's queue entries (NOTIFICATION_QUEUE_KEY); empty
    when there are none or they were made here (no worker: eager Celery)."""

    frames: list[tuple[UUID, dict[str, Any]]] = field(default_factory=list)
    notifications: list[str] = field(default_factory=list)
    # Without a worker: the notifications to make in process once the frames are out (in that
    # order, as the on-commit path does).
    then: Callable[[], None] | None = None


class Member(Protocol):
    """A room member as a send checks it: a User annotated with `blocked` (the thread path) or
    a row of the event-loop path (chat/loop_send.py)."""

    @property
    def id(self) -> UUID: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def token_version(self) -> int: ...
    @property
    def blocked(self) -> bool: ...


# The member checks of a send, in `_send`'s order (the event-loop path makes them in the same
# order on the rows of its statement, chat/loop_send.py).
def sender_among(members: Sequence[Member], sender: User) -> Member:
    """The sender's own member row; `NotFound` when the sender is not a member."""
    current = next((member for member in members if member.id == sender.id), None)
    if current is None:
        raise NotFound(_("Room not found."))
    return current


def sender_still_holds(current: Member, sender: User) -> None:
    """`AccountDisabled` (banned) or `InvalidToken` (sessions revoked) since the handshake."""
    if not current.is_active:
        # A socket outlives its handshake: a user banned since then sends nothing more.
        raise AccountDisabled()
    if current.token_version != sender.token_version:
        # ...and a password reset or "revoke every session" since then ends its sessions.
        raise InvalidToken(_("Token has been revoked."))


def no_block_among(members: Sequence[Member], sender: User) -> None:
    """`PermissionDenied` when the sender and another member blocked each other."""
    if any(member.blocked for member in members if member.id != sender.id):
        raise PermissionDenied(_("You cannot chat with this user."))


def _send(
    *,
    sender: User,
    room_id: UUID,
    content: object,
    client_id: str | None,
    delivery: Delivery | None = None,
    counted: Usage | None = None,
) -> Message:
    members = member_users_for_send(room_id=room_id, sender=sender)
    current_sender = sender_among(members, sender)
    text = validated_content(content)
    sender_still_holds(current_sender, sender)
    _check_chat_access(sender)
    no_block_among(members, sender)
    if counted is None:
        enforce(
            group=SEND_RATE_GROUP, key=send_rate_key(sender), rate=settings.RATELIMIT_CHAT_MESSAGE
        )
    elif counted.exceeded:  # counted already, by the event-loop path: its verdict stands
        raise RateLimitExceeded(retry_after=counted.retry_after)

    message = Message(
        room_id=room_id,
        sender=sender,
        content=text,
        created_at=timezone.now(),
        client_id=client_id or None,
    )
    for screen in MESSAGE_SCREENS:  # the one place for per-message checks (keep them cheap)
        screen(message=message, sender=sender)
    stored = _message_store(message=message)
    if stored is not message:
        # A resend of a stored message: acknowledge it to the sender's sockets again (the
        # first acknowledgement may be what was lost); the others already have it.
        _deliver(delivery, message=stored, member_ids=[sender.id], client_id=client_id)
        return stored
    message_delivered(
        delivery, message=message, sender=sender, members=members, client_id=client_id
    )
    return message


# The per-user send rate (RATELIMIT_CHAT_MESSAGE), counted by both send paths.
SEND_RATE_GROUP = "chat-message"


def send_rate_key(sender: User) -> str:
    return f"user:{sender.id}"


def message_delivered(
    delivery: Delivery | None,
    *,
    message: Message,
    sender: User,
    members: Sequence[Member],
    client_id: str | None,
) -> None:
    """A new stored message's frames and its recipients' `new_message` notifications: into
    `delivery` for the caller (the WebSocket paths), else on commit. A held message goes to its
    sender alone and notifies no one."""
    held = bool(getattr(message, "held", False))  # a screen held it: the sender alone sees it
    _deliver(
        delivery,
        message=message,
        member_ids=[sender.id] if held else [member.id for member in members],
        client_id=client_id,
    )
    recipients = [] if held else [member for member in members if member.id != sender.id]
    if not recipients:
        return
    if delivery is None:
        transaction.on_commit(
            deferred(_notifications_queue, message=message, sender=sender, recipients=recipients),
            robust=True,
        )
    elif _notifications_queued_elsewhere():
        delivery.notifications = _notification_entries(message=message, recipients=recipients)
    else:
        delivery.then = deferred(
            _notifications_queue, message=message, sender=sender, recipients=recipients
        )


def _deliver(
    delivery: Delivery | None, *, message: Message, member_ids: list[UUID], client_id: str | None
) -> None:
    """The message's frames: into `delivery` for the caller, else broadcast on commit."""
    if delivery is not None:
        # The WebSocket path runs in autocommit: the message is committed on return.
        delivery.frames = message_frames(
            message=message, member_ids=member_ids, client_id=client_id
        )
        return
    transaction.on_commit(
        deferred(broadcast_message, message=message, member_ids=member_ids, client_id=client_id),
        robust=True,
    )


def chat_message_review_decide(*, message_id: UUID, approve: bool) -> Message:
    """Staff decision on a held message (the caller, moderation, checked the capability).

    Released: delivered now — it takes the present time (so it counts as unread and sorts
    where the recipient sees it arrive), moves the room, is broadcast to every member and
    notifies the others as a new message, exactly once. Rejected: never delivered; its sender
    gets `{"type": "message_rejected"}` and sees it as `rejected` in the history.
    Raises InvalidState when the message is not (or no longer) held.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("sender")
            .filter(pk=message_id, held=True, rejected=False)
            .first()
        )
        if message is None:
            raise InvalidState(_("This message is not waiting for review."))
        if not approve:
            message.rejected = True
            message.save(update_fields=["rejected"])
            transaction.on_commit(deferred(broadcast_message_rejected, message=message))
            return message
        now = timezone.now()
        message.held = False
        message.created_at = now
        message.save(update_fields=["held", "created_at"])
        Room.objects.filter(pk=message.room_id, last_message_at__lt=now).update(last_message_at=now)
        members = [
            membership.user
            for membership in Membership.objects.filter(room_id=message.room_id).select_related(
                "user"
            )
        ]
        transaction.on_commit(
            deferred(
                broadcast_message, message=message, member_ids=[member.id for member in members]
            ),
            robust=True,
        )
        recipients = [member for member in members if member.id != message.sender_id]
        if recipients:
            transaction.on_commit(
                deferred(
                    _notifications_queue,
                    message=message,
                    sender=message.sender,
                    recipients=recipients,
                ),
                robust=True,
            )
    return message


def chat_message_send(
    *, sender: User, room: Room, content: object, client_id: str | None = None
) -> Message:
    """Store a message of `sender` in `room` and deliver it.

    Checks, in order: membership (`NotFound`), content (1-4000 characters after trimming;
    `ValidationFailed` content), the sender still active (`AccountDisabled`), the plan's chat
    access (`SubscriptionLimitExceeded` with `{"feature": "chat_access"}`; remembered on the
    sender object for a minute, see `_check_chat_access`), no block between the sender and
    another member (`PermissionDenied`), the per-user send rate (`RateLimitExceeded`). Then
    stores the message, moves the room's activity time and the sender's read mark, and on
    commit broadcasts `{"type": "message"}` to every member (the sender's frame carries
    `client_id`) and notifies the other members with `new_message` (one unread notification
    per room, refreshed by later messages: `notifications.services.chat_message_notify`).
    A resend — the same `client_id` from the same sender in the same room within 24 h — stores
    nothing and notifies nobody: it returns the stored message and acknowledges it again to the
    sender's sockets.
    """
    message = _send(sender=sender, room_id=room.id, content=content, client_id=client_id)
    room.last_message_at = max(room.last_message_at, message.created_at)
    return message


def chat_message_send_to_room(
    *, sender: User, room_id: UUID | str, content: object, client_id: str | None = None
) -> Message:
    """`chat_message_send` for a room id; `NotFound` for non-members."""
    room_uuid = parse_uuid(room_id)
    if room_uuid is None:
        raise NotFound(_("Room not found."))
    return _send(sender=sender, room_id=room_uuid, content=content, client_id=client_id)


def chat_message_send_from_socket(
    *,
    sender: User,
    room_id: UUID | str,
    content: object,
    client_id: str | None = None,
    session: SocketSession | None = None,
    counted: Usage | None = None,
) -> Delivery:
    """`chat_message_send_to_room` for the WebSocket consumer, outside any transaction: the
    message is stored (committed) on return, and its frames and queued notifications are
    returned for the consumer to deliver from its event loop (`Delivery`). With `session`,
    its cache stamps are read first (`SessionEnded`: nothing else happens), in this thread
    instead of a hop of their own. `counted`: the send rate's usage when the event-loop path
    (chat/loop_send.py) counted this message already and found it over the limit; the checks
    that come before the rate limit still answer first."""
    session_stamps_hold(session)
    room_uuid = parse_uuid(room_id)
    if room_uuid is None:
        raise NotFound(_("Room not found."))
    delivery = None if transaction.get_connection().in_atomic_block else Delivery()
    _send(
        sender=sender,
        room_id=room_uuid,
        content=content,
        client_id=client_id,
        delivery=delivery,  # None in a caller's transaction: delivered on its commit
        counted=counted,
    )
    return delivery or Delivery()


def chat_room_mark_read(*, user: User, room: Room) -> None:
    """Mark every message of `room` read for `user` (up to the newest stored one).

    Raises `NotFound` for non-members. Marks the room's `new_message` notifications read (so
    the next message notifies anew). When the read mark moves, broadcasts `{"type": "read"}` on
    commit to the reader's own sockets and to every member not blocked with the reader (either
    direction): a receipt never crosses a block.
    """
    members = member_users_for_send(room_id=room.id, sender=user)
    if not any(member.id == user.id for member in members):
        raise NotFound(_("Room not found."))
    receivers = [member.id for member in members if member.id == user.id or not member.blocked]
    newest = (
        Message.objects.filter(room=room)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    # The newest stored message, not "now": a message still being committed stays unread.
    read_at = newest or timezone.now()
    with transaction.atomic():
        moved = Membership.objects.filter(room=room, user=user, last_read_at__lt=read_at).update(
            last_read_at=read_at
        )
        chat_room_notifications_read(user=user, room_id=room.id)
        if moved:
            transaction.on_commit(
                deferred(broadcast_read, room_id=room.id, user_id=user.id, member_ids=receivers),
                robust=True,
            )


def chat_room_mark_read_by_id(*, user: User, room_id: UUID | str) -> Room:
    room = room_get_for_member(user=user, room_id=room_id)
    chat_room_mark_read(user=user, room=room)
    return room


def chat_typing_signal(*, user: User, room_id: UUID | str) -> None:
    """Tell the other members that `user` is typing in the room. Raises `NotFound` for
    non-members and `PermissionDenied` when a block stands between `user` and another member
    (as for messages). One query: membership, members and blocks together."""
    room_uuid = parse_uuid(room_id)
    members = member_users_for_send(room_id=room_uuid, sender=user) if room_uuid else []
    if room_uuid is None or not any(member.id == user.id for member in members):
        raise NotFound(_("Room not found."))
    if any(member.blocked for member in members if member.id != user.id):
        raise PermissionDenied(_("You cannot chat with this user."))
    broadcast_typing(
        room_id=room_uuid, user_id=user.id, member_ids=[member.id for member in members]
    )


def chat_memberships_end_for_organization(*, user: User, owner_id: UUID) -> int:
    """A manager left the organization of `owner_id`: it leaves the rooms it opened
    about that organization's castings. Returns the number of rooms left."""
    deleted, _by_model = Membership.objects.filter(
        user=user, room__casting__owner_id=owner_id
    ).delete()
    return deleted


def message_delete_by_staff(*, actor: User, message: Message) -> None:
    """Remove one message for moderation (called by `moderation.services.message_delete`, which
    checks the staff permission and keeps the text in its audit log)."""
    Message.objects.filter(pk=message.pk).delete()
