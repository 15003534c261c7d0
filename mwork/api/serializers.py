"""Serializer glue shared by every app's views."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def validated_query(request: Any, serializer_class: type) -> dict[str, Any]:
    """Validate `request.query_params` with `serializer_class`; a bad parameter is a 400."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class NewPasswordField(serializers.CharField):
    """A password the policy (AUTH_PASSWORD_VALIDATORS) will check in the service; the schema
    documents the policy's rules for it (mwork.api.schema.MworkAutoSchema)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("write_only", True)
        super().__init__(**kwargs)
