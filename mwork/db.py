"""Hot reads by key, compiled once.

Building and compiling a queryset — visibility rules, block subqueries, annotations, joins —
costs the ORM about three times what PostgreSQL needs to run a read by primary key, on the
hottest requests (casting and profile detail, apply, every chat message). The SQL of such a
read depends only on a few constants (the kind of caller, say), never on the ids, so it is
compiled once with placeholder ids and every call runs it through `Model.objects.raw()` with
the real ids bound in their place. raw() still converts the model's columns; annotations come
back as the database sent them, which `from_db` converts where the backend needs it (SQLite
sends datetimes and UUIDs as text).

Use it only for queries whose other parameters are constants: a value computed in Python at
call time (`timezone.now()`, a setting) would be frozen into the cached SQL — use SQL-side
functions (`Now()`) instead. Cache keys are the builder's arguments, so they must be hashable
and few (a role, a scope), never ids.

    _PLACEHOLDER_ID = uuid.UUID(int=1)

    @compiled_once
    def _thing_query(kind: str) -> QuerySet[Thing]:
        return Thing.objects.filter(visible_to(kind), id=_PLACEHOLDER_ID).order_by()

    thing = _thing_query(kind).first({_PLACEHOLDER_ID: thing_id})
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, Model, QuerySet, UUIDField, Value
from django.db.models.query import RawQuerySet

_UUID = UUIDField()


@dataclass(frozen=True)
class CompiledQuery:
    """A queryset's model, SQL and parameters; placeholder ids are swapped per call."""

    model: type[Model]
    sql: str
    params: tuple[Any, ...]

    def raw(self, ids: Mapping[uuid.UUID, Any]) -> RawQuerySet:
        """The query with each placeholder id (a key of `ids`) replaced by its real id."""
        real = {_uuid_to_db(placeholder): _uuid_to_db(value) for placeholder, value in ids.items()}
        params = [
            real.get(param, param) if isinstance(param, uuid.UUID | str) else param
            for param in self.params
        ]
        return self.model.objects.raw(self.sql, params)

    def first(self, ids: Mapping[uuid.UUID, Any]) -> Any | None:
        return next(iter(self.raw(ids)), None)


def compiled_once(build: Callable[..., QuerySet]) -> Callable[..., CompiledQuery]:
    """Decorate a queryset builder: it runs and compiles once per distinct arguments."""

    @functools.cache
    @functools.wraps(build)
    def compiled(*args: Any) -> CompiledQuery:
        queryset = build(*args)
        sql, params = queryset.query.sql_with_params()
        return CompiledQuery(queryset.model, sql, tuple(params))

    return compiled


def from_db(value: Any, field: Field) -> Any:
    """An annotation's raw database value as a queryset would return it for `field`."""
    if value is None:
        return None
    expression = Value(value, output_field=field)
    for converter in connection.ops.get_db_converters(expression):
        value = converter(value, expression, connection)
    return value


def _uuid_to_db(value: Any) -> Any:
    return _UUID.get_db_prep_value(value, connection)
