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
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mwork.api.exceptions import ValidationFailed
from mwork.db import BoundList, count_queryset

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
    queryset: QuerySet | BoundList | None,
    *,
    key: str,
    serialize: Callable[[Iterable[Any]], list[Any]],
    default_limit: int = DEFAULT_LIMIT,
    max_limit: int = MAX_LIMIT,
    count_cap: int | None = None,
    fallback: QuerySet | BoundList | None = None,
    counted_in: str | None = None,
    page_rows: Callable[[int, int], list[Any]] | None = None,
    count_key: str | None = None,
) -> dict[str, Any]:
    """Count (capped), slice and serialize a queryset into the contract's list body (two
    queries: the count stops at `count_cap` (PAGINATION_COUNT_CAP by default) + 1 rows, the
    page fetches limit + 1), or one with `counted_in` and `page_rows` (`_paginate_counted_in`;
    `queryset` is then None). A first page
    that is not full is its own count: one query. When `queryset` has no rows at all,
    `fallback` (if given) is counted and paged instead: one query more, only then (the
    catalogue's similar names when no name prefix-matches a search). Either may be a list
    compiled once per set of filters (`mwork.db.compiled_list`) instead of a queryset.

    `count_key` (`count_cache_key`, public lists only: the same rows for every caller with the
    same key) keeps the count in the cache for PAGINATION_COUNT_CACHE_SECONDS: a page whose
    count is cached is one query. A cached total is never less than the rows the page shows
    (offset + rows, + 1 when `has_more`); a page that ends the list has its exact total; a
    cached count the page contradicts (an empty page before the counted end) is counted
    afresh; an offset at or past a cached total within the cap is an empty page without a
    query, as past a fresh count."""
    page = Page.from_request(request, default_limit=default_limit, max_limit=max_limit)
    if counted_in is not None:
        if page_rows is None:
            raise TypeError("counted_in pages the rows page_rows fetches.")
        return _paginate_counted_in(page, key, counted_in, serialize, page_rows)
    if queryset is None:
        raise TypeError("paginate lists a queryset or a compiled list.")
    cap = count_cap if count_cap is not None else settings.PAGINATION_COUNT_CAP
    cached = None
    if count_key is not None and settings.PAGINATION_COUNT_CACHE_SECONDS > 0:
        cached = f"{_COUNT_CACHE_PREFIX}:{count_key}:{cap}"
    if page.offset == 0:
        rows = _rows(queryset, 0, page.limit + 1)
        fell_back = False
        if not rows and fallback is not None:
            queryset, fallback, fell_back = fallback, None, True
            rows = _rows(queryset, 0, page.limit + 1)
        if len(rows) <= page.limit:  # the whole list is on this page
            return page.body(key, serialize(rows), len(rows), has_more=False)
        hit = _cached_count(cached)
        if hit is not None and hit[1] == fell_back:
            counted = hit[0]
        else:
            counted = _count(queryset, cap + 1)
            _cache_count(cached, counted, fell_back)
        total = _total(counted, cap, seen=page.limit + 1)
        return page.body(key, serialize(rows[: page.limit]), total, has_more=True)
    hit = _cached_count(cached)
    if hit is not None and (fallback is not None or not hit[1]):
        counted, fell_back = hit
        if counted <= cap and page.offset >= counted:  # past the (cached) end, as below
            return page.body(key, serialize([]), counted)
        listed = fallback if fell_back and fallback is not None else queryset
        rows = _rows(listed, page.offset, page.limit + 1)
        if rows:  # else the count is stale (an empty page before its end): counted afresh
            return _later_page(page, key, serialize, rows, counted, cap)
    counted = _count(queryset, cap + 1)
    fell_back = False
    if counted == 0 and fallback is not None:
        queryset, fell_back = fallback, True
        counted = _count(queryset, cap + 1)
    _cache_count(cached, counted, fell_back)
    if counted <= cap and page.offset >= counted:
        return page.body(key, serialize([]), counted)
    rows = _rows(queryset, page.offset, page.limit + 1)
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


def _rows(listed: QuerySet | BoundList, offset: int, limit: int) -> list[Any]:
    if isinstance(listed, BoundList):
        return listed.rows(offset, limit)
    return list(listed[offset : offset + limit])


def _count(listed: QuerySet | BoundList, cap: int) -> int:
    """The rows of the list, counted up to `cap`."""
    if isinstance(listed, BoundList):
        return listed.count(cap)
    return count_queryset(listed)[:cap].count()


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
    key: str,
    counted_in: str,
    serialize: Callable[[Iterable[Any]], list[Any]],
    page_rows: Callable[[int, int], list[Any]],
) -> dict[str, Any]:
    """One query: the page's value rows (`page_rows(offset, limit)`, a compiled query's rows,
    `mwork.db.compiled_values_once`) carry the whole list's row count in the annotation
    `counted_in` (a window `COUNT(*) OVER ()`, for lists whose page query reads every row
    anyway, e.g. to sort them). Only a page past the end, which has no row to carry it, takes
    it from a query of its own: the first row's. The total is exact."""

    def counted() -> int:
        first = page_rows(0, 1)  # the first row carries the total (`page_rows` may check access)
        return first[0][counted_in] if first else 0

    if page.offset + page.limit >= _SQL_BIGINT_MAX:  # no such page; LIMIT/OFFSET are bigint
        return page.body(key, serialize([]), counted(), has_more=False)
    rows = page_rows(page.offset, page.limit + 1)
    if rows:
        total = rows[0][counted_in]
    elif page.offset == 0:
        total = 0
    else:
        total = counted()
    has_more = len(rows) > page.limit
    return page.body(key, serialize(rows[: page.limit]), total, has_more=has_more)
