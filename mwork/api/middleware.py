"""Request-level HTTP glue: request ids, optional trailing slashes, rate-limit headers."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mwork.api.ratelimit import USAGE_ATTRIBUTE, headers_for

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")


class RequestIdMiddleware:
    """Take `X-Request-ID` from the caller (when sane) or make one; echo it and log with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


# `/ws?token=…` or `/ws?ticket=…` in a log line: the query is a credential (docs/RELIABILITY.md,
# "No credential in a logged URL"). Up to the next space or quote, so a quoted request line
# keeps its closing quote.
_WEBSOCKET_QUERY = re.compile(r"(/ws/?)\?[^\s\"']*")
# The ASGI servers' own loggers that print request paths with their query strings: uvicorn's
# WebSocket handshake lines ("WebSocket /ws?token=… [accepted]", logged on uvicorn.error even with
# --no-access-log) and access lines, and runserver's (daphne) request lines.
SERVER_LOGGERS = ("uvicorn.error", "uvicorn.access", "django.channels.server")


class WebSocketQueryRedactFilter(logging.Filter):
    """Drops the query string of `/ws` from a record's message (`/ws?token=x` → `/ws`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/ws" in message and "?" in message:
            redacted = _WEBSOCKET_QUERY.sub(r"\1", message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


def redact_websocket_queries_in_server_logs() -> None:
    """Install the filter on the ASGI servers' loggers (called by `mwork.asgi` once the server
    has configured its logging). Logger filters keep the server's own handlers."""
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        if not any(isinstance(f, WebSocketQueryRedactFilter) for f in server_logger.filters):
            server_logger.addFilter(WebSocketQueryRedactFilter())


class OptionalTrailingSlashMiddleware:
    """`/api/v1/castings/` and `/api/v1/castings` are the same address, without a redirect."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/api/") and len(path) > 1 and path.endswith("/"):
            request.path_info = path.rstrip("/")
        return self.get_response(request)


class RateLimitHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        usage = getattr(request, USAGE_ATTRIBUTE, None)
        if usage is not None:
            for name, value in headers_for(usage).items():
                response[name] = value
        return response
