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
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mwork.api.exceptions import ValidationFailed

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


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
) -> dict[str, Any]:
    """Count (capped), slice and serialize a queryset into the contract's list body (two
    queries: the count stops at PAGINATION_COUNT_CAP + 1 rows, the page fetches limit + 1)."""
    page = Page.from_request(request, default_limit=default_limit, max_limit=max_limit)
    cap = getattr(settings, "PAGINATION_COUNT_CAP", 1_000)
    # Only the key in the inner query: annotations (subqueries) are not evaluated per row.
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    if counted <= cap and page.offset >= counted:
        return page.body(key, serialize([]), counted)
    rows = list(queryset[page.offset : page.offset + page.limit + 1])
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    total = counted if counted <= cap else max(cap, page.offset + len(rows) + int(has_more))
    return page.body(key, serialize(rows), total, has_more=has_more)
