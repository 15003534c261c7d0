"""Hot reads by key, compiled once (`compiled_once`).

Building and compiling a queryset (visibility rules, block subqueries, annotations, joins)
costs the ORM more than PostgreSQL needs to run a read by primary key, on the hottest requests
(casting and profile detail, apply, every chat message). When the SQL of such a read depends
only on a few constants (a role, a scope) and on ids, it can be compiled once per constant and
run with the ids bound: docs/PERFORMANCE.md ("One mechanism per concern") has the measurements.

The builder names its ids as keyword-only parameters and uses them where a real id would go;
the constants are its positional parameters (hashable and few: they are the cache key):

    @compiled_once
    def _thing_query(kind: str, *, thing_id: UUID) -> QuerySet[Thing]:
        return Thing.objects.filter(visible_to(kind), id=thing_id).order_by()

    thing = _thing_query(kind).first(thing_id=real_id)

The facility compiles the builder with a fresh placeholder UUID per id, remembers where each
placeholder landed among the SQL parameters, and swaps in the real ids on every call; the rows
come from `Model.objects.raw()`, annotations converted as a queryset would convert them.
A keyword-only parameter annotated as a `datetime` is bound the same way (a placeholder time
in 1900 at build time, the caller's time on every call): the way to compare with "now" as
Python's clock has it (`timezone.now()`, which tests may move), where SQL's `Now()` would not.

`compiled_values_once` does the same for a `values()` queryset left unsliced: its rows come back
as the queryset's dicts, each column converted as the queryset would, and `rows(limit=,
offset=)` pages them (the chat rooms list's page, docs/PERFORMANCE.md "Second round").

What it refuses, so the one rule cannot be broken silently: every other parameter of the
compiled SQL is frozen into the cache, so a date or time among them within a day of the clock
(`timezone.now()` computed in Python at build time; a constant such as the epoch is fine)
raises `FrozenValueError` (make it a `datetime` parameter, or use SQL-side `Now()`), as does
an id the builder never used.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import DateTimeField, Model, QuerySet, UUIDField
from django.db.models.query import ValuesIterable

_UUID = UUIDField()
_DATETIME = DateTimeField()
_M = TypeVar("_M", bound=Model)


class FrozenValueError(ValueError):
    """A compiled query would freeze a value that must change from call to call."""


@dataclass(frozen=True)
class CompiledQuery(Generic[_M]):
    """A queryset's model and SQL; `slots` names the id bound at each parameter position."""

    model: type[_M]
    sql: str
    params: tuple[Any, ...]
    slots: tuple[str | None, ...]
    converted: tuple[tuple[str, Any, tuple[Any, ...]], ...]  # (annotation, expression, converters)

    def _params(self, ids: dict[str, Any]) -> list[Any]:
        return _bind(self.slots, self.params, ids)

    def rows(self, **ids: Any) -> Iterator[_M]:
        """The model instances of the query with these ids, annotations converted."""
        for row in self.model._default_manager.raw(self.sql, self._params(ids)):
            for name, expression, converters in self.converted:
                value = getattr(row, name)
                if value is not None:
                    for converter in converters:
                        value = converter(value, expression, connection)
                    setattr(row, name, value)
            yield row

    def all(self, **ids: Any) -> list[_M]:
        return list(self.rows(**ids))

    def first(self, **ids: Any) -> _M | None:
        return next(self.rows(**ids), None)


