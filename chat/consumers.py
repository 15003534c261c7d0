"""One WebSocket per client for chat and notifications (docs/API.md §8).

The consumer authenticates (the middleware put the user and the session's token claims in the
scope), joins the user's group `user.<id>` and delegates every room action to `chat.services`;
frames from any server process arrive through the channel layer as `client.frame` events.

A socket lives as long as the session it was opened with (docs/RELIABILITY.md, "Sockets end
with their session"): a `session.end` event (logout of its token, every session revoked, ban,
...) or its token's expiry closes it with 4401 after an error frame naming the reason, and every
frame it receives and every frame it is to deliver checks the session first (`_session_holds`).
Every frame counts against a per-socket limit (`WS_FRAME_RATE`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import weakref
from typing import Any

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from accounts.sessions import (
    SessionEnded,
    SessionEndReason,
    SocketSession,
    session_checks,
    session_end_applies,
    session_end_error,
    session_stamp_reasons,
    user_group,
)
from chat import loop_send, services
from chat.middleware import CLOSE_TOKEN_REFUSED
from mwork.api.exceptions import (
    AccountDisabled,
    DomainError,
    InvalidToken,
    RateLimitExceeded,
    ServiceUnavailable,
    ValidationFailed,
)
from mwork.ratelimits import LocalCounter
from notifications.realtime import FRAME_EVENT

logger = logging.getLogger(__name__)

CLIENT_ID_MAX_LENGTH = 100
# The channel layer (Redis) is unreachable: reconnect with backoff. (RFC 6455's 1013 "Try Again
# Later" would fit, but servers may only send 1000 or 3000-4999; autobahn/daphne enforce it.)
CLOSE_SERVICE_UNAVAILABLE = 4503
# Deliveries look at the session stamps (one cache read) at most this often per socket; frames
# look every time.
STAMP_CHECK_INTERVAL_SECONDS = 1.0


class SendShed(ServiceUnavailable):
    """A message refused unstored because this process has WS_SEND_MAX_IN_FLIGHT sends under
    way (docs/API.md §8, "Shedding"): the client sends it again after `retry_after` seconds."""

    default_message = _("The server is busy: send the message again in a moment.")

    def __init__(self, *, retry_after: int = 1) -> None:
        super().__init__()
        self.retry_after = max(int(retry_after), 1)


class SendGate:
    """The sends this process has under way (its event loop is the queue): past the bound a
    send is refused at once instead of waiting behind the others (docs/PERFORMANCE.md,
    "Shedding")."""

    in_flight = 0

    @classmethod
    def enter(cls) -> None:
        """Count one send in, or raise `SendShed` when WS_SEND_MAX_IN_FLIGHT are under way."""
        if cls.in_flight >= settings.WS_SEND_MAX_IN_FLIGHT:
            raise SendShed(retry_after=settings.WS_SEND_RETRY_AFTER_SECONDS)
        cls.in_flight += 1

    @classmethod
    def leave(cls) -> None:
        cls.in_flight -= 1


class HandshakeGate:
    """At most WS_HANDSHAKES_AT_ONCE handshakes of this process's event loop join their group
    at a time; the others wait for a turn (their client waits on the open handshake). Without
    it a burst of a thousand handshakes had a thousand `group_add`s under way at once, and
    each missed the channel layer's deadline (mwork/channel_layer.py), which measures Redis,
    not this queue: every socket of the burst was closed with 4503."""

    _by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
        weakref.WeakKeyDictionary()
    )

    @classmethod
    def turn(cls) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = cls._by_loop.get(loop)
        if gate is None:
            gate = cls._by_loop[loop] = asyncio.Semaphore(settings.WS_HANDSHAKES_AT_ONCE)
        return gate


def error_frame(error: DomainError, *, client_id: str | None = None) -> dict[str, Any]:
    """`{"type": "error", "error": {"code", "message", ...}, "client_id"?}`; `details` and
    `retry_after` are added when the error has them."""
    body: dict[str, Any] = {"code": error.code, "message": str(error.message)}
    if error.details:  # str() of lazily translated messages, in the active language
        body["details"] = json.loads(json.dumps(error.details, cls=DjangoJSONEncoder))
    if hasattr(error, "retry_after"):
        body["retry_after"] = error.retry_after
    frame: dict[str, Any] = {"type": "error", "error": body}
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


class FrameLimit:
    """Frames of one socket, counted in memory (a socket lives in one process, so no shared
    counter and no round trip) in the windows of the project's one rate counter
    (`mwork.ratelimits.LocalCounter`: fixed, epoch-aligned windows of the rate's period)."""

    def __init__(self, rate: str):
        self.counter = LocalCounter(rate)

    def hit(self) -> None:
        """Count one frame; `RateLimitExceeded` with `retry_after` over the limit."""
        usage = self.counter.hit()
        if usage.exceeded:
            raise RateLimitExceeded(
                _("Too many frames on this socket."), retry_after=usage.retry_after
            )


class LoopBatch:
    """The calls of one check that fall due together on this event loop share one batched
    call: while one is under way the next ones gather and go in the next. Used for the
    session-stamp reads (`StampReader`) and the user-row rechecks (`SessionRecheck`) of every
    socket of the process; each socket's own check is unchanged (accounts/sessions.py)."""

    _by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[type, LoopBatch]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self) -> None:
        self.pending: list[tuple[SocketSession, asyncio.Future]] = []
        self.reading = False
        self.task: asyncio.Task | None = None

    async def read_many(self, sessions: list[SocketSession]) -> list[SessionEndReason | None]:
        raise NotImplementedError

    @classmethod
    async def reason(cls, session: SocketSession) -> SessionEndReason | None:
        loop = asyncio.get_running_loop()
        batches = cls._by_loop.setdefault(loop, {})
        batch = batches.get(cls)
        if batch is None:
            batch = batches[cls] = cls()
        future = loop.create_future()
        batch.pending.append((session, future))
        if not batch.reading:
            batch.reading = True
            batch.task = loop.create_task(batch.read())
        return await future

    async def read(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                try:
                    reasons = await self.read_many([session for session, _future in batch])
                except Exception as error:  # noqa: BLE001 - each caller logs it, as before
                    for _session, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_session, future), reason in zip(batch, reasons, strict=True):
                    if not future.done():
                        future.set_result(reason)
        finally:
            self.reading = False


