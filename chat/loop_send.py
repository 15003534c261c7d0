"""A socket's chat message checked and stored from the server's event loop, without a thread.

`services.chat_message_send_from_socket` is the send path of a WebSocket message, run in a
worker thread (`database_sync_to_async`). The thread hop and the ORM around its four round
trips (the session's stamps, the members, the rate counter, the insert) were most of what a
message cost its server process (docs/PERFORMANCE.md, "Chat send path, fifth round"). On
PostgreSQL with the Redis channel layer, `send` does the same work in two round trips from the
loop itself:

1. Redis, on the channel layer's Wire (mwork/redis_wire.py; the cache lives in the same Redis):
   the session's stamps (when the frame owes them) and the send rate's counter, in one write.
2. PostgreSQL, on `mwork.async_db`: one statement reads the members, stores the message only
   when the sender may send it (member, still active, same token version, no block), and moves
   the room and the read mark (chat/store.py, `checked_insert_sql`).

The statement also reads the sender's paid plan (`billing.entitlements.current_plan_query`)
and stores nothing without chat access in it. It covers the common case only, and hands
everything else to the thread path, which answers exactly as before: content that fails
validation, no paid plan with chat (FREE's features are the thread's to read), a safety screen
that is not quiet (`services.screens_are_quiet`),
a rate over the limit (the thread path makes the checks that come first, then refuses with the
usage counted here), a resend of a stored `client_id` (the thread path finds the stored
message). A message refused after it was counted is uncounted (`UNCOUNT_SCRIPT`), so a refusal
changes nothing, as on the thread path. The frames and notifications it returns are the same
`Delivery` (`services.message_delivered`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.models import User
from accounts.sessions import (
    USER_ROWS_SQL,
    SessionEnded,
    SessionEndReason,
    SocketSession,
    session_check_of,
    session_stamp_keys,
    session_stamp_reason_of,
)
from accounts.tokens import denylist_key
from billing.entitlements import current_plan_query
from chat import services
from chat.models import Message
from chat.selectors import member_rows_for_send_query
from chat.store import checked_insert_params, checked_insert_sql
from mwork import async_db
from mwork.api.exceptions import RateLimitExceeded, ValidationFailed
from mwork.db import mark_inserted
from mwork.ids import parse_uuid
from mwork.ratelimits import COUNT_SCRIPT, UNCOUNT_SCRIPT, Usage, Window, current_window
from mwork.redis_wire import Script

logger = logging.getLogger(__name__)

# The rate counter's scripts (mwork/ratelimits.py), called by SHA1 on the layer's Wire.
_COUNT = Script(COUNT_SCRIPT)
_UNCOUNT = Script(UNCOUNT_SCRIPT)


class MemberRow(NamedTuple):
    id: UUID
    is_active: bool
    token_version: int
    blocked: bool


def usable(layer: Any) -> bool:
    """Whether this process sends from its loop: the setting on, PostgreSQL, the Redis cache
    and a one-Redis channel layer with a Wire on the cache's Redis (the send reads and counts
    the cache's keys on the layer's Wire)."""
    if not settings.CHAT_LOOP_SEND or not async_db.available():
        return False
    cache = settings.CACHES["default"]
    if cache["BACKEND"] != "django_redis.cache.RedisCache" or not getattr(layer, "excludes", 0):
        return False
    return getattr(layer, "wired", False) and layer.hosts[0].get("address") == cache["LOCATION"]


@functools.cache
def _statement() -> str:
    return checked_insert_sql(
        members_sql=member_rows_for_send_query().sql, plan_sql=current_plan_query().sql
    )


async def send(
    *,
    layer: Any,
    sender: User,
    room_id: str,
    content: object,
    client_id: str | None,
    session: SocketSession | None,
) -> services.Delivery:
    """`services.chat_message_send_from_socket` from the event loop (see the module): the same
    checks, the same errors, the same `Delivery`."""

    async def thread_path(**extra: Any) -> services.Delivery:
        send_in_thread = database_sync_to_async(
            services.chat_message_send_from_socket, thread_sensitive=False
        )
        return await send_in_thread(
            sender=sender, room_id=room_id, content=content, client_id=client_id, **extra
        )

    room_uuid = parse_uuid(room_id)
    if room_uuid is None:  # NotFound, after the session's stamps: the thread path answers
        return await thread_path(session=session)
    try:
        text = services.validated_content(content)
    except ValidationFailed:  # a non-member's invalid message is NotFound: the thread decides
        return await thread_path(session=session)
    if not services.screens_are_quiet(text):
        return await thread_path(session=session)

    window = current_window(
        group=services.SEND_RATE_GROUP,
        key=services.send_rate_key(sender),
        rate=settings.RATELIMIT_CHAT_MESSAGE,
    )
    reason, usage = await _stamps_and_count(layer, session, window)
    if reason is not None:
        await _uncount(layer, window, usage)
        raise SessionEnded(reason)
    if usage is not None and usage.exceeded:
        # Refused either way: by a check that comes first on the thread path (uncounted, as
        # there) or by the rate (counted, as there).
        try:
            return await thread_path(counted=usage)
        except RateLimitExceeded:
            raise
        except Exception:
            await _uncount(layer, window, usage)
            raise

    now = timezone.now()
    message = Message(
        room_id=room_uuid,
        sender=sender,
        content=text,
        created_at=now,
        client_id=client_id or None,
    )
    params = [
        *member_rows_for_send_query().params_for(room_id=room_uuid, sender_id=sender.id),
        *current_plan_query().params_for(user_id=sender.id, now=now),
        *checked_insert_params(message, token_version=sender.token_version),
    ]
    try:
        rows = await async_db.fetch_all(_statement(), params)
    except Exception:
        await _uncount(layer, window, usage)
        raise
    members = [MemberRow(*row[:4]) for row in rows]
    if not rows or not rows[0][4]:
        await _uncount(layer, window, usage)
        services.sender_still_holds(services.sender_among(members, sender), sender)
        if rows[0][5]:  # the plan gives chat access, so a block, or else a resend
            services.no_block_among(members, sender)
        # No paid plan with chat (FREE's features decide: the plan check is the thread's), or
        # every check passed and the sender used this client_id in the room already (the
        # thread path finds that message, and counts this resend once).
        return await thread_path()
    mark_inserted(message)
    delivery = services.Delivery()
    services.message_delivered(
        delivery, message=message, sender=sender, members=members, client_id=client_id
    )
    return delivery


async def _stamps_and_count(
    layer: Any, session: SocketSession | None, window: Window
) -> tuple[SessionEndReason | None, Usage | None]:
    """One Redis round trip: `session`'s stamps (None: not owed) and one count of the send
    rate. Redis failing is no verdict on the session (as `session_stamps_hold`) and fails the
    counter as RATELIMIT_FAIL_OPEN says (as `mwork.ratelimits.hit`)."""
    cache = caches["default"]
    keys = session_stamp_keys(session) if session is not None else ()
    commands = [("MGET", *[cache.make_key(key) for key in keys])] if keys else []
    commands.append(_COUNT.command([cache.make_key(window.key)], [window.ttl]))
    try:
        results = await layer.wire().calls(commands, timeout=settings.REDIS_COMMAND_TIMEOUT)
    except (RedisError, OSError) as error:
        if session is not None:
            logger.warning("session stamps of user %s not read", session.user_id)
        return None, window.unreachable(error)
    reason = None
    if session is not None:
        reason = session_stamp_reason_of(session, _decoded(keys, results[0]))
    return reason, window.usage(int(results[-1]))


async def stamp_reasons(layer: Any, sessions: list[SocketSession]) -> list[SessionEndReason | None]:
    """`accounts.sessions.session_stamp_reasons` on the channel layer's Wire (one MGET
    for every socket due), instead of the cache in a thread."""
    keys = list({key for session in sessions for key in session_stamp_keys(session)})
    values = await _cache_values(layer, keys)
    return [session_stamp_reason_of(session, values) for session in sessions]


async def _cache_values(layer: Any, keys: list[str]) -> dict[str, Any]:
    """The cache's values of `keys` (missing ones left out), in one MGET on the channel
    layer's Wire, within REDIS_COMMAND_TIMEOUT."""
    make_key = caches["default"].make_key
    found = await layer.wire().call(
        "MGET", *[make_key(key) for key in keys], timeout=settings.REDIS_COMMAND_TIMEOUT
    )
    return _decoded(keys, found)


