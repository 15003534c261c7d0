"""Every request body is bounded before anything reads it (docs/RELIABILITY.md, "Bounded
request bodies").

One limit per request, decided from the path and the content type only:

- a view may name the setting of its own limit in `max_body_bytes_setting` (the Robokassa
  callback and browser returns: `ROBOKASSA_MAX_BODY_BYTES`, 8 KB);
- `multipart/form-data` (photo uploads): `API_MAX_BODY_BYTES + PHOTO_MAX_BYTES`, refused with
  413 `FILE_TOO_LARGE` (the contract's code for uploads); the photo itself is checked again by
  the image pipeline;
- anything else (JSON, forms, unknown types): `API_MAX_BODY_BYTES` (1 MB), refused with 413
  `PAYLOAD_TOO_LARGE`.

Two guards apply it:

- `BodyLimitMiddleware` (Django): a declared `Content-Length` over the limit is answered 413
  before the view runs. Under WSGI Django reads exactly `Content-Length` bytes, so a body sent
  without one (chunked) is never read at all.
- `BodyLimitASGIMiddleware` (around Django's ASGI app): Django's ASGI handler reads the whole
  body into a temporary file before any middleware runs, whatever its size, with or without
  `Content-Length`. This wrapper refuses a declared length over the limit without reading, and
  counts a streamed body as it arrives: past the limit it stops reading, tells Django the
  client left, and answers 413 itself.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, URLResolver, get_resolver, resolve
from django.utils.translation import get_supported_language_variant, override
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from mwork.api import routes
from mwork.api.middleware import VALID_REQUEST_ID

PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
FILE_TOO_LARGE = "FILE_TOO_LARGE"


def api_body_limit() -> int:
    return int(settings.API_MAX_BODY_BYTES)


def upload_body_limit() -> int:
    return api_body_limit() + int(settings.PHOTO_MAX_BYTES)


def _is_multipart(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


def _view_class(path: str) -> type | None:
    if path.startswith("/api/") and len(path) > 1:
        path = path.rstrip("/")  # as OptionalTrailingSlashMiddleware does
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return routes.view_class(match.func)


def _declared_limit(view_class: type | None) -> int | None:
    setting = getattr(view_class, "max_body_bytes_setting", None)
    return int(getattr(settings, setting)) if setting else None


@functools.lru_cache(maxsize=4)
def _declared_settings(resolver: URLResolver) -> frozenset[str]:
    """The settings any view of this URL conf names as its own limit (walked once)."""
    return frozenset(
        setting
        for _route, pattern in routes.url_routes(resolver.url_patterns)
        if (setting := getattr(routes.view_class(pattern.callback), "max_body_bytes_setting", None))
    )


def smallest_limit() -> int:
    """The smallest limit any request can have: a body no larger is within every limit, so
    the guards need not resolve its path (most bodies; resolving costs a walk of the URL conf)."""
    declared = (int(getattr(settings, name)) for name in _declared_settings(get_resolver()))
    return min(api_body_limit(), *declared)


def limit_for(path: str, content_type: str, view_class: type | None = None) -> tuple[int, str]:
    """(limit in bytes, error code) for a request to `path` with this `Content-Type`.
    `view_class`: the view the path resolves to, when the caller has it (DRF's parsers): the
    path is then not resolved again."""
    declared = _declared_limit(view_class or _view_class(path))
    if declared is not None:
        return declared, PAYLOAD_TOO_LARGE
    if _is_multipart(content_type):
        return upload_body_limit(), FILE_TOO_LARGE
    return api_body_limit(), PAYLOAD_TOO_LARGE


def too_large_body(limit: int, code: str) -> dict[str, Any]:
    # The envelope of mwork.api.handlers.error_body, built here: DRF is not imported yet when
    # the parsers (which DRF's settings load) import this module.
    return {
        "status": "error",
        "error": {
            "code": code,
            "message": str(_("Request body is too large.")),
            "details": {"body": [too_large_detail(limit)]},
            "details_codes": {"body": [code.lower()]},  # as mwork.api.handlers.details_codes
        },
    }


def too_large_detail(limit: int) -> str:
    return str(_("The request body must be at most {limit} bytes.")).format(limit=limit)


def _declared_length(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


class BodyLimitMiddleware:
    """A declared `Content-Length` over the request's limit → 413 before any view reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request.META.get("CONTENT_LENGTH"))
        if length and length > smallest_limit():
            limit, code = limit_for(request.path_info, request.META.get("CONTENT_TYPE", ""))
            if length > limit:
                response = JsonResponse(too_large_body(limit, code), status=413)
                response["Connection"] = "close"
                return response
        return self.get_response(request)


def _language(accept_language: str) -> str:
    """The caller's language as LocaleMiddleware would pick it (Django is not reached)."""
    for code, _quality in parse_accept_lang_header(accept_language):
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyLimitASGIMiddleware:
    """Bounds what Django's ASGI handler reads: declared and streamed bodies alike."""

    def __init__(self, app: Callable[..., Awaitable[None]]):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            name.decode("latin1").lower(): value.decode("latin1")
            for name, value in scope.get("headers", [])
        }
        # The request's own limit is worked out (its path resolved) only for a body larger
        # than the smallest limit, declared or streamed; most requests have none.
        limit, code = smallest_limit(), PAYLOAD_TOO_LARGE
        resolved = False

        def own_limit() -> int:
            nonlocal limit, code, resolved
            if not resolved:
                limit, code = limit_for(scope.get("path", ""), headers.get("content-type", ""))
                resolved = True
            return limit

        declared = _declared_length(headers.get("content-length"))
        if declared is not None and declared > limit and declared > own_limit():
            await self._refuse(send, limit, code, headers)
            return

        received = 0
        exceeded = False

        async def bounded_receive() -> dict[str, Any]:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and received > own_limit():
                    # Django's read_body drops what it spooled and gives up on this request.
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, bounded_receive, send)
        if exceeded:
            await self._refuse(send, limit, code, headers)

    @staticmethod
    async def _refuse(send: Send, limit: int, code: str, headers: dict[str, str]) -> None:
        incoming = headers.get("x-request-id", "")
        request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        language = _language(headers.get("accept-language", ""))
        with override(language):
            body = json.dumps(too_large_body(limit, code)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                    (b"content-language", language.encode()),
                    (b"x-request-id", request_id.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
