"""Request body parsers with resource limits (OWASP API4: unrestricted resource consumption).

The body's size is bounded before the parser runs (`mwork/api/bodylimit.py`: 413
`PAYLOAD_TOO_LARGE`, `FILE_TOO_LARGE` for multipart uploads); these parsers check the same
limit again, so a view reached some other way (a test client, a future server) cannot read
more. And DRF's JSONParser turns a `ValueError` into a 400, but a deeply nested document
(`[[[[...]]]]`, a few kilobytes) makes the decoder raise `RecursionError`, which became a 500:
JSON nested deeper than `MAX_JSON_DEPTH` is a 400 `VALIDATION_ERROR` (no MWork request body is
more than a few levels deep).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from mwork.api.bodylimit import FILE_TOO_LARGE, limit_for, too_large_detail
from mwork.api.exceptions import FileTooLarge, PayloadTooLarge

MAX_JSON_DEPTH = 32


def json_depth_exceeds(data: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when lists/objects nest more than `limit` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children: Iterable[Any]
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


def _refuse_oversized(parser_context: dict | None) -> None:
    request = (parser_context or {}).get("request")
    view = (parser_context or {}).get("view")  # the running view: no second resolve of the path
    meta = getattr(request, "META", {})
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        length = 0
    limit, code = limit_for(
        getattr(request, "path_info", ""),
        meta.get("CONTENT_TYPE", ""),
        type(view) if view is not None else None,
    )
    if length > limit:
        error = FileTooLarge if code == FILE_TOO_LARGE else PayloadTooLarge
        raise error(details={"body": [too_large_detail(limit)]})


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context)
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
        _refuse_oversized(parser_context)
        return super().parse(stream, media_type, parser_context)


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context)
        return super().parse(stream, media_type, parser_context)