def _decoded(keys: Sequence[str], found: Sequence[bytes | None]) -> dict[str, Any]:
    """The cache's values of `keys` as MGET found them (missing keys left out), decoded as
    django-redis encodes them."""
    decode = caches["default"].client.decode  # type: ignore[attr-defined]
    return {key: decode(value) for key, value in zip(keys, found, strict=True) if value}


async def session_checks(
    layer: Any, sessions: list[SocketSession]
) -> list[SessionEndReason | None]:
    """`accounts.sessions.session_checks` from the loop: the denylist entries in one MGET on
    the channel layer's Wire, the user rows in one statement on `mwork.async_db`."""
    live = [session for session in sessions if not session.is_expired()]  # as the thread's
    denylisted: dict[str, Any] = {}
    rows: dict[Any, tuple[bool, int]] = {}
    if live:  # an expired session's verdict needs no read
        denylisted = await _cache_values(layer, [denylist_key(session.jti) for session in live])
        user_ids = list({session.user_id for session in live})
        rows = {
            user_id: (is_active, token_version)
            for user_id, is_active, token_version in await async_db.fetch_all(
                USER_ROWS_SQL, [user_ids]
            )
        }
    return [
        session_check_of(
            session,
            denylisted=denylisted.get(denylist_key(session.jti)) is not None,
            row=rows.get(session.user_id),
        )
        for session in sessions
    ]


async def _uncount(layer: Any, window: Window, usage: Usage | None) -> None:
    """Take back this message's count (it was refused after it was counted); nothing when it
    was not counted (the counter unreachable). Best effort: a failure leaves one count more."""
    if usage is None:
        return
    key = caches["default"].make_key(window.key)
    try:
        await layer.wire().call(
            *_UNCOUNT.command([key], []), timeout=settings.REDIS_COMMAND_TIMEOUT
        )
    except (RedisError, OSError):
        logger.warning("a refused chat message stays counted in its rate window")
