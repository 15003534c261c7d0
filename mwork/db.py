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
placeholder landed among the SQL parameters, and swaps in the real ids on every call. A plain
model queryset's rows become instances as the ORM makes them (`ModelIterable`: the compiler's
columns and converters, `Model.from_db`), worked out once; any other (a `values()` queryset,
`select_related`) comes from `Model.objects.raw()`, annotations converted as a queryset would
convert them.
A keyword-only parameter annotated as a `datetime` is bound the same way (a placeholder time
in 1900 at build time, the caller's time on every call): the way to compare with "now" as
Python's clock has it (`timezone.now()`, which tests may move), where SQL's `Now()` would not.

`compiled_values_once` does the same for a `values()` queryset left unsliced: its rows come back
as the queryset's dicts (or, by `tuples()`, as sequences in the same order), each column
converted as the queryset would, and `rows(limit=, offset=)` pages them (the chat rooms list's
page and history, docs/PERFORMANCE.md "Second round").

`JSONArrayAgg` (with `JSONObject`) brings a few related rows back inside one column of each
row, and `json_time` / `json_uuid` read times and ids back from that JSON on PostgreSQL and
SQLite alike (the chat rooms list's members and last message).

`compiled_list` goes one step further for a list whose SQL depends on which filters are present
and on their values (the public castings list, the catalogue): its keyword-only parameters may
also be strings and integers (`str | None`, `int | None`), and a None leaves that filter out.
The SQL is compiled once per constants and set of present values, with every present value
bound per call: calling the decorated builder gives a `BoundList`, the list's page and capped
count (`count_queryset`), which `mwork.api.pagination.paginate` takes instead of a queryset
(docs/PERFORMANCE.md, "Public lists: counts cached, compiled per set of filters"). A string
is bound as the caller gives it, so it must reach the SQL as the lookup received it (an
`iexact` or `Upper()` comparison, a raw tsquery; not `icontains`, which wraps it: the compile
then fails with `FrozenValueError`, "never uses"). The string placeholder is unchanged by
`strip()` and `upper()`, so a builder may normalise the value as its queryset always did, when
the caller passes it normalised the same way. An integer placeholder lies in 30,000-32,766, so
that no integer field's range check drops the filter at compile time: a constant integer in
the builder's SQL must not be one of those.

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
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    Aggregate,
    DateTimeField,
    Field,
    ForeignObjectRel,
    JSONField,
    Model,
    QuerySet,
    UUIDField,
)
from django.db.models.expressions import Col, RawSQL
from django.db.models.query import ModelIterable, ValuesIterable
from django.db.models.sql.constants import INNER, LOUTER
from django.db.models.sql.datastructures import Join
from django.db.models.sql.query import Query
from django.db.models.sql.where import ExtraWhere, WhereNode

_UUID = UUIDField()
_DATETIME = DateTimeField()
_M = TypeVar("_M", bound=Model)
# Integer placeholders: inside every integer field's range (a smallint's included), so that the
# lookup keeps its filter, and above what the lists' validated integers reach.
_INT_PLACEHOLDERS = range(30_000, 32_767)
_COMPILED_LISTS = 256  # compiled SQL kept per list (distinct sets of filters)
_Converters = tuple[tuple[int, Any, tuple[Any, ...]], ...]  # (column, expression, converters)


class FrozenValueError(ValueError):
    """A compiled query would freeze a value that must change from call to call."""


@dataclass(frozen=True)
class _Instances:
    """How the ORM itself builds a model queryset's instances from its rows (`ModelIterable`):
    the database alias, the attnames of the model's columns and where they lie in the row,
    each annotation's column, and every column's converters."""

    alias: str
    init_names: tuple[str, ...]
    start: int
    end: int
    annotations: tuple[tuple[str, int], ...]
    converters: _Converters


@dataclass(frozen=True)
class CompiledQuery(Generic[_M]):
    """A queryset's model and SQL; `slots` names the id bound at each parameter position.
    `instances` (a plain model queryset, no `select_related`): its rows are turned into
    instances as the ORM does it; without it (a `values()` queryset) `Model.objects.raw()`."""

    model: type[_M]
    sql: str
    params: tuple[Any, ...]
    slots: tuple[str | None, ...]
    converted: tuple[tuple[str, Any, tuple[Any, ...]], ...]  # (annotation, expression, converters)
    instances: _Instances | None = None

    def _params(self, ids: dict[str, Any]) -> list[Any]:
        return _bind(self.slots, self.params, ids)

    def params_for(self, **ids: Any) -> list[Any]:
        """The SQL's parameters with these ids (for a caller running `sql` itself, inside a
        statement of its own)."""
        return self._params(ids)

    def rows(self, **ids: Any) -> Iterator[_M]:
        """The model instances of the query with these ids, annotations converted."""
        if self.instances is not None:
            yield from self._instances(self.instances, self._params(ids))
            return
        found = self.model._default_manager.raw(self.sql, self._params(ids))
        with prepared_statements(connection):
            fetched = list(found)  # the query runs here, on a statement-preparing cursor
        for row in fetched:
            for name, expression, converters in self.converted:
                value = getattr(row, name)
                if value is not None:
                    for converter in converters:
                        value = converter(value, expression, connection)
                    setattr(row, name, value)
            yield row

    def _instances(self, shape: _Instances, params: list[Any]) -> Iterator[_M]:
        # What a RawQuerySet works out on every call (the columns of the cursor, the fields
        # they name, their converters) is known from the compiler: ~0.1 ms less a read.
        db = connections[shape.alias]
        with prepared_statements(db), db.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        for row in _converted(fetched, shape.converters, db):
            instance = self.model.from_db(
                shape.alias, list(shape.init_names), row[shape.start : shape.end]
            )
            for name, index in shape.annotations:
                setattr(instance, name, row[index])
            yield instance

    def all(self, **ids: Any) -> list[_M]:
        return list(self.rows(**ids))

    def first(self, **ids: Any) -> _M | None:
        return next(self.rows(**ids), None)


def _keyword_parameters(build: Callable[..., Any]) -> dict[str, str]:
    """The builder's bound values (keyword-only parameters) and the kind of each: "time",
    "str", "int" or "id" (a UUID)."""
    kinds = {}
    for parameter in inspect.signature(build).parameters.values():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        # Annotations are strings here (`from __future__ import annotations`): "datetime",
        # "dt.datetime", "datetime.datetime", "str | None".
        annotation = str(parameter.annotation).split("|")[0].strip()
        if annotation.rsplit(".", 1)[-1] == "datetime" or annotation is datetime.datetime:
            kinds[parameter.name] = "time"
        elif annotation in ("str", "int"):
            kinds[parameter.name] = annotation
        else:
            kinds[parameter.name] = "id"
    return kinds


def _compile(
    build: Callable[..., QuerySet[Any, Any]],
    constants: tuple[Any, ...],
    present: tuple[str, ...] | None = None,
) -> tuple[QuerySet[Any, Any], Any, str, tuple[Any, ...], tuple[str | None, ...]]:
    """Run the builder with placeholders; its queryset, compiler, SQL, parameters and slots.
    `present`: the bound values given (the others are passed as None); all of them when None."""
    kinds = _keyword_parameters(build)
    names = tuple(kinds) if present is None else present
    placeholders = _placeholders({name: kinds[name] for name in names})
    queryset = build(*constants, **{name: placeholders.get(name) for name in kinds})
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    slots = _slots(build, params, placeholders, kinds)
    return queryset, compiler, sql, tuple(params), slots


def _placeholders(kinds: dict[str, str]) -> dict[str, Any]:
    """A value no real call passes, distinct per bound value."""
    start = _INT_PLACEHOLDERS.start + uuid.uuid4().int % (len(_INT_PLACEHOLDERS) - len(kinds))
    integers = iter(range(start, start + len(kinds)))
    made = {
        "time": _placeholder_time,
        "str": lambda: f"\ue000{uuid.uuid4().hex.upper()}",  # unchanged by strip() and upper()
        "int": lambda: next(integers),
        "id": uuid.uuid4,
    }
    return {name: made[kind]() for name, kind in kinds.items()}


def _slots(
    build: Callable[..., Any], params: Any, placeholders: dict[str, Any], kinds: dict[str, str]
) -> tuple[str | None, ...]:
    """The bound value's name at each parameter position (None: a constant, kept)."""
    by_value = {
        _placeholder_key(_to_db(value, kinds[name])): name for name, value in placeholders.items()
    }
    slots = tuple(by_value.get(_placeholder_key(param)) for param in params)
    unused = set(placeholders) - set(slots)
    if unused:
        raise FrozenValueError(f"{build.__name__} never uses the ids {sorted(unused)}.")
    frozen = [p for p in params if _looks_like_now(p)]
    if frozen:
        raise FrozenValueError(
            f"{build.__name__} would freeze {frozen!r} into its cached SQL: compute times "
            "in SQL (Now()) or pass them as datetime parameters, not frozen."
        )
    return slots


def _placeholder_key(value: Any) -> Any:
    """What a placeholder is recognised by among the SQL parameters: an integer also when the
    backend wrapped it (psycopg's Int2, Int4...; a bool is no integer)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (int, int(value))
    if isinstance(value, uuid.UUID | str | datetime.datetime):
        return (type(value), value)
    return None


def compiled_once(build: Callable[..., QuerySet[_M, Any]]) -> Callable[..., CompiledQuery[_M]]:
    """Decorate a queryset builder: it runs and compiles once per distinct positional
    arguments; its keyword-only arguments are the ids bound per call (see the module)."""

    @functools.cache
    @functools.wraps(build)
    def compiled(*constants: Any) -> CompiledQuery[_M]:
        queryset, compiler, sql, params, slots = _compile(build, constants)
        converted = tuple(
            (name, expression, tuple(converters))
            for name, expression in queryset.query.annotation_select.items()
            if (converters := _converters(expression))
        )
        instances = _instances_shape(queryset, compiler)
        return CompiledQuery(queryset.model, sql, params, slots, converted, instances)

    return compiled


def _instances_shape(queryset: QuerySet[Any, Any], compiler: Any) -> _Instances | None:
    """`ModelIterable`'s reading of a compiled model queryset: the model's columns (deferred
    ones left out), the annotations' and every column's converters. None for anything but a
    plain model queryset (values(), select_related): those go through `raw()`."""
    klass_info = compiler.klass_info
    if (
        queryset._iterable_class is not ModelIterable
        or not klass_info
        or klass_info.get("related_klass_infos")
        or compiler.query.extra_select
    ):
        return None
    select = compiler.select[: compiler.col_count]
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    converters = tuple(
        (index, expression, tuple(found))
        for index, (found, expression) in compiler.get_converters(
            [column[0] for column in select]
        ).items()
    )
    return _Instances(
        alias=queryset.db,
        init_names=tuple(column[0].target.attname for column in select[start:end]),
        start=start,
        end=end,
        annotations=tuple(compiler.annotation_col_map.items()),
        converters=converters,
    )


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
        return [
            dict(zip(self.names, row, strict=True))
            for row in self.tuples(limit=limit, offset=offset, **ids)
        ]

    def params_for(self, **ids: Any) -> list[Any]:
        """The SQL's parameters with these ids (for a caller running `sql` itself, inside a
        statement of its own)."""
        return _bind(self.slots, self.params, ids)

    def tuples(
        self, *, limit: int | None = None, offset: int = 0, **ids: Any
    ) -> list[Sequence[Any]]:
        """`rows()` as sequences of the values in `names` order (no dict per row)."""
        sql = self.sql
        if limit is not None:
            sql = f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}"
        with prepared_statements(connection), connection.cursor() as cursor:
            cursor.execute(sql, _bind(self.slots, self.params, ids))
            fetched = cursor.fetchall()
        return _converted(fetched, self.converters, connection)


def _values_shape(
    build: Callable[..., Any], queryset: QuerySet[Any, Any], compiler: Any
) -> tuple[tuple[str, ...], _Converters]:
    """The column names of an unsliced `values()` queryset and each column's converters, as
    the queryset itself would apply them; ValueError for any other queryset."""
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
    return names, converters


def _converted(fetched: list[Any], converters: _Converters, db: Any) -> list[Any]:
    """Fetched rows with every column converted as the queryset would (the rows themselves
    when nothing converts)."""
    if not converters:
        return fetched
    out = []
    for row in fetched:
        values = list(row)
        for index, expression, found in converters:
            value = values[index]
            for converter in found:
                value = converter(value, expression, db)
            values[index] = value
        out.append(values)
    return out


def _value_rows(
    fetched: list[Any], names: tuple[str, ...], converters: _Converters, db: Any
) -> list[dict[str, Any]]:
    """Fetched rows as the queryset's dicts, every column converted."""
    return [dict(zip(names, row, strict=True)) for row in _converted(fetched, converters, db)]


