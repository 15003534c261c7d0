"""Request body parsers with resource limits (OWASP API4: unrestricted resource consumption).

DRF reads a JSON or form body straight from the stream, so Django's
`DATA_UPLOAD_MAX_MEMORY_SIZE` (enforced only by `request.body`/`request.POST`) never applied:
any size was read into memory. And DRF's JSONParser turns a `ValueError` into a 400, but a
deeply nested document (`[[[[...]]]]`, a few kilobytes) makes the decoder raise
`RecursionError`, which became a 500. These parsers, DRF's own otherwise:

- refuse a body whose `Content-Length` is over the limit with 413 `FILE_TOO_LARGE` before
  reading it: `DATA_UPLOAD_MAX_MEMORY_SIZE` for JSON and forms; for multipart uploads that
  plus `PHOTO_MAX_BYTES` (the photo itself is checked again by the image pipeline);
- refuse JSON nested deeper than `MAX_JSON_DEPTH` with 400 `VALIDATION_ERROR` (no MWork
  request body is more than a few levels deep).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from mwork.api.exceptions import FileTooLarge

MAX_JSON_DEPTH = 32


def json_depth_exceeds(data: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when lists/objects nest more than `limit` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _content_length(parser_context: dict | None) -> int:
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {})
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


def _refuse_oversized(parser_context: dict | None, limit: int) -> None:
    if limit is not None and _content_length(parser_context) > limit:
        raise FileTooLarge(
            _("Request body is too large."),
            details={
                "body": [_("The request body must be at most {limit} bytes.").format(limit=limit)]
            },
        )


def body_limit() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def upload_limit() -> int:
    return body_limit() + int(getattr(settings, "PHOTO_MAX_BYTES", 0))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context, body_limit())
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = json_depth_exceeds(data)
        if too_deep:
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context, body_limit())
        return super().parse(stream, media_type, parser_context)


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context, upload_limit())
        return super().parse(stream, media_type, parser_context)
