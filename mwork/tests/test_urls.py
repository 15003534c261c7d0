"""mwork/urls.py lists the apps' API routes busiest first, for speed: Django tries patterns in
order. That is safe only while no path matches routes of two apps (or an app's and one of
the top-level ones), so that the order decides nothing: every route, filled in, is matched
by its own app's patterns alone."""

from __future__ import annotations

import re
import uuid

from django.urls import Resolver404, URLPattern, URLResolver

from mwork.api.routes import url_routes
from mwork.urls import api_v1

SAMPLE_UUID = str(uuid.UUID(int=7))


def _filled(route: str) -> str:
    """A concrete path for a route: each converter replaced by a value it accepts."""
    path = re.sub(r"<uuid:\w+>", SAMPLE_UUID, route)
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<path:\w+>", "a/b", path)
    return re.sub(r"<(?:\w+:)?\w+>", "a", path)


def _matches(pattern: URLPattern | URLResolver, path: str) -> bool:
    try:
        return pattern.resolve(path) is not None
    except Resolver404:
        return False


def test_no_api_path_is_matched_by_two_apps():
    apps = [p for p in api_v1 if isinstance(p, URLResolver)]
    top = [p for p in api_v1 if isinstance(p, URLPattern)][:-1]  # the catch-all 404 aside
    assert len(apps) >= 10 and len(top) >= 2
    checked = 0
    for owner in [*apps, *top]:
        for route, _pattern in url_routes([owner]):
            if re.search(r"[\^$\\(\[*+?]", route):  # a regex route: no plain filling
                continue
            path = _filled(route)
            matched = [p for p in [*apps, *top] if _matches(p, path)]
            assert matched == [owner], f"{path}: {[str(p) for p in matched]}"
            checked += 1
    assert checked > 80