def _keyword_parameters(build: Callable[..., Any]) -> tuple[tuple[str, ...], set[str]]:
    """The builder's ids (keyword-only parameters) and which of them are times."""
    keyword_only = [
        parameter
        for parameter in inspect.signature(build).parameters.values()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    id_names = tuple(parameter.name for parameter in keyword_only)
    # Annotations are strings here (`from __future__ import annotations`): "datetime",
    # "dt.datetime", "datetime.datetime".
    time_names = {
        parameter.name
        for parameter in keyword_only
        if str(parameter.annotation).rsplit(".", 1)[-1] == "datetime"
        or parameter.annotation is datetime.datetime
    }
    return id_names, time_names


def _compile(
    build: Callable[..., QuerySet[Any, Any]], constants: tuple[Any, ...]
) -> tuple[QuerySet[Any, Any], Any, str, tuple[Any, ...], tuple[str | None, ...]]:
    """Run the builder with placeholders; its queryset, compiler, SQL, parameters and slots."""
    id_names, time_names = _keyword_parameters(build)
    placeholders = {
        name: _placeholder_time() if name in time_names else uuid.uuid4() for name in id_names
    }
    queryset = build(*constants, **placeholders)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    by_value = {_to_db(value): name for name, value in placeholders.items()}
    slots = tuple(
        by_value.get(param) if isinstance(param, uuid.UUID | str | datetime.datetime) else None
        for param in params
    )
    unused = set(id_names) - set(slots)
    if unused:
        raise FrozenValueError(f"{build.__name__} never uses the ids {sorted(unused)}.")
    frozen = [p for p in params if _looks_like_now(p)]
    if frozen:
        raise FrozenValueError(
            f"{build.__name__} would freeze {frozen!r} into its cached SQL: compute times "
            "in SQL (Now()) or pass them as datetime parameters, not frozen."
        )
    return queryset, compiler, sql, tuple(params), slots


def compiled_once(build: Callable[..., QuerySet[_M, Any]]) -> Callable[..., CompiledQuery[_M]]:
    """Decorate a queryset builder: it runs and compiles once per distinct positional
    arguments; its keyword-only arguments are the ids bound per call (see the module)."""

    @functools.cache
    @functools.wraps(build)
    def compiled(*constants: Any) -> CompiledQuery[_M]:
        queryset, _compiler, sql, params, slots = _compile(build, constants)
        converted = tuple(
            (name, expression, tuple(converters))
            for name, expression in queryset.query.annotation_select.items()
            if (converters := _converters(expression))
        )
        return CompiledQuery(queryset.model, sql, params, slots, converted)

    return compiled


@dataclass(frozen=True)
class CompiledValues:
    """A `values()` queryset's SQL (unsliced), ids bound per call; rows come back as the
    queryset's dicts, every column converted as the queryset would convert it."""

    sql: str
    params: tuple[Any, ...]
    slots: tuple[str | None, ...]
    names: tuple[str, ...]
    converters: tuple[tuple[int, Any, tuple[Any, ...]], ...]  # (column, expression, converters)

    def rows(
        self, *, limit: int | None = None, offset: int = 0, **ids: Any
    ) -> list[dict[str, Any]]:
        """The rows with these ids; `limit`/`offset` page them (integers in the SQL text)."""
        sql = self.sql
        if limit is not None:
            sql = f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, _bind(self.slots, self.params, ids))
            fetched = cursor.fetchall()
        names = self.names
        out = []
        for row in fetched:
            values = list(row)
            for index, expression, converters in self.converters:
                value = values[index]
                for converter in converters:
                    value = converter(value, expression, connection)
                values[index] = value
            out.append(dict(zip(names, values, strict=True)))
        return out


def compiled_values_once(
    build: Callable[..., QuerySet[Any, Any]],
) -> Callable[..., CompiledValues]:
    """`compiled_once` for a `values()` queryset (value rows rather than model instances),
    left unsliced: `CompiledValues.rows(limit=, offset=)` pages it."""

    @functools.cache
    @functools.wraps(build)
    def compiled(*constants: Any) -> CompiledValues:
        queryset, compiler, sql, params, slots = _compile(build, constants)
        query = queryset.query
        if query.is_sliced or queryset._iterable_class is not ValuesIterable:
            raise ValueError(f"{build.__name__} must return an unsliced values() queryset.")
        names = (
            tuple(query.selected)
            if query.selected
            else (*query.extra_select, *query.values_select, *query.annotation_select)
        )
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (index, expression, tuple(found))
            for index, (found, expression) in compiler.get_converters(fields).items()
        )
        return CompiledValues(sql, params, slots, names, converters)

    return compiled


def _bind(slots: tuple[str | None, ...], params: tuple[Any, ...], ids: dict[str, Any]) -> list[Any]:
    if set(ids) != {slot for slot in slots if slot is not None}:
        raise TypeError(f"Expected the ids {sorted(filter(None, set(slots)))}.")
    return [
        param if slot is None else _to_db(ids[slot])
        for slot, param in zip(slots, params, strict=True)
    ]


def _looks_like_now(value: Any) -> bool:
    """A date or time within a day of the clock: computed at build time, not a constant."""
    if isinstance(value, datetime.datetime):
        now = datetime.datetime.now(tz=value.tzinfo)
        return abs(value - now) < datetime.timedelta(days=1)
    if isinstance(value, datetime.date):
        today = datetime.datetime.now(tz=datetime.UTC).date()
        return abs(value - today) <= datetime.timedelta(days=1)
    return False


def _converters(expression: Any) -> list[Any]:
    """What a queryset applies to an annotation's raw value on this backend."""
    converters = connection.ops.get_db_converters(expression)
    return converters + expression.get_db_converters(connection)


def _to_db(value: Any) -> Any:
    """An id or a time as the backend's SQL parameter."""
    if isinstance(value, datetime.datetime):
        return _DATETIME.get_db_prep_value(value, connection)
    return _UUID.get_db_prep_value(value, connection)


def _placeholder_time() -> datetime.datetime:
    """A time no real call passes (1900), distinct per placeholder."""
    return datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        microseconds=uuid.uuid4().int % 10**12
    )
