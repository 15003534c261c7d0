"""A saved search's `filters` are the query parameters of its list endpoint, validated by that
list's own query serializer (docs/SEARCHES.md): the same values pass and the same values fail
with the same messages and codes, under `filters.<parameter>`."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from castings.models import CastingStatus
from castings.serializers import CastingListQuerySerializer
from profiles.serializers import ModelListQuerySerializer
from searches.models import SearchKind

LIST_QUERY_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    SearchKind.CASTINGS: CastingListQuerySerializer,
    SearchKind.MODELS: ModelListQuerySerializer,
}


def _query_value(value: Any) -> str:
    # What the value would be in a query string: JSON true → "true", 18 → "18".
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def filters_validate(*, kind: str, filters: Any) -> dict[str, Any]:
    """`filters` as the list's query serializer validated them; raises a DRF ValidationError
    keyed by parameter (the caller nests it under `filters`)."""
    if not isinstance(filters, dict):
        raise serializers.ValidationError(
            [_('An object of the list\'s query parameters, e.g. {"city": "Almaty"}.')],
            code="invalid",
        )
    serializer_class = LIST_QUERY_SERIALIZERS[kind]
    known = set(serializer_class().fields)
    errors: dict[str, list[Any]] = {}
    query = QueryDict(mutable=True)
    for key, value in filters.items():
        if key not in known:
            errors[key] = [
                serializers.ErrorDetail(str(_("Not a query parameter of this list.")), "invalid")
            ]
        elif value is None or isinstance(value, list | dict):
            errors[key] = [
                serializers.ErrorDetail(str(_("A single value, as in a query string.")), "invalid")
            ]
        else:
            query[key] = _query_value(value)
    if errors:
        raise serializers.ValidationError(errors)
    serializer = serializer_class(data=query)
    if not serializer.is_valid():
        raise serializers.ValidationError(serializer.errors)
    validated = dict(serializer.validated_data)
    if kind == SearchKind.CASTINGS and validated.get("status", CastingStatus.ACTIVE) != (
        CastingStatus.ACTIVE
    ):
        # Alerts follow newly published castings, which are active.
        raise serializers.ValidationError(
            {"status": [_("A saved search follows new castings: only active.")]}
        )
    return validated
