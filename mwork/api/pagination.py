"""The one list shape of the contract (docs/API.md §3).

`{"<items>": [...], "pagination": {"total", "limit", "offset", "has_more"}}`.

`total` is exact up to `PAGINATION_COUNT_CAP` matching rows (1,000 by default). Past the cap
the count stops there: `total` is then a lower bound (at least the cap, and never less than
the rows already paged through), while `has_more` stays exact because the page query fetches
one row more than it returns. At national scale a full COUNT over a popular filter (e.g. all
models in Almaty) costs 30-90 ms, far more than the page itself; the capped count costs what
its first `cap` rows cost (docs/PERFORMANCE.md, "Pagination totals").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Field, ForeignObjectRel, QuerySet
from django.db.models.expressions import Col, RawSQL
from django.db.models.sql.constants import INNER, LOUTER
from django.db.models.sql.datastructures import Join
from django.db.models.sql.query import Query
from django.db.models.sql.where import ExtraWhere, WhereNode
from django.utils.translation import gettext_lazy as _

from mwork.api.exceptions import ValidationFailed

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_SQL_BIGINT_MAX = 2**63 - 1


def _int_param(params: Any, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed.for_field(name, _("Must be an integer.")) from None
    if value < 0:
        raise ValidationFailed.for_field(name, _("Must be zero or greater."), "min_value")
    return value


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    @classmethod
    def from_request(
        cls, request: Any, *, default_limit: int = DEFAULT_LIMIT, max_limit: int = MAX_LIMIT
    ) -> Page:
        """Parse `limit`/`offset`; a non-integer or negative value is a 400, above max clamps."""
        params = request.query_params
        limit = _int_param(params, "limit", default_limit)
        if limit == 0:
            raise ValidationFailed.for_field("limit", _("Must be at least 1."), "min_value")
        return cls(limit=min(limit, max_limit), offset=_int_param(params, "offset", 0))

    def slice(self, queryset: QuerySet | list) -> Any:
        return queryset[self.offset : self.offset + self.limit]

    def body(
        self, key: str, items: list[Any], total: int, *, has_more: bool | None = None
    ) -> dict[str, Any]:
        return {
            key: items,
            "pagination": {
                "total": total,
                "limit": self.limit,
                "offset": self.offset,
                "has_more": self.offset + len(items) < total if has_more is None else has_more,
            },
        }


def paginate(
    request: Any,
    queryset: QuerySet,
    *,
    key: str,
    serialize: Callable[[Iterable[Any]], list[Any]],
    default_limit: int = DEFAULT_LIMIT,
    max_limit: int = MAX_LIMIT,
    count_cap: int | None = None,
    fallback: QuerySet | None = None,
    counted_in: str | None = None,
    page_rows: Callable[[int, int], list[Any]] | None = None,
) -> dict[str, Any]:
    """Count (capped), slice and serialize a queryset into the contract's list body (two
    queries: the count stops at `count_cap` (PAGINATION_COUNT_CAP by default) + 1 rows, the
    page fetches limit + 1), or one with `counted_in` (`_paginate_counted_in`). A first page
    that is not full is its own count: one query. When `queryset` has no rows at all,
    `fallback` (if given) is counted and paged instead: one query more, only then (the
    catalogue's similar names when no name prefix-matches a search)."""
    page = Page.from_request(request, default_limit=default_limit, max_limit=max_limit)
    if counted_in is not None:
        return _paginate_counted_in(page, queryset, key, counted_in, serialize, page_rows)
    cap = count_cap if count_cap is not None else settings.PAGINATION_COUNT_CAP
    if page.offset == 0:
        rows = list(queryset[: page.limit + 1])
        if not rows and fallback is not None:
            queryset, fallback = fallback, None
            rows = list(queryset[: page.limit + 1])
        if len(rows) <= page.limit:  # the whole list is on this page
            return page.body(key, serialize(rows), len(rows), has_more=False)
        counted = count_queryset(queryset)[: cap + 1].count()
        total = counted if counted <= cap else max(cap, page.limit + 1)
        return page.body(key, serialize(rows[: page.limit]), total, has_more=True)
    counted = count_queryset(queryset)[: cap + 1].count()
    if counted == 0 and fallback is not None:
        queryset = fallback
        counted = count_queryset(queryset)[: cap + 1].count()
    if counted <= cap and page.offset >= counted:
        return page.body(key, serialize([]), counted)
    rows = list(queryset[page.offset : page.offset + page.limit + 1])
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    total = counted if counted <= cap else max(cap, page.offset + len(rows) + int(has_more))
    return page.body(key, serialize(rows), total, has_more=has_more)


def _paginate_counted_in(
    page: Page,
    queryset: QuerySet,
    key: str,
    counted_in: str,
    serialize: Callable[[Iterable[Any]], list[Any]],
    page_rows: Callable[[int, int], list[Any]] | None,
) -> dict[str, Any]:
    """One query: the page's value rows carry the whole list's row count in the annotation
    `counted_in` (a window `COUNT(*) OVER ()`, for lists whose page query reads every row
    anyway, e.g. to sort them). Only a page past the end, which has no row to carry it, is
    counted by a query of its own (`queryset`). The total is exact. `page_rows(offset, limit)`,
    when given, fetches the rows instead of slicing `queryset` (a compiled query,
    `mwork.db.compiled_values_once`)."""
    if page.offset + page.limit >= _SQL_BIGINT_MAX:  # no such page; LIMIT/OFFSET are bigint
        return page.body(key, serialize([]), count_queryset(queryset).count(), has_more=False)
    if page_rows is not None:
        rows = page_rows(page.offset, page.limit + 1)
    else:
        rows = list(queryset[page.offset : page.offset + page.limit + 1])
    if rows:
        total = rows[0][counted_in]
    elif page.offset == 0:
        total = 0
    else:
        total = count_queryset(queryset).count()
    has_more = len(rows) > page.limit
    return page.body(key, serialize(rows[: page.limit]), total, has_more=has_more)


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