class StampReader(LoopBatch):
    """The cache stamps of logout and revocation: one read for the sockets due together, on
    the channel layer's Wire when the loop sends (chat/loop_send.py), else in a thread."""

    async def read_many(self, sessions: list[SocketSession]) -> list[SessionEndReason | None]:
        layer = get_channel_layer()
        if loop_send.usable(layer):
            return await loop_send.stamp_reasons(layer, sessions)
        return await sync_to_async(  # the cache only: no connection to close
            session_stamp_reasons, thread_sensitive=False
        )(sessions)


class SessionRecheck(LoopBatch):
    """The user-row rechecks (every WS_SESSION_RECHECK_SECONDS per socket): one query and one
    cache read for the sockets due together, from the loop when it sends (chat/loop_send.py),
    else in one thread hop."""

    async def read_many(self, sessions: list[SocketSession]) -> list[SessionEndReason | None]:
        layer = get_channel_layer()
        if loop_send.usable(layer):
            return await loop_send.session_checks(layer, sessions)
        return await database_sync_to_async(session_checks, thread_sensitive=False)(sessions)


async def _pump(receive, inbox) -> None:
    """A socket's ASGI events into its consumer's Inbox, up to its disconnect; a failure of
    `receive` is the consumer's."""
    try:
        while True:
            event = await receive()
            inbox.put_event(event)
            if event["type"] == "websocket.disconnect":
                return
    except Exception as error:  # noqa: BLE001 - raised by the consumer's get
        inbox.fail(error)


