"""Input and output shapes of the saved-search endpoints (docs/SEARCHES.md)."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers

from mwork.api.serializers import QuerySerializer
from searches.filters import LIST_QUERY_SERIALIZERS, filters_validate
from searches.models import Frequency, SearchKind

NAME_MAX_LENGTH = 100


class SavedSearchCreateInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SearchKind.choices)
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    filters = serializers.JSONField(
        default=dict,
        help_text="The list's query parameters: those of `GET /castings` (kind castings; "
        "`status` only active) or of `GET /profiles/models` (kind models), validated by that "
        "list; unknown parameters are refused. `{}` matches everything new.",
    )
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.INSTANT)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["filters"] = filters_validate(kind=attrs["kind"], filters=attrs["filters"])
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"filters": error.detail}) from None
        return attrs


class SavedSearchUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    filters = serializers.JSONField(required=False, help_text="As in create; replaces them.")
    frequency = serializers.ChoiceField(choices=Frequency.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "filters" in attrs:
            try:
                attrs["filters"] = filters_validate(
                    kind=self.context["kind"], filters=attrs["filters"]
                )
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"filters": error.detail}) from None
        return attrs


def _general(field: serializers.Field) -> serializers.Field:
    if isinstance(field, serializers.IntegerField):
        return serializers.IntegerField(required=False)
    return serializers.CharField(required=False)


def _filters_output_fields() -> dict[str, serializers.Field]:
    # Every list's parameters, from the lists' own query serializers (absent keys are left out);
    # a parameter the lists bound differently is documented without their bounds.
    fields: dict[str, serializers.Field] = {}
    shapes: dict[str, str] = {}
    for serializer_class in LIST_QUERY_SERIALIZERS.values():
        for name, field in serializer_class().fields.items():
            shape = repr(field)
            if name not in fields:
                fields[name] = copy.deepcopy(field)
                fields[name].required = False
                shapes[name] = shape
            elif shapes[name] != shape:
                fields[name] = _general(field)
    return fields


SavedSearchFiltersOutputSerializer = type(
    "SavedSearchFiltersOutputSerializer",
    (serializers.Serializer,),
    {
        **_filters_output_fields(),
        "__doc__": "The list's query parameters of the search, as that list validated them.",
    },
)


class SavedSearchOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=SearchKind.choices)
    name = serializers.CharField()
    filters = SavedSearchFiltersOutputSerializer()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    new_matches = serializers.IntegerField(help_text="Matches since `last_seen_at`.")
    last_seen_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SavedSearchMatchesQuerySerializer(QuerySerializer):
    since = serializers.DateTimeField(
        required=False,
        help_text="List matches newer than this instead of `last_seen_at` (the `since` of the "
        "first page's answer, for the following pages).",
    )
