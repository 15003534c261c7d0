"""The success envelope: every successful answer goes through `ok()` (or `no_content()`)."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response


def ok(data: Any = None, *, status: int = 200, message: str | None = None) -> Response:
    """`{"status": "success", "data": data}`, or `{"status": "success", "message": ...}`."""
    body: dict[str, Any] = {"status": "success"}
    if data is not None:
        body["data"] = data
    if message is not None:
        body["message"] = message
    return Response(body, status=status)


def created(data: Any) -> Response:
    return ok(data, status=201)


def no_content() -> Response:
    return Response(status=204)
