"""The WebSocket gate of `/ws` (docs/API.md §8): origin check, then the credential — a
single-use ticket (`?ticket=`, preferred: docs/RELIABILITY.md, "No credential in a logged
URL") or the access token (`?token=`, the contract's form).

Both refuse before the socket is accepted. A refusal closes the handshake; a real client sees
an HTTP 403, `WebsocketCommunicator` sees the close code below.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from django.conf import settings

from accounts.sessions import SocketSession, ws_ticket_redeem
from accounts.tokens import user_from_access_token
from mwork.api.exceptions import InvalidToken

logger = logging.getLogger(__name__)

CLOSE_ORIGIN_REFUSED = 4403
CLOSE_TOKEN_REFUSED = 4401
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


async def _deny(receive: Any, send: Any, code: int) -> None:
    """Answer the handshake with a close: the socket never opens."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": code})


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _normalized(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def origin_is_allowed(origin: str | None) -> bool:
    """No Origin (native apps, CLI clients) is allowed; a browser Origin must be listed in
    CORS_ALLOWED_ORIGINS, or be a localhost origin while DEBUG is on."""
    if origin is None:
        return True
    wanted = _normalized(origin)
    if wanted in {_normalized(o) for o in settings.CORS_ALLOWED_ORIGINS}:
        return True
    if settings.DEBUG:
        try:
            hostname = urlsplit(wanted).hostname
        except ValueError:
            return False
        return hostname in _LOCAL_HOSTS
    return False


class AllowedOriginOrNoOrigin:
    def __init__(self, application: Any):
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and not origin_is_allowed(_header(scope, b"origin")):
            logger.info("websocket refused: origin %r not allowed", _header(scope, b"origin"))
            return await _deny(receive, send, CLOSE_ORIGIN_REFUSED)
        return await self.application(scope, receive, send)


@database_sync_to_async
def _session_for_token(raw: str):
    user, token = user_from_access_token(raw)
    return user, SocketSession.from_token(user=user, token=token)


_session_for_ticket = database_sync_to_async(ws_ticket_redeem)


class QueryTokenAuthMiddleware:
    """Reads `?ticket=<single-use ticket>` or `?token=<access JWT>` (not both); bad, used,
    expired or revoked credentials and banned users are refused before the socket is accepted.
    Sets `scope["user"]` and `scope["ws_session"]` (the session's token claims) for the
    consumer."""

    def __init__(self, application: Any):
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = parse_qs(scope.get("query_string", b"").decode("latin1"))
        ticket = (query.get("ticket") or [""])[0]
        token = (query.get("token") or [""])[0]
        if bool(ticket) == bool(token):  # neither, or both (which one would be meant?)
            return await _deny(receive, send, CLOSE_TOKEN_REFUSED)
        try:
            if ticket:
                user, session = await _session_for_ticket(ticket)
            else:
                user, session = await _session_for_token(token)
        except InvalidToken:
            return await _deny(receive, send, CLOSE_TOKEN_REFUSED)
        return await self.application({**scope, "user": user, "ws_session": session}, receive, send)
