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

What it refuses, so the one rule cannot be broken silently: every other parameter of the
compiled SQL is frozen into the cache, so a date or time among them within a day of the clock
(`timezone.now()` computed in Python at build time; a constant such as the epoch is fine)
raises `FrozenValueError` (use SQL-side `Now()`), as does an id the builder never used.
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
from django.db.models import Model, QuerySet, UUIDField

_UUID = UUIDField()
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
        if set(ids) != {slot for slot in self.slots if slot is not None}:
            raise TypeError(f"Expected the ids {sorted(filter(None, set(self.slots)))}.")
        return [
            param if slot is None else _uuid_to_db(ids[slot])
            for slot, param in zip(self.slots, self.params, strict=True)
        ]

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


def compiled_once(build: Callable[..., QuerySet[_M, Any]]) -> Callable[..., CompiledQuery[_M]]:
    """Decorate a queryset builder: it runs and compiles once per distinct positional
    arguments; its keyword-only arguments are the ids bound per call (see the module)."""
    id_names = tuple(
        name
        for name, parameter in inspect.signature(build).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    )

    @functools.cache
    @functools.wraps(build)
    def compiled(*constants: Any) -> CompiledQuery[_M]:
        placeholders = {name: uuid.uuid4() for name in id_names}
        queryset = build(*constants, **placeholders)
        sql, params = queryset.query.sql_with_params()
        by_value = {_uuid_to_db(value): name for name, value in placeholders.items()}
        slots = tuple(
            by_value.get(param) if isinstance(param, uuid.UUID | str) else None for param in params
        )
        unused = set(id_names) - set(slots)
        if unused:
            raise FrozenValueError(f"{build.__name__} never uses the ids {sorted(unused)}.")
        frozen = [p for p in params if _looks_like_now(p)]
        if frozen:
            raise FrozenValueError(
                f"{build.__name__} would freeze {frozen!r} into its cached SQL: compute times "
                "in SQL (Now()), not in Python."
            )
        converted = tuple(
            (name, expression, tuple(converters))
            for name, expression in queryset.query.annotation_select.items()
            if (converters := _converters(expression))
        )
        return CompiledQuery(queryset.model, sql, tuple(params), slots, converted)

    return compiled


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


def _uuid_to_db(value: Any) -> Any:
    return _UUID.get_db_prep_value(value, connection)