class ChatConsumer(AsyncJsonWebsocketConsumer):
    _loop_send = False  # sends from the event loop (chat/loop_send.py), set on connect
    _stamps_owed = False  # a message frame's session stamps, read by its send
    _socket_accepted = False
    _session_ended = False
    _expiry_timer: asyncio.TimerHandle | None = None

    async def __call__(self, scope, receive, send) -> None:
        """A channel-layer failure (Redis down, docs/RELIABILITY.md §3) closes the socket with
        4503 instead of crashing it (1011, or an HTTP 500 during the handshake)."""
        try:
            layer = get_channel_layer(self.channel_layer_alias)
            if hasattr(layer, "attach"):
                await self._serve(scope, receive, send, layer)
            else:  # the in-memory layer (development, tests on the embedded defaults)
                await super().__call__(scope, receive, send)
        except (RedisError, OSError) as error:
            logger.warning("websocket closed with 4503: channel layer unavailable (%s)", error)
            with contextlib.suppress(Exception):
                if not self._socket_accepted:  # a close code needs an accepted socket
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": CLOSE_SERVICE_UNAVAILABLE})
        finally:
            # However the socket ended (a disconnect's group_discard may not have run, or
            # failed): the layer delivers nothing more to its channel in this process.
            forget = getattr(getattr(self, "channel_layer", None), "forget_channel", None)
            if forget is not None and getattr(self, "channel_name", None):
                forget(self.channel_name)

    async def _serve(self, scope, receive, send, layer) -> None:
        """channels' `AsyncConsumer.__call__` with one queue: the layer puts this socket's
        channel messages into its Inbox (`attach`) and `_pump` its ASGI events, and the
        consumer awaits that queue alone. channels' `await_many_dispatch` made a task and an
        `asyncio.wait` for every event, frames delivered included (docs/PERFORMANCE.md,
        "Eighth round")."""
        self.scope = scope
        self.channel_layer = layer
        self.channel_name = await layer.new_channel()
        self.base_send = send
        inbox = layer.attach(self.channel_name)
        pump = asyncio.get_running_loop().create_task(_pump(receive, inbox))
        try:
            while True:
                await self.dispatch(await inbox.get())
        except StopConsumer:
            pass
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def dispatch(self, message: dict[str, Any]) -> None:
        """channels' dispatch without its `aclose_old_connections()`: that is a thread hop
        (to the one thread-sensitive thread, so every socket's event queued behind the
        others) before every frame received and every frame delivered — three per chat
        message. This consumer touches the database only inside `database_sync_to_async`,
        which closes old connections around each call in its own thread; the event loop's
        thread holds none (docs/PERFORMANCE.md, "Chat send path, third round")."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def accept(self, subprotocol=None, headers=None) -> None:
        await super().accept(subprotocol, headers)
        self._socket_accepted = True

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        session: SocketSession | None = self.scope.get("ws_session")
        if self.user is None or session is None:  # only without the token middleware
            await self.close(code=CLOSE_TOKEN_REFUSED)
            return
        self.session = session
        now = time.monotonic()
        self._session_checked_at = self._stamp_checked_at = now
        self._frame_limit = FrameLimit(settings.WS_FRAME_RATE)
        self._loop_send = loop_send.usable(self.channel_layer)
        self.group_name = user_group(self.user.id)
        async with HandshakeGate.turn():
            await self.channel_layer.group_add(self.group_name, self.channel_name)
            await self.accept()
        self._expiry_timer = asyncio.get_running_loop().call_later(
            max(self.session.expires_at - time.time(), 0), self._on_token_expiry
        )

    def _on_token_expiry(self) -> None:
        self._expiry_task = asyncio.ensure_future(self._session_end(SessionEndReason.EXPIRED))

    async def _session_end(
        self, reason: SessionEndReason | str, *, client_id: str | None = None
    ) -> None:
        """Say why, then close with 4401; nothing is sent or handled after (once only)."""
        if self._session_ended:
            return
        self._session_ended = True
        if self._expiry_timer is not None:
            self._expiry_timer.cancel()
        with translation.override(getattr(self.user, "language", None)):
            frame = error_frame(session_end_error(reason), client_id=client_id)
        with contextlib.suppress(Exception):  # the client may be gone already
            await self.send_json(frame)
            await self.close(code=CLOSE_TOKEN_REFUSED)

    async def _session_holds(
        self, *, for_frame: bool, client_id: str | None = None, stamps_in_send: bool = False
    ) -> bool:
        """Whether the socket's session still holds; if not, the socket is being closed.

        Local checks always (ended, token expiry); the cache stamps of logout and revocation
        for every frame and at most every STAMP_CHECK_INTERVAL_SECONDS for deliveries; the user
        row at most every WS_SESSION_RECHECK_SECONDS (what a lost `session.end` event left).
        `stamps_in_send` (a message frame): the stamps are read by the send itself, in its
        thread, before anything else (`services.chat_message_send_from_socket(session=)`)
        instead of in a thread hop of their own.
        """
        if self._session_ended:
            return False
        reason: SessionEndReason | None = None
        now = time.monotonic()
        try:
            if self.session.is_expired():
                reason = SessionEndReason.EXPIRED
            elif now - self._session_checked_at >= settings.WS_SESSION_RECHECK_SECONDS:
                self._session_checked_at = self._stamp_checked_at = now
                reason = await SessionRecheck.reason(self.session)
            elif for_frame and stamps_in_send:
                self._stamp_checked_at = now
                self._stamps_owed = True
            elif for_frame or now - self._stamp_checked_at >= STAMP_CHECK_INTERVAL_SECONDS:
                self._stamp_checked_at = now
                reason = await StampReader.reason(self.session)
        except Exception:  # the database or cache failing: the frame's own work will say so
            logger.warning("session check of a socket of %s failed", self.user.id, exc_info=True)
        if reason is None:
            return True
        await self._session_end(reason, client_id=client_id)
        return False

    async def session_end(self, event: dict[str, Any]) -> None:
        """A session of this user ended somewhere (any process): close if it is this one."""
        if session_end_applies(self.session, event):
            await self._session_end(event.get("reason") or SessionEndReason.SESSIONS_REVOKED)

    async def disconnect(self, code: int) -> None:
        if self._expiry_timer is not None:
            self._expiry_timer.cancel()
        if getattr(self, "group_name", None):
            try:
                await self.channel_layer.group_discard(self.group_name, self.channel_name)
            except (RedisError, OSError):  # Redis down: the group entry expires on its own
                logger.info("group_discard skipped: channel layer unavailable")

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kw):
        language = getattr(getattr(self, "user", None), "language", None)
        with translation.override(language):  # error frames in the user's language
            await self._receive(text_data)

    async def _receive(self, text_data: str | None) -> None:
        try:
            content = json.loads(text_data) if text_data else None
        except ValueError:
            content = None
        client_id = content.get("client_id") if isinstance(content, dict) else None
        if client_id is not None:
            client_id = str(client_id)[:CLIENT_ID_MAX_LENGTH]
        # Every frame, well-formed or not: the session first, then the socket's frame limit.
        self._stamps_owed = False
        is_message = isinstance(content, dict) and content.get("type") == "message"
        if not await self._session_holds(
            for_frame=True, client_id=client_id, stamps_in_send=is_message
        ):
            return
        try:
            self._frame_limit.hit()
        except RateLimitExceeded as error:
            await self.send_json(error_frame(error, client_id=client_id))
            return
        if not isinstance(content, dict):
            await self.send_json(error_frame(ValidationFailed(_("Frames are JSON objects."))))
            return
        await self.receive_json(content, client_id=client_id)

    async def receive_json(
        self, content: dict[str, Any], client_id: str | None = None, **kwargs: Any
    ) -> None:
        handlers = {
            "message": self._on_message,
            "typing": self._on_typing,
            "read": self._on_read,
            "ping": self._on_ping,
        }
        kind = content.get("type")
        handler = handlers.get(kind) if isinstance(kind, str) else None
        try:
            if handler is None:
                raise ValidationFailed.for_field(
                    "type", _("Expected one of: message, typing, read, ping.")
                )
            await handler(content, client_id)
        except SessionEnded as ended:
            # The send read the session's stamps first: logged out or revoked meanwhile.
            await self._session_end(ended.reason, client_id=client_id)
        except AccountDisabled:
            # The send path read the user row: banned since the handshake.
            await self._session_end(SessionEndReason.BANNED, client_id=client_id)
        except InvalidToken:
            # ...or every session revoked (its token_version moved) since the handshake.
            await self._session_end(SessionEndReason.SESSIONS_REVOKED, client_id=client_id)
        except DomainError as error:
            await self.send_json(error_frame(error, client_id=client_id))
        except Exception:
            # Never leak internals, never drop the socket over one bad frame.
            logger.exception("websocket frame of user %s failed", self.user.id)
            await self.send_json(error_frame(DomainError(), client_id=client_id))

    @staticmethod
    def _room_id(content: dict[str, Any]) -> str:
        room_id = content.get("room_id")
        if not isinstance(room_id, str) or not room_id:
            raise ValidationFailed.for_field("room_id", _("This field is required."))
        return room_id

    async def _on_message(self, content: dict[str, Any], client_id: str | None) -> None:
        # The acknowledgement is the sender's message frame (it carries client_id): straight
        # to this socket, through the group to the sender's other sockets (`_deliver`).
        # thread_sensitive=False: sends of different sockets run side by side on the thread
        # pool instead of queueing behind one thread per process (a send is mostly waiting on
        # PostgreSQL and Redis; docs/PERFORMANCE.md, "WebSockets"). One socket's frames are
        # still handled one after the other, so a sender's messages keep their order.
        # On PostgreSQL with the Redis layer the send runs in this loop, without the thread
        # (chat/loop_send.py); it hands to the thread path whatever is not the common case.
        room_id = self._room_id(content)
        SendGate.enter()
        try:
            owed, self._stamps_owed = self._stamps_owed, False
            arguments = {
                "sender": self.user,
                "room_id": room_id,
                "content": content.get("content"),
                "client_id": client_id,
                "session": self.session if owed else None,
            }
            if self._loop_send:
                delivery = await loop_send.send(layer=self.channel_layer, **arguments)
            else:
                delivery = await database_sync_to_async(
                    services.chat_message_send_from_socket, thread_sensitive=False
                )(**arguments)
            # Stored and committed: its frames (and queued notifications) go out from this
            # loop in one channel-layer call, not from the send's thread through a hop back.
            await self._deliver(delivery)
        finally:
            SendGate.leave()

    async def _deliver(self, delivery: services.Delivery) -> None:
        """A stored message's frames to its members' sockets and its notifications to the
        worker's queue, in one channel-layer call (at most once, like every push: a failure is
        logged, the message stays stored and a reconnecting client catches up over REST)."""
        sends = [
            (user_group(user_id), {"type": FRAME_EVENT, "frame": frame})
            for user_id, frame in delivery.frames
        ]
        entries = delivery.notifications
        send_many = getattr(self.channel_layer, "group_send_many", None)
        # The sender's own frame (its acknowledgement) goes straight to this socket; the
        # sender's other sockets still get it through the group. A channel-layer round trip
        # less per message (docs/PERFORMANCE.md, "Chat send path, fourth round").
        answer_here = send_many is not None and getattr(self.channel_layer, "excludes", False)
        try:
            if send_many is not None:
                push = (services.NOTIFICATION_QUEUE_KEY, entries) if entries else None
                exclude = self.channel_name if answer_here else None
                length = await send_many(sends, push=push, exclude=exclude)
            else:  # the in-memory layer (no Redis: no worker's queue either)
                for group, event in sends:
                    await self.channel_layer.group_send(group, event)
                length = None
        except Exception:
            logger.warning("delivery of a message to %s users failed", len(sends), exc_info=True)
            length = None
        if answer_here:  # stored either way: the sender hears so even if the broadcast failed
            for user_id, frame in delivery.frames:
                if user_id == self.user.id:
                    await self.send_json(frame)
        if delivery.then is not None:  # no worker: the notifications are made here, after
            try:
                await database_sync_to_async(delivery.then, thread_sensitive=False)()
            except Exception:  # as on commit: the message stands, its notification not
                logger.exception("new_message notifications not made")
        if entries and length == len(entries):  # the queue was empty: wake the worker
            try:
                await sync_to_async(services.chat_notifications_wake, thread_sensitive=False)()
            except Exception:  # the broker down: the beat job drains the queue anyway
                logger.warning("notification worker not woken", exc_info=True)

    async def _on_typing(self, content: dict[str, Any], client_id: str | None) -> None:
        await database_sync_to_async(services.chat_typing_signal)(
            user=self.user, room_id=self._room_id(content)
        )

    async def _on_read(self, content: dict[str, Any], client_id: str | None) -> None:
        await database_sync_to_async(services.chat_room_mark_read_by_id)(
            user=self.user, room_id=self._room_id(content)
        )

    async def _on_ping(self, content: dict[str, Any], client_id: str | None) -> None:
        await self.send_json({"type": "pong"})

    async def client_frame(self, event: dict[str, Any]) -> None:
        """A frame for this user from any process (chat events, notifications), delivered only
        while the socket's session holds."""
        if await self._session_holds(for_frame=False):
            await self.send_json(event["frame"])
