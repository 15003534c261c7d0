"""The public lists keep their capped count in the cache (`paginate(count_key=)`,
PAGINATION_COUNT_CACHE_SECONDS): the second page of the same filters is one query; totals
stay consistent with the page (docs/API.md §3); a failing cache counts instead."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.models import User
from accounts.tests.factories import BlockFactory, UserFactory
from castings.models import Casting
from castings.tests.factories import CastingFactory
from mwork.api.pagination import count_cache_key, paginate
from profiles.tests.factories import ModelProfileFactory

pytestmark = pytest.mark.django_db

CASTINGS = "/api/v1/castings"
MODELS = "/api/v1/profiles/models"


def _pagination(client, url: str, query: str) -> dict:
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200, response.content
    return response.json()["data"]["pagination"]


def _total(client, url: str, query: str) -> int:
    return _pagination(client, url, query)["total"]


def test_a_public_lists_count_is_served_from_the_cache(api_client, django_assert_num_queries):
    CastingFactory.create_batch(3)

    with django_assert_num_queries(2):  # the page (limit + 1) and the capped count
        assert _total(api_client, CASTINGS, "limit=2") == 3
    with django_assert_num_queries(1):  # the page; the count is the cached one
        assert _total(api_client, CASTINGS, "limit=2&offset=1") == 3
    # limit, offset and ordering do not change the count: the same cached one
    with django_assert_num_queries(1):
        assert _total(api_client, CASTINGS, "limit=1&ordering=-pay_max") == 3


def test_the_catalogue_and_its_search_are_cached_too(api_client, django_assert_num_queries):
    ModelProfileFactory.create_batch(3, name="Aigerim Omarova")

    for query in ("limit=2", "limit=2&search=aiger"):
        with django_assert_num_queries(2):
            assert _total(api_client, MODELS, query) == 3
        with django_assert_num_queries(1):
            assert _total(api_client, MODELS, f"{query}&offset=1") == 3


def test_ttl_zero_counts_every_time(api_client, settings, django_assert_num_queries):
    settings.PAGINATION_COUNT_CACHE_SECONDS = 0
    CastingFactory.create_batch(3)

    for _ in range(2):
        with django_assert_num_queries(2):
            assert _total(api_client, CASTINGS, "limit=2") == 3


def test_different_filters_have_different_counts(api_client):
    CastingFactory.create_batch(3, city="Almaty")
    CastingFactory.create_batch(4, city="Astana")

    assert _total(api_client, CASTINGS, "limit=2&city=Almaty") == 3
    assert _total(api_client, CASTINGS, "limit=2&city=Astana") == 4
    assert _total(api_client, CASTINGS, "limit=2") == 7
    assert _total(api_client, CASTINGS, "limit=2&status=completed") == 0


def test_a_cached_total_is_stale_but_never_below_what_the_page_shows(
    api_client, django_assert_num_queries
):
    CastingFactory.create_batch(3)
    assert _total(api_client, CASTINGS, "limit=2") == 3  # counted and cached
    CastingFactory.create_batch(4)  # 7 now

    # a full page with more after it: at least offset + rows + 1, here more than the cached 3
    assert _pagination(api_client, CASTINGS, "limit=2&offset=2") == {
        "total": 5,
        "limit": 2,
        "offset": 2,
        "has_more": True,
    }
    # within the cached total: the cached total, up to PAGINATION_COUNT_CACHE_SECONDS old
    assert _pagination(api_client, CASTINGS, "limit=1")["total"] == 3
    # an offset at or past the cached total: an empty page, no query (stale like the total)
    with django_assert_num_queries(0):
        assert _pagination(api_client, CASTINGS, "limit=2&offset=3") == {
            "total": 3,
            "limit": 2,
            "offset": 3,
            "has_more": False,
        }
    # a page that ends the list has the exact total
    assert _pagination(api_client, CASTINGS, "limit=5&offset=2") == {
        "total": 7,
        "limit": 5,
        "offset": 2,
        "has_more": False,
    }


def test_a_cached_total_the_page_contradicts_is_counted_again(
    api_client, django_assert_num_queries
):
    castings = CastingFactory.create_batch(6)
    assert _total(api_client, CASTINGS, "limit=2") == 6
    Casting.objects.filter(id__in=[c.id for c in castings[:4]]).delete()  # 2 left

    with django_assert_num_queries(2):  # an empty page before the cached end: counted
        assert _pagination(api_client, CASTINGS, "limit=2&offset=4") == {
            "total": 2,
            "limit": 2,
            "offset": 4,
            "has_more": False,
        }
    with django_assert_num_queries(1):  # and that count is cached in its place
        assert _total(api_client, CASTINGS, "limit=1&offset=1") == 2


def test_a_signed_in_catalogue_viewer_has_a_count_of_their_own(api_client, auth_client):
    profiles = ModelProfileFactory.create_batch(3)
    viewer = UserFactory(role="employer")
    BlockFactory(blocker=viewer, blocked=profiles[0].user)

    assert _total(api_client, MODELS, "limit=1") == 3
    assert _total(auth_client(viewer), MODELS, "limit=1") == 2
    assert _total(api_client, MODELS, "limit=1") == 3


UNREACHABLE = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        # no IGNORE_EXCEPTIONS: every cache call raises, as any cache backend might
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
}


def test_a_failing_cache_counts_instead(api_client, django_assert_num_queries):
    CastingFactory.create_batch(3)

    with override_settings(CACHES=UNREACHABLE):
        for query in ("limit=2", "limit=2&offset=1"):
            with django_assert_num_queries(2):
                assert _total(api_client, CASTINGS, query) == 3


# --- paginate itself -----------------------------------------------------------------------------
def _page(query: str, queryset, *, fallback=None) -> dict:
    request = Request(APIRequestFactory().get(f"/x?{query}"))
    return paginate(
        request,
        queryset,
        key="users",
        serialize=lambda rows: [user.email for user in rows],
        fallback=fallback,
        count_key="test-users",
    )


def test_a_count_from_the_fallback_is_cached_with_it(django_assert_num_queries):
    emails = sorted(UserFactory(email=f"u{i}@example.com").email for i in range(5))
    nobody = User.objects.filter(email="nobody@example.com").order_by("email")
    everybody = User.objects.order_by("email")

    with django_assert_num_queries(3):  # the empty list, the fallback's page and count
        body = _page("limit=2", nobody, fallback=everybody)
    assert body["users"] == emails[:2]
    assert body["pagination"]["total"] == 5

    with django_assert_num_queries(1):  # the fallback's page; its count is the cached one
        body = _page("limit=2&offset=2", nobody, fallback=everybody)
    assert body["users"] == emails[2:4]
    assert body["pagination"] == {"total": 5, "limit": 2, "offset": 2, "has_more": True}


def test_a_past_the_cap_count_is_cached_as_a_lower_bound(settings):
    settings.PAGINATION_COUNT_CAP = 3
    UserFactory.create_batch(7)
    everybody = User.objects.order_by("email")

    assert _page("limit=2", everybody)["pagination"]["total"] == 3  # the cap: a lower bound
    assert _page("limit=2&offset=4", everybody)["pagination"] == {
        "total": 7,  # offset + rows + 1: never below what this page shows
        "limit": 2,
        "offset": 4,
        "has_more": True,
    }


def test_the_key_is_the_list_and_its_filters_not_its_ordering():
    from castings.selectors import CastingFilters

    key = count_cache_key("castings", CastingFilters(city="Almaty"))
    assert key == count_cache_key("castings", CastingFilters(city="Almaty", ordering="-pay_max"))
    assert key != count_cache_key("castings", CastingFilters(city="Astana"))
    assert key != count_cache_key("models", CastingFilters(city="Almaty"))
    assert key != count_cache_key("castings", CastingFilters(city="Almaty"), scope="viewer")
