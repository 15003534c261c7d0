"""OpenAPI helpers: document every endpoint with the envelope it really returns.

@api_schema(request=LoginInput, responses={200: envelope("Login", LoginOutput)},
            errors=(400, 401, 429))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    400: "VALIDATION_ERROR: invalid body, query parameter or malformed JSON",
    401: "AUTH_REQUIRED (no credentials) or INVALID_TOKEN (bad, expired or revoked token)",
    403: "PERMISSION_DENIED, PROFILE_REQUIRED, SUBSCRIPTION_LIMIT or ACCOUNT_DISABLED",
    404: "NOT_FOUND (also for objects the caller may not see)",
    405: "METHOD_NOT_ALLOWED",
    409: "DUPLICATE_RESOURCE",
    413: "FILE_TOO_LARGE",
    415: "VALIDATION_ERROR: unsupported content type",
    422: "INVALID_STATE: the action is not allowed in the object's current state",
    429: "RATE_LIMIT_EXCEEDED, with retry_after",
    503: "SERVICE_UNAVAILABLE",
}


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    # VALIDATION_ERROR: {field: [messages]}; SUBSCRIPTION_LIMIT: {"feature": "chat_access"} or
    # {"limit": 10, "used": 10, "plan": "FREE"} (found by the contract fuzzer: values vary).
    details = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Per-field message lists for VALIDATION_ERROR; limit/used/plan or feature "
        "for SUBSCRIPTION_LIMIT.",
    )
    retry_after = serializers.IntegerField(required=False)


class ErrorEnvelopeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    error = ErrorSerializer()


class PaginationSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    has_more = serializers.BooleanField()


def _as_field(data: Any, name: str) -> serializers.Field:
    if isinstance(data, dict):
        return inline_serializer(name=f"{name}Data", fields=data)
    if isinstance(data, type) and issubclass(data, serializers.BaseSerializer):
        return data()
    return data


def envelope(name: str, data: Any) -> serializers.Serializer:
    """`{"status": "success", "data": <data>}`; data is a serializer (class) or a dict of fields."""
    return inline_serializer(
        name=f"{name}Envelope",
        fields={
            "status": serializers.ChoiceField(choices=["success"]),
            "data": _as_field(data, name),
        },
    )


def item_envelope(name: str, key: str, item: Any) -> serializers.Serializer:
    """`{"status": "success", "data": {key: <item>}}`."""
    return envelope(name, {key: _as_field(item, f"{name}Item")})


def list_envelope(name: str, key: str, item: Any, **extra: serializers.Field):
    """The paginated list shape of contract-notes §3 inside the envelope."""
    child = _as_field(item, f"{name}Item")
    fields = {key: serializers.ListField(child=child), "pagination": PaginationSerializer()}
    fields.update(extra)
    documented = envelope(name, fields)
    documented._mwork_paginated = True  # api_schema documents limit/offset for it
    return documented


PAGINATION_PARAMETERS = (
    OpenApiParameter(
        "limit", int, description="Page size, default 20; above 100 it is clamped to 100."
    ),
    OpenApiParameter("offset", int, description="Rows to skip, default 0."),
)


def message_envelope(name: str) -> serializers.Serializer:
    return inline_serializer(
        name=f"{name}MessageEnvelope",
        fields={
            "status": serializers.ChoiceField(choices=["success"]),
            "message": serializers.CharField(),
        },
    )


_UNSET: Any = object()


def api_schema(
    *,
    responses: dict[int, Any],
    errors: Iterable[int] = (),
    request: Any = _UNSET,
    **kwargs: Any,
):
    """`extend_schema` with the success envelopes given and the error envelope per status.

    `request=None` documents an operation without a body (e.g. `POST .../read`); leaving
    `request` out lets drf-spectacular decide (GET never has one).
    """
    documented: dict[int, Any] = dict(responses)
    for status in errors:
        documented[status] = OpenApiResponse(
            ErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS[status]
        )
    if request is not _UNSET:
        kwargs["request"] = request
    if any(getattr(body, "_mwork_paginated", False) for body in responses.values()):
        # Every paginated list takes limit/offset (found by the security suite: most lists
        # did not document them, so neither clients nor the contract fuzzer knew).
        given = kwargs.get("parameters") or []
        names = {getattr(p, "name", None) for p in given}
        kwargs["parameters"] = [
            *given,
            *(p for p in PAGINATION_PARAMETERS if p.name not in names),
        ]
    return extend_schema(responses=documented, **kwargs)
