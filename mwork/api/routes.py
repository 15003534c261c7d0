"""The URL conf walked: every pattern with its whole route, and the view class behind one.

The body-size guard (mwork/api/bodylimit.py) finds every limit a view declares this way, and
the tests that must reach every route (mwork/tests/security, mwork/tests/test_urls.py) walk it
the same way, so that none of them skips a route another one sees."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def url_routes(
    patterns: Iterable[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """Every URL pattern below `patterns` (the root URL conf's when None) with its whole route
    (`api/v1/castings/<uuid:casting_id>`), in the order Django tries them."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_routes(entry.url_patterns, route)
        else:
            yield route, entry


def view_class(callback: Callable[..., Any]) -> type | None:
    """The class-based view (Django's or DRF's) behind a pattern's callback; None for a
    function view."""
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)