def compiled_values_once(
    build: Callable[..., QuerySet[Any, Any]],
) -> Callable[..., CompiledValues]:
    """`compiled_once` for a `values()` queryset (value rows rather than model instances),
    left unsliced: `CompiledValues.rows(limit=, offset=)` pages it."""

    @functools.cache
    @functools.wraps(build)
    def compiled(*constants: Any) -> CompiledValues:
        queryset, compiler, sql, params, slots = _compile(build, constants)
        names, converters = _values_shape(build, queryset, compiler)
        return CompiledValues(sql, params, slots, names, converters)

    return compiled


@dataclass(frozen=True)
class CompiledList:
    """A list's SQL for one set of present filters: its page (a `values()` queryset's SQL,
    unsliced) and its capped count (`count_queryset`), with the slots of the bound values."""

    alias: str
    sql: str
    params: tuple[Any, ...]
    slots: tuple[str | None, ...]
    count_sql: str
    count_params: tuple[Any, ...]
    count_slots: tuple[str | None, ...]
    kinds: dict[str, str]
    names: tuple[str, ...]
    converters: tuple[tuple[int, Any, tuple[Any, ...]], ...]  # (column, expression, converters)


@dataclass(frozen=True)
class BoundList:
    """A `CompiledList` with the values of one call: what `paginate` pages and counts."""

    compiled: CompiledList
    values: dict[str, Any]

    def rows(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """`limit` rows from `offset`, as the queryset's dicts, every column converted."""
        compiled = self.compiled
        db = connections[compiled.alias]
        sql = f"{compiled.sql} LIMIT {int(limit)}"  # the ORM's SQL for the slice
        if offset:
            sql = f"{sql} OFFSET {int(offset)}"
        with db.cursor() as cursor:
            cursor.execute(sql, _bind(compiled.slots, compiled.params, self.values, compiled.kinds))
            fetched = cursor.fetchall()
        return _value_rows(fetched, compiled.names, compiled.converters, db)

    def count(self, cap: int) -> int:
        """The number of rows, counted up to `cap` (`cap` when there are more)."""
        compiled = self.compiled
        # compiled SQL and an integer; the ORM's own text for a sliced count
        sql = f"SELECT COUNT(*) FROM ({compiled.count_sql} LIMIT {int(cap)}) subquery"  # noqa: S608
        counted = {name: self.values[name] for name in compiled.count_slots if name}
        params = _bind(compiled.count_slots, compiled.count_params, counted, compiled.kinds)
        with connections[compiled.alias].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return int(row[0]) if row else 0


def compiled_list(build: Callable[..., QuerySet[Any, Any]]) -> Callable[..., BoundList]:
    """Decorate the builder of a list (an unsliced `values()` queryset, ordered): called with
    its constants (positional) and values (keyword-only; None leaves a filter out), it returns
    the list bound to those values, compiled once per constants and set of present values (the
    most recent `_COMPILED_LISTS` sets kept). See the module."""
    kinds = _keyword_parameters(build)

    @functools.lru_cache(maxsize=_COMPILED_LISTS)
    def compiled(constants: tuple[Any, ...], present: tuple[str, ...]) -> CompiledList:
        queryset, compiler, sql, params, slots = _compile(build, constants, present)
        names, converters = _values_shape(build, queryset, compiler)
        counted = count_queryset(queryset)
        count_sql, count_params = counted.query.get_compiler(using=queryset.db).as_sql()
        # the count's own placeholders are the page's: the same builder call
        by_value = {
            _placeholder_key(param): slot for slot, param in zip(slots, params, strict=True) if slot
        }
        count_slots = tuple(by_value.get(_placeholder_key(param)) for param in count_params)
        return CompiledList(
            alias=queryset.db,
            sql=sql,
            params=params,
            slots=slots,
            count_sql=count_sql,
            count_params=tuple(count_params),
            count_slots=count_slots,
            kinds={name: kinds[name] for name in present},
            names=names,
            converters=converters,
        )

    @functools.wraps(build)
    def bound(*constants: Any, **values: Any) -> BoundList:
        present = {name: value for name, value in values.items() if value is not None}
        return BoundList(compiled(constants, tuple(sorted(present))), present)

    bound.cache_info = compiled.cache_info  # type: ignore[attr-defined]
    bound.cache_clear = compiled.cache_clear  # type: ignore[attr-defined]
    return bound


@contextmanager
def prepared_statements(db: Any) -> Iterator[None]:
    """Cursors opened inside bind their parameters on the server, so PostgreSQL keeps the
    statement prepared on the connection once psycopg has seen it `prepare_threshold` times
    (`DB_PREPARED_STATEMENTS`, mwork/settings.py) and runs it again without planning it.

    Used by `compiled_once` and `compiled_values_once`: their text is the same on every call,
    only ids and times change, which do not change the best plan, and on these hot reads
    planning costs more than running (the profile detail's read is planned in 0.78 ms and runs
    in 0.24 ms; docs/PERFORMANCE.md, "Compiled reads kept prepared"). Not by `compiled_list`:
    a filter's value does change the plan (a rare city against a common one), and the generic
    plan a prepared statement settles on measured slower on the catalogue. Django's own cursors
    bind on the client (psycopg's ClientCursor, which never prepares), so nothing else is
    prepared. A no-op on SQLite, when the setting is off (behind a pooler in transaction
    mode, which cannot keep a statement on a connection) and while queries are recorded (DEBUG,
    tests' query counts, the bench's SQL replay): a statement bound on the server is recorded
    with `$1` placeholders, which could not be run again.
    """
    if db.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS or db.queries_logged:
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    db.ensure_connection()
    raw = db.connection
    client_binding = raw.cursor_factory
    raw.cursor_factory = ServerBindingCursor
    try:
        yield
    finally:
        raw.cursor_factory = client_binding


def _bind(
    slots: tuple[str | None, ...],
    params: tuple[Any, ...],
    ids: dict[str, Any],
    kinds: dict[str, str] | None = None,
) -> list[Any]:
    if set(ids) != {slot for slot in slots if slot is not None}:
        raise TypeError(f"Expected the ids {sorted(filter(None, set(slots)))}.")
    kinds = kinds or {}
    return [
        param if slot is None else _bound(param, ids[slot], kinds.get(slot))
        for slot, param in zip(slots, params, strict=True)
    ]


def _bound(placeholder: Any, value: Any, kind: str | None) -> Any:
    """The value in the placeholder's place: an integer wrapped as the backend wrapped the
    placeholder (psycopg's Int2 for a smallint column), so the SQL is the ORM's."""
    if kind == "int" and type(placeholder) is not int:
        return type(placeholder)(value)
    return _to_db(value, kind)


def _looks_like_now(value: Any) -> bool:
    """A date or time within a day of the clock: computed at build time, not a constant.
    SQLite binds dates and times as ISO text (times in UTC), so text is read as one too."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            return False
        return _looks_like_now(parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC))
    if isinstance(value, datetime.datetime):
        now = datetime.datetime.now(tz=value.tzinfo)
        return abs(value - now) < datetime.timedelta(days=1)
    if isinstance(value, datetime.date):
        today = datetime.datetime.now(tz=datetime.UTC).date()
        return abs(value - today) <= datetime.timedelta(days=1)
    return False


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}|$)")


def _converters(expression: Any) -> list[Any]:
    """What a queryset applies to an annotation's raw value on this backend."""
    converters = connection.ops.get_db_converters(expression)
    return converters + expression.get_db_converters(connection)


def _to_db(value: Any, kind: str | None = None) -> Any:
    """A bound value as the backend's SQL parameter: a string or an integer as it is, a time as
    a time, anything else (an id, as a UUID or its text) as a UUID."""
    if kind in ("str", "int"):
        return value
    if isinstance(value, datetime.datetime):
        return _DATETIME.get_db_prep_value(value, connection)
    return _UUID.get_db_prep_value(value, connection)


def _placeholder_time() -> datetime.datetime:
    """A time no real call passes (1900), distinct per placeholder."""
    return datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        microseconds=uuid.uuid4().int % 10**12
    )


