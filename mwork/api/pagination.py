"""The one list shape of the contract (contract-notes §3).

`{"<items>": [...], "pagination": {"total", "limit", "offset", "has_more"}}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

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
        raise ValidationFailed.for_field(name, "Must be an integer.") from None
    if value < 0:
        raise ValidationFailed.for_field(name, "Must be zero or greater.")
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
            raise ValidationFailed.for_field("limit", "Must be at least 1.")
        return cls(limit=min(limit, max_limit), offset=_int_param(params, "offset", 0))

    def slice(self, queryset: QuerySet | list) -> Any:
        return queryset[self.offset : self.offset + self.limit]

    def body(self, key: str, items: list[Any], total: int) -> dict[str, Any]:
        return {
            key: items,
            "pagination": {
                "total": total,
                "limit": self.limit,
                "offset": self.offset,
                "has_more": self.offset + len(items) < total,
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
    """Count, slice and serialize a queryset into the contract's list body (two queries)."""
    page = Page.from_request(request, default_limit=default_limit, max_limit=max_limit)
    total = queryset.count()
    rows = list(page.slice(queryset)) if page.offset < total else []
    return page.body(key, serialize(rows), total)
