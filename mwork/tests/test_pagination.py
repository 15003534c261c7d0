"""`paginate`: exact totals below PAGINATION_COUNT_CAP, a lower bound past it, exact has_more."""

from __future__ import annotations

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.models import User
from accounts.tests.factories import UserFactory
from mwork.api.pagination import count_queryset, paginate

pytestmark = pytest.mark.django_db


def _page(query: str, *, cap: int, settings) -> dict:
    settings.PAGINATION_COUNT_CAP = cap
    request = Request(APIRequestFactory().get(f"/x?{query}"))
    queryset = User.objects.order_by("email")
    return paginate(request, queryset, key="users", serialize=lambda rows: [u.email for u in rows])


@pytest.fixture
def seven_users():
    return sorted(UserFactory(email=f"u{i}@example.com").email for i in range(7))


def test_exact_total_below_the_cap(seven_users, settings, django_assert_num_queries):
    with django_assert_num_queries(2):
        body = _page("limit=3&offset=3", cap=100, settings=settings)
    assert body["users"] == seven_users[3:6]
    assert body["pagination"] == {"total": 7, "limit": 3, "offset": 3, "has_more": True}


def test_last_page_and_past_the_end(seven_users, settings):
    assert _page("limit=3&offset=6", cap=100, settings=settings)["pagination"]["has_more"] is False
    body = _page("limit=3&offset=9", cap=100, settings=settings)
    assert body == {
        "users": [],
        "pagination": {"total": 7, "limit": 3, "offset": 9, "has_more": False},
    }


def test_total_is_a_lower_bound_past_the_cap(seven_users, settings):
    body = _page("limit=2&offset=0", cap=4, settings=settings)
    assert body["users"] == seven_users[:2]
    assert body["pagination"] == {"total": 4, "limit": 2, "offset": 0, "has_more": True}
    # deep pages still page correctly; total never falls below what was paged through
    body = _page("limit=2&offset=4", cap=4, settings=settings)
    assert body["users"] == seven_users[4:6]
    assert body["pagination"] == {"total": 7, "limit": 2, "offset": 4, "has_more": True}
    body = _page("limit=2&offset=6", cap=4, settings=settings)
    assert body["pagination"] == {"total": 7, "limit": 2, "offset": 6, "has_more": False}


def test_exactly_at_the_cap_is_exact(seven_users, settings):
    body = _page("limit=5&offset=5", cap=7, settings=settings)
    assert body["pagination"] == {"total": 7, "limit": 5, "offset": 5, "has_more": False}


# --- the count reads only what filters the rows ------------------------------------------------
def _count_sql(queryset) -> tuple[int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        total = count_queryset(queryset)[:1001].count()
    return total, captured.captured_queries[0]["sql"]


def test_a_cards_joins_are_left_out_of_its_count():
    from castings.selectors import CastingFilters, casting_list_public
    from castings.tests.factories import CastingFactory

    CastingFactory()  # its owner has an employer profile
    CastingFactory(owner=UserFactory(role="employer"))  # this one has none (LEFT JOIN)
    CastingFactory(city="Astana")

    total, sql = _count_sql(casting_list_public(user=None, filters=CastingFilters(city="almaty")))

    assert total == 2
    assert "JOIN" not in sql


def test_joins_the_filter_reads_stay_in_the_count():
    from castings.selectors import casting_list_saved
    from castings.tests.factories import SavedCastingFactory

    saver = UserFactory()
    SavedCastingFactory(user=saver)
    SavedCastingFactory()

    total, sql = _count_sql(casting_list_saved(user=saver))

    assert total == 1
    assert 'JOIN "castings_savedcasting"' in sql


def test_a_join_that_multiplies_rows_stays_in_the_count():
    from castings.models import Casting
    from castings.tests.factories import CastingFactory, ResponseFactory

    casting = CastingFactory()
    ResponseFactory.create_batch(2, casting=casting)
    CastingFactory()

    total, sql = _count_sql(Casting.objects.values("id", "responses__id"))

    assert total == 3  # one row per response, and the casting without one
    assert 'LEFT OUTER JOIN "castings_response"' in sql