# ---------------------------------------------------------------------------------------------
# Counting a list
# ---------------------------------------------------------------------------------------------
def count_queryset(queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` as bare keys, for counting: no ordering, no annotations, and no
    join that only the SELECT needed (a card's joins to the owner and its profile), so the
    count reads the filtered table alone, by an index-only scan where one fits.

    A join is left out only when it cannot change the number of rows: a LEFT JOIN to at most
    one row, or an INNER JOIN along a non-null foreign key. Anything the WHERE clause reads
    (and the joins leading to it) stays; raw SQL keeps every alias it names. DISTINCT,
    GROUP BY and combined queries are counted as they are.
    """
    counted = queryset.order_by().values("pk")
    query = counted.query
    if query.distinct or query.group_by is not None or query.combinator:
        return counted
    needed: set[str] = set()
    raw: list[str] = []
    _collect_aliases(query.where, needed, raw)
    for alias in query.alias_map:
        if any(f'"{alias}".' in sql or f"{alias}." in sql for sql in raw):
            needed.add(alias)
    stack = list(needed)
    while stack:  # a join's parents stay with it
        parent = getattr(query.alias_map.get(stack.pop()), "parent_alias", None)
        if parent is not None and parent not in needed:
            needed.add(parent)
            stack.append(parent)
    droppable = {
        alias: join
        for alias, join in query.alias_map.items()
        if alias not in needed and query.alias_refcount[alias] and isinstance(join, Join)
    }
    if not all(_keeps_row_count(join) for join in droppable.values()):
        return counted
    for alias in droppable:
        query.alias_refcount[alias] = 0  # the compiler leaves unreferenced joins out
    return counted


def _keeps_row_count(join: Join) -> bool:
    field = join.join_field
    if join.filtered_relation is not None:
        return False
    if isinstance(field, Field):
        forward, single = True, bool(field.many_to_one or field.one_to_one)
    elif isinstance(field, ForeignObjectRel):  # a reverse relation
        forward, single = False, field.one_to_one
    else:  # no other kind of join field in Django: kept, to be safe
        return False
    if join.join_type == LOUTER:
        return single
    return (
        join.join_type == INNER
        and forward
        and single
        and not join.nullable
        and (getattr(field, "db_constraint", True))
    )


def _collect_aliases(node: Any, aliases: set[str], raw: list[str]) -> None:
    """Table aliases an expression tree reads (subqueries included: their own aliases are
    prefixed, so only references to the outer query can match); raw SQL goes to `raw`."""
    if node is None:
        return
    if isinstance(node, Col):
        aliases.add(node.alias)
    elif isinstance(node, RawSQL | ExtraWhere):
        raw.append(node.sql if isinstance(node, RawSQL) else " ".join(node.sqls))
    elif isinstance(node, Query):
        for part in (node.where, *node.select, *node.annotations.values()):
            _collect_aliases(part, aliases, raw)
    elif isinstance(node, WhereNode):
        for child in node.children:
            _collect_aliases(child, aliases, raw)
    else:
        query = getattr(node, "query", None)
        if isinstance(query, Query):
            _collect_aliases(query, aliases, raw)
        for child in getattr(node, "get_source_expressions", list)():
            _collect_aliases(child, aliases, raw)


# ---------------------------------------------------------------------------------------------
# JSON built by the database
# ---------------------------------------------------------------------------------------------
class JSONArrayAgg(Aggregate):
    """The group's values as one JSON array (a list once the row is read), in no particular
    order: `JSONB_AGG` on PostgreSQL, `JSON_GROUP_ARRAY` on SQLite (whose aggregates take no
    ORDER BY before 3.44). Over `JSONObject`s it brings a few related rows back inside one
    column, e.g. a room's members with each row of the rooms list (chat/selectors.py)."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def json_time(text: str) -> datetime.datetime:
    """A time the database wrote into JSON, as an aware datetime: PostgreSQL writes
    `2026-12-07T04:49:20.123456+00:00`, SQLite its stored UTC text without an offset."""
    value = datetime.datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def json_uuid(text: str) -> str:
    """A UUID the database wrote into JSON, as `str(UUID)`: PostgreSQL writes that form,
    SQLite its stored 32 hex digits."""
    return text if len(text) == 36 else str(uuid.UUID(text))


def insert_select_sql(
    model: type[Model], fields: Sequence[Field[Any, Any]], *, using: str = DEFAULT_DB_ALIAS
) -> str:
    """`INSERT INTO <table> (<columns of fields>) SELECT %s::<type>, ...`: an insert of one row
    whose values are bound in `fields`' order, each cast to its column's type (a bare
    parameter in a SELECT list would be text). The caller appends the FROM or WHERE that
    makes it conditional, e.g. on a data-modifying CTE (`insert_select`; chat/store.py's
    checked insert). PostgreSQL only."""
    db = connections[using]
    quote = db.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)  # concrete: a column
    # A length in the type would truncate where an insert refuses: the column checks it.
    casts = ", ".join(
        "%s::" + re.sub(r"\(\d+\)$", "", field.db_type(db) or "text") for field in fields
    )
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT {casts}"


def insert_select(obj: Model, *, using: str = DEFAULT_DB_ALIAS) -> tuple[str, list[Any]]:
    """`insert_select_sql` of every column of a new `obj`, and its parameters: the values
    `obj.save()` would write (defaults, `pre_save`, `get_db_prep_save`). The caller marks `obj`
    saved (`mark_inserted`) once the statement inserted it
    (`billing.entitlements.insert_counting_response`)."""
    db = connections[using]
    fields = obj._meta.local_concrete_fields
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection=db) for field in fields
    ]
    return _every_column_insert_sql(type(obj), using), params


@functools.cache
def _every_column_insert_sql(model: type[Model], using: str) -> str:
    """`insert_select_sql` of every concrete column of `model`, worked out once."""
    return insert_select_sql(model, model._meta.local_concrete_fields, using=using)


def mark_inserted(obj: Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """What `Model.save()` records on an instance it inserted."""
    obj._state.adding = False
    obj._state.db = using
