"""Serializer glue shared by every app's views."""

from __future__ import annotations

from typing import Any


def validated_query(request: Any, serializer_class: type) -> dict[str, Any]:
    """Validate `request.query_params` with `serializer_class`; a bad parameter is a 400."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
