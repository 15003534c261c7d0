"""Serializer glue shared by every app's views."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.utils.formatting import lazy_format


class QuerySerializer(serializers.Serializer):
    """A query string's serializer: flat scalar fields, copied shallowly for each request.

    DRF gives every serializer instance a deep copy of its declared fields, and deep-copying a
    field runs its constructor again (its arguments deep-copied, its validators rebuilt): two
    thirds of validating the castings list's twelve parameters (docs/PERFORMANCE.md, "Query
    strings validated without DRF's deep copy"). A scalar field's state after construction is
    read-only during validation (choices, validators, error messages); `bind` gives each copy
    its own name and parent. Fields that hold other fields (a nested serializer, a ListField's
    child) would share them between requests, so a subclass declaring one is refused at import.
    A limit's message (`max_length`, `max_value`...) is a DRF `lazy_format`, which keeps the
    text of its first use: shared, it would answer every later request in the language of the
    first; it is made to format in the request's language each time (`_EachTimeFormat`).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, field in cls._declared_fields.items():
            if isinstance(field, serializers.BaseSerializer) or any(
                hasattr(field, attr) for attr in ("child", "child_relation")
            ):
                raise TypeError(
                    f"{cls.__name__}.{name}: a QuerySerializer takes scalar fields only "
                    f"({type(field).__name__} holds other fields)"
                )
            for validator in field.validators:
                message = getattr(validator, "message", None)
                if isinstance(message, lazy_format) and message.format_string is not None:
                    setattr(  # noqa: B010 - a validator's attribute the stubs do not declare
                        validator,
                        "message",
                        _EachTimeFormat(message.format_string, *message.args, **message.kwargs),
                    )

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _shallow_copy(field) for name, field in self._declared_fields.items()}


class _EachTimeFormat(lazy_format):
    """DRF's `lazy_format`, formatted again at every use (in the language active then)."""

    __slots__ = ()

    def __str__(self) -> str:
        return str(self.format_string).format(*self.args, **self.kwargs)


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


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
