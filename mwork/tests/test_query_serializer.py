"""`mwork.api.serializers.QuerySerializer`: every query-string serializer of the project answers
exactly as DRF's deep-copying serializer would, for every parameter and every kind of bad value,
and no two requests share a bound field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.http import QueryDict
from django.urls import get_resolver
from django.utils import translation
from rest_framework import serializers

from mwork.api.serializers import QuerySerializer

# Each value against each parameter of each serializer: empty, blank, a word, numbers in and out
# of every declared range, an id, a date, oversized input.
VALUES = (
    "",
    " ",
    "x",
    "Almaty",
    "0",
    "-1",
    "1",
    "20",
    "151",
    "401",
    "99999999999999999999",
    "1.5",
    "true",
    "false",
    "null",
    "8f0c6d1e-3c1b-4f7e-9d2a-5b6c7d8e9f00",
    "2026-12-07T10:00:00Z",
    "active",
    "-created_at",
    "csv",
    "ж" * 201,
    "x" * 10_000,
)


def _query_serializers() -> list[type[QuerySerializer]]:
    get_resolver().url_patterns  # noqa: B018 - imports every view, so every serializer module
    found, pending = [], [QuerySerializer]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.append(subclass)
            pending.append(subclass)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _deep_copying(cls: type[QuerySerializer]) -> type[QuerySerializer]:
    """The same serializer with DRF's own per-instance deep copy of the fields."""

    class DeepCopying(cls):  # type: ignore[valid-type, misc]
        def get_fields(self) -> dict[str, Any]:
            return copy.deepcopy(self._declared_fields)

    return DeepCopying


def _outcome(cls: type[serializers.Serializer], query: QueryDict) -> tuple[bool, Any]:
    serializer = cls(data=query)
    valid = serializer.is_valid()
    return valid, dict(serializer.validated_data) if valid else serializer.errors


QUERY_SERIALIZERS = _query_serializers()


def test_the_project_has_its_query_serializers_on_the_shallow_base():
    names = {cls.__name__ for cls in QUERY_SERIALIZERS}
    assert {"CastingListQuerySerializer", "ModelListQuerySerializer"} <= names
    assert len(QUERY_SERIALIZERS) >= 10


@pytest.mark.parametrize("cls", QUERY_SERIALIZERS, ids=lambda cls: cls.__name__)
def test_answers_as_drf_for_every_parameter_and_value(cls):
    reference = _deep_copying(cls)
    assert _outcome(cls, QueryDict("")) == _outcome(reference, QueryDict(""))
    for name in cls._declared_fields:
        for value in VALUES:
            query = QueryDict(mutable=True)
            query[name] = value
            assert _outcome(cls, query) == _outcome(reference, query), (name, value)
    every = QueryDict(mutable=True)
    for name in cls._declared_fields:
        every[name] = "1"
    assert _outcome(cls, every) == _outcome(reference, every)


@pytest.mark.parametrize("cls", QUERY_SERIALIZERS, ids=lambda cls: cls.__name__)
def test_every_request_is_answered_in_its_own_language(cls):
    """The shared fields' limit messages are not kept in the language of their first use: each
    language in turn, and the first again, answers as DRF's own deep copies do."""
    reference = _deep_copying(cls)
    for language in ("ru", "kk", "en", "ru"):
        with translation.override(language):
            for name in cls._declared_fields:
                for value in VALUES:
                    query = QueryDict(mutable=True)
                    query[name] = value
                    expected = _outcome(reference, query)
                    assert _outcome(cls, query) == expected, (language, name, value)


@pytest.mark.parametrize("cls", QUERY_SERIALIZERS, ids=lambda cls: cls.__name__)
def test_requests_never_share_a_bound_field(cls):
    first, second = cls(data=QueryDict("")), cls(data=QueryDict(""))
    first.is_valid()
    second.is_valid()
    for name, declared in cls._declared_fields.items():
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
        assert getattr(declared, "parent", None) is None  # the class's own field stays unbound


@pytest.mark.parametrize(
    "field",
    [
        serializers.ListField(child=serializers.CharField()),
        serializers.DictField(),
        serializers.ManyRelatedField(
            child_relation=serializers.PrimaryKeyRelatedField(read_only=True)
        ),
    ],
    ids=lambda field: type(field).__name__,
)
def test_a_field_holding_fields_is_refused_at_declaration(field):
    with pytest.raises(TypeError, match="scalar fields only"):
        type("Nested", (QuerySerializer,), {"inner": field})


def test_a_nested_serializer_is_refused_at_declaration():
    class Inner(serializers.Serializer):
        name = serializers.CharField()

    with pytest.raises(TypeError, match="scalar fields only"):
        type("Nested", (QuerySerializer,), {"inner": Inner()})
