"""One WebSocket per client for chat and notifications (contract-notes §8).

The consumer authenticates (the middleware put the user in the scope), joins the user's group
`user.<id>` and delegates every room action to `chat.services`; frames from any server process
arrive through the channel layer as `client.frame` events.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from chat import services
from chat.middleware import CLOSE_TOKEN_REFUSED
from mwork.api.exceptions import AccountDisabled, DomainError, InvalidToken, ValidationFailed
from notifications.realtime import user_group

logger = logging.getLogger(__name__)

CLIENT_ID_MAX_LENGTH = 100
# The channel layer (Redis) is unreachable: reconnect with backoff. (RFC 6455's 1013 "Try Again
# Later" would fit, but servers may only send 1000 or 3000-4999; autobahn/daphne enforce it.)
CLOSE_SERVICE_UNAVAILABLE = 4503


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


class ChatConsumer(AsyncJsonWebsocketConsumer):
    _socket_accepted = False

    async def __call__(self, scope, receive, send) -> None:
        """A channel-layer failure (Redis down, docs/RELIABILITY.md §3) closes the socket with
        4503 instead of crashing it (1011, or an HTTP 500 during the handshake)."""
        try:
            await super().__call__(scope, receive, send)
        except (RedisError, OSError) as error:
            logger.warning("websocket closed with 4503: channel layer unavailable (%s)", error)
            with contextlib.suppress(Exception):
                if not self._socket_accepted:  # a close code needs an accepted socket
                    await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": CLOSE_SERVICE_UNAVAILABLE})

    async def accept(self, subprotocol=None, headers=None) -> None:
        await super().accept(subprotocol, headers)
        self._socket_accepted = True

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if self.user is None:  # only reachable without the token middleware
            await self.close(code=4401)
            return
        self.group_name = user_group(self.user.id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
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
        if not isinstance(content, dict):
            await self.send_json(error_frame(ValidationFailed(_("Frames are JSON objects."))))
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        client_id = content.get("client_id")
        if client_id is not None:
            client_id = str(client_id)[:CLIENT_ID_MAX_LENGTH]
        handler = {
            "message": self._on_message,
            "typing": self._on_typing,
            "read": self._on_read,
            "ping": self._on_ping,
        }.get(content.get("type"))
        try:
            if handler is None:
                raise ValidationFailed.for_field(
                    "type", _("Expected one of: message, typing, read, ping.")
                )
            await handler(content, client_id)
        except (AccountDisabled, InvalidToken) as error:
            # Banned, or every session revoked (password reset) since the handshake: say why,
            # then end the socket as a refused token would be (the client signs in again).
            await self.send_json(error_frame(error, client_id=client_id))
            await self.close(code=CLOSE_TOKEN_REFUSED)
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
        # The acknowledgement is the broadcast itself: the sender's frame carries client_id.
        # thread_sensitive=False: sends of different sockets run side by side on the thread
        # pool instead of queueing behind one thread per process (a send is mostly waiting on
        # PostgreSQL and Redis; docs/PERFORMANCE.md, "WebSockets"). One socket's frames are
        # still handled one after the other, so a sender's messages keep their order.
        await database_sync_to_async(services.chat_message_send_to_room, thread_sensitive=False)(
            sender=self.user,
            room_id=self._room_id(content),
            content=content.get("content"),
            client_id=client_id,
        )

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
        """A frame for this user from any process (chat events, notifications)."""
        await self.send_json(event["frame"])
