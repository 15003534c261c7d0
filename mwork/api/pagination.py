"""The one list shape of the contract (docs/API.md §3).

`{"<items>": [...], "pagination": {"total", "limit", "offset", "has_more"}}`.

`total` is exact up to `PAGINATION_COUNT_CAP` matching rows (1,000 by default). Past the cap
the count stops there: `total` is then a lower bound (at least the cap, and never less than
the rows already paged through), while `has_more` stays exact because the page query fetches
one row more than it returns. At national scale a full COUNT over a popular filter (e.g. all
models in Almaty) costs 30-90 ms, far more than the page itself; the capped count costs what
its first `cap` rows cost (docs/PERFORMANCE.md, "Pagination totals").

A public list (the same rows for every caller with the same filters) may keep its capped count
in the default cache for `PAGINATION_COUNT_CACHE_SECONDS` (`paginate(count_key=...)`,
`count_cache_key`): its `total` may then be that many seconds old, never below what the page
itself shows, while `has_more` stays exact and a page that is not full still has its exact
total (docs/API.md §3). A cache that fails is a cache miss: the list is counted.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
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
_COUNT_CACHE_PREFIX = "pagination-count:v1"

logger = logging.getLogger(__name__)


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
    count_key: str | None = None,
) -> dict[str, Any]:
    """Count (capped), slice and serialize a queryset into the contract's list body (two
    queries: the count stops at `count_cap` (PAGINATION_COUNT_CAP by default) + 1 rows, the
    page fetches limit + 1), or one with `counted_in` (`_paginate_counted_in`). A first page
    that is not full is its own count: one query. When `queryset` has no rows at all,
    `fallback` (if given) is counted and paged instead: one query more, only then (the
    catalogue's similar names when no name prefix-matches a search).

    `count_key` (`count_cache_key`, public lists only: the same rows for every caller with the
    same key) keeps the count in the cache for PAGINATION_COUNT_CACHE_SECONDS: a page whose
    count is cached is one query. A cached total is never less than the rows the page shows
    (offset + rows, + 1 when `has_more`); a page that ends the list has its exact total; a
    cached count the page contradicts (an empty page before the counted end) is counted
    afresh; an offset at or past a cached total within the cap is an empty page without a
    query, as past a fresh count."""
    page = Page.from_request(request, default_limit=default_limit, max_limit=max_limit)
    if counted_in is not None:
        return _paginate_counted_in(page, queryset, key, counted_in, serialize, page_rows)
    cap = count_cap if count_cap is not None else settings.PAGINATION_COUNT_CAP
    cached = None
    if count_key is not None and settings.PAGINATION_COUNT_CACHE_SECONDS > 0:
        cached = f"{_COUNT_CACHE_PREFIX}:{count_key}:{cap}"
    if page.offset == 0:
        rows = list(queryset[: page.limit + 1])
        fell_back = False
        if not rows and fallback is not None:
            queryset, fallback, fell_back = fallback, None, True
            rows = list(queryset[: page.limit + 1])
        if len(rows) <= page.limit:  # the whole list is on this page
            return page.body(key, serialize(rows), len(rows), has_more=False)
        hit = _cached_count(cached)
        if hit is not None and hit[1] == fell_back:
            counted = hit[0]
        else:
            counted = count_queryset(queryset)[: cap + 1].count()
            _cache_count(cached, counted, fell_back)
        total = _total(counted, cap, seen=page.limit + 1)
        return page.body(key, serialize(rows[: page.limit]), total, has_more=True)
    hit = _cached_count(cached)
    if hit is not None and (fallback is not None or not hit[1]):
        counted, fell_back = hit
        if counted <= cap and page.offset >= counted:  # past the (cached) end, as below
            return page.body(key, serialize([]), counted)
        listed = fallback if fell_back and fallback is not None else queryset
        rows = list(listed[page.offset : page.offset + page.limit + 1])
        if rows:  # else the count is stale (an empty page before its end): counted afresh
            return _later_page(page, key, serialize, rows, counted, cap)
    counted = count_queryset(queryset)[: cap + 1].count()
    fell_back = False
    if counted == 0 and fallback is not None:
        queryset, fell_back = fallback, True
        counted = count_queryset(queryset)[: cap + 1].count()
    _cache_count(cached, counted, fell_back)
    if counted <= cap and page.offset >= counted:
        return page.body(key, serialize([]), counted)
    rows = list(queryset[page.offset : page.offset + page.limit + 1])
    return _later_page(page, key, serialize, rows, counted, cap)


def _later_page(
    page: Page,
    key: str,
    serialize: Callable[[Iterable[Any]], list[Any]],
    rows: list[Any],
    counted: int,
    cap: int,
) -> dict[str, Any]:
    """The body of a page past the first from its rows (limit + 1 fetched) and the capped
    count. A page that ends the list has the exact total, offset + rows."""
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    if not rows:  # past the end
        total = counted if counted <= cap else max(cap, page.offset)
    elif not has_more:
        total = page.offset + len(rows)
    else:
        total = _total(counted, cap, seen=page.offset + len(rows) + 1)
    return page.body(key, serialize(rows), total, has_more=has_more)


def _total(counted: int, cap: int, *, seen: int) -> int:
    """The total from a count capped at `cap` (`cap` + 1 meaning "more"), never less than the
    `seen` rows the page proves exist (offset + rows + 1 when there are more)."""
    return max(counted if counted <= cap else cap, seen)


def count_cache_key(
    list_name: str, filters: Any, *, scope: Any = None, leave_out: Iterable[str] = ("ordering",)
) -> str:
    """The cache key of a public list's count (`paginate(count_key=)`): the list's name and
    its validated filters (a dataclass; `ordering` left out, as are limit and offset, which
    do not change the count), and `scope`, whatever else its rows depend on (the viewer
    whose blocks the catalogue leaves out). A digest: filters hold free text."""
    skipped = set(leave_out)
    items = sorted(
        (name, value)
        for name, value in vars(filters).items()
        if value is not None and name not in skipped
    )
    digest = hashlib.blake2b(repr((items, scope)).encode(), digest_size=16).hexdigest()
    return f"{list_name}:{digest}"


def _cached_count(cache_key: str | None) -> tuple[int, bool] | None:
    """(capped count, counted from the fallback) kept for the list, or None (a cache that
    fails is a miss)."""
    if cache_key is None:
        return None
    try:
        value = cache.get(cache_key)
    except Exception:  # any cache failure: count instead
        logger.warning("pagination count cache unavailable", exc_info=True)
        return None
    if isinstance(value, list | tuple) and len(value) == 2 and isinstance(value[0], int):
        return value[0], bool(value[1])
    return None


def _cache_count(cache_key: str | None, counted: int, fell_back: bool) -> None:
    if cache_key is None:
        return
    try:
        cache.set(cache_key, (counted, fell_back), timeout=settings.PAGINATION_COUNT_CACHE_SECONDS)
    except Exception:  # the count is answered anyway
        logger.warning("pagination count cache unavailable", exc_info=True)


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
