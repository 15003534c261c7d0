"""GET /castings filters (docs/API.md §6): overlap semantics, search, ordering."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from castings.tests.factories import CastingFactory, ResponseFactory

pytestmark = pytest.mark.django_db

LIST = reverse("castings:casting-list")


def ids(api_client, **params) -> set[str]:
    response = api_client.get(LIST, params)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["data"]["castings"]}


def ordered_ids(api_client, **params) -> list[str]:
    return [item["id"] for item in api_client.get(LIST, params).json()["data"]["castings"]]


def test_gender_matches_that_gender_or_none(api_client):
    female = CastingFactory(required_gender="female")
    anyone = CastingFactory(required_gender=None)
    male = CastingFactory(required_gender="male")

    assert ids(api_client, gender="female") == {str(female.id), str(anyone.id)}
    assert ids(api_client, gender="male") == {str(male.id), str(anyone.id)}
    assert ids(api_client) == {str(female.id), str(anyone.id), str(male.id)}


def test_age_ranges_overlap(api_client):
    young = CastingFactory(min_age=18, max_age=25)
    middle = CastingFactory(min_age=25, max_age=35)
    from_40 = CastingFactory(min_age=40, max_age=None)
    up_to_20 = CastingFactory(min_age=None, max_age=20)
    anyone = CastingFactory(min_age=None, max_age=None)

    # asked [26, 30]: overlaps middle, open-ended anyone; not young (ends 25), not from_40
    assert ids(api_client, min_age=26, max_age=30) == {str(middle.id), str(anyone.id)}
    # asked [20, 25]: edges count as overlap
    assert ids(api_client, min_age=20, max_age=25) == {
        str(young.id),
        str(middle.id),
        str(up_to_20.id),
        str(anyone.id),
    }
    # only a lower bound: everything whose range reaches 36 or more
    assert ids(api_client, min_age=36) == {str(from_40.id), str(anyone.id)}
    # only an upper bound: everything that starts at 19 or earlier
    assert ids(api_client, max_age=19) == {str(young.id), str(up_to_20.id), str(anyone.id)}


def test_height_ranges_overlap(api_client):
    tall = CastingFactory(min_height=175, max_height=190)
    short = CastingFactory(min_height=150, max_height=165)
    open_top = CastingFactory(min_height=180, max_height=None)
    anyone = CastingFactory()

    assert ids(api_client, min_height=170, max_height=178) == {str(tall.id), str(anyone.id)}
    assert ids(api_client, min_height=195) == {str(open_top.id), str(anyone.id)}
    assert ids(api_client, max_height=160) == {str(short.id), str(anyone.id)}


def test_city_is_case_insensitive_exact(api_client):
    almaty = CastingFactory(city="Almaty")
    CastingFactory(city="Astana")
    CastingFactory(city="Almaty Region")

    assert ids(api_client, city="almaty") == {str(almaty.id)}
    assert ids(api_client, city=" ALMATY ") == {str(almaty.id)}


def test_category(api_client):
    runway = CastingFactory(category="runway")
    CastingFactory(category="fashion")

    assert ids(api_client, category="runway") == {str(runway.id)}


def test_experience_matches_castings_that_level_meets(api_client):
    beginner_ok = CastingFactory(required_experience="beginner")
    pros_only = CastingFactory(required_experience="experienced")
    anyone = CastingFactory(required_experience=None)

    assert ids(api_client, experience="beginner") == {str(beginner_ok.id), str(anyone.id)}
    assert ids(api_client, experience="experienced") == {
        str(beginner_ok.id),
        str(pros_only.id),
        str(anyone.id),
    }


def test_pay_min_filters_by_the_top_of_the_pay_range(api_client):
    rich = CastingFactory(pay_min=100000, pay_max=200000)
    CastingFactory(pay_min=10000, pay_max=20000)

    assert ids(api_client, pay_min=150000) == {str(rich.id)}


def test_search_title_and_description(api_client):
    editorial = CastingFactory(title="Editorial shoot for Vogue KZ", description="Studio work.")
    by_text = CastingFactory(title="Summer campaign", description="Beachwear lookbook in Kapchagay")
    CastingFactory(title="Runway week", description="Fashion week in Astana")

    assert ids(api_client, search="editorial") == {str(editorial.id)}
    assert ids(api_client, search="LOOKBOOK") == {str(by_text.id)}
    assert ids(api_client, search="beach") == {str(by_text.id)}  # prefix
    assert ids(api_client, search="summer kapchagay") == {str(by_text.id)}  # every word
    assert ids(api_client, search="vogue astana") == set()
    assert len(ids(api_client, search="  ")) == 3  # blank search is no filter


def test_a_search_total_is_exact_up_to_the_search_cap(api_client, settings):
    # docs/API.md §3: a search's total, as the catalogue's, is exact up to its own cap.
    settings.PAGINATION_SEARCH_COUNT_CAP = 2
    settings.PAGINATION_COUNT_CACHE_SECONDS = 0
    CastingFactory.create_batch(4, title="Editorial shoot")

    capped = api_client.get(LIST, {"search": "editorial", "limit": 1}).json()["data"]
    last = api_client.get(LIST, {"search": "editorial", "limit": 2, "offset": 2}).json()["data"]
    blank = api_client.get(LIST, {"search": "!!", "limit": 1}).json()["data"]

    assert capped["pagination"] == {"total": 2, "limit": 1, "offset": 0, "has_more": True}
    assert last["pagination"] == {"total": 4, "limit": 2, "offset": 2, "has_more": False}
    assert blank["pagination"]["total"] == 4  # no word: no search, the list's own cap


def test_search_in_cyrillic(api_client):
    casting = CastingFactory(title="Съёмка для каталога", description="Ищем моделей в Алматы")
    CastingFactory(title="Another casting", description="Nothing in Russian here")

    assert ids(api_client, search="каталог") == {str(casting.id)}
    assert ids(api_client, search="моделей") == {str(casting.id)}


def test_search_ignores_tsquery_syntax(api_client):
    casting = CastingFactory(title="Editorial shoot", description="Studio")

    assert ids(api_client, search="editorial & !(|:*") == {str(casting.id)}
    assert ids(api_client, search="'; DROP TABLE castings_casting; --") == set()


def test_filters_combine(api_client):
    match = CastingFactory(city="Almaty", category="fashion", required_gender="female", min_age=18)
    CastingFactory(city="Almaty", category="fashion", required_gender="male")
    CastingFactory(city="Astana", category="fashion", required_gender="female")

    assert ids(api_client, city="Almaty", category="fashion", gender="female", min_age=20) == {
        str(match.id)
    }


def test_status_for_the_public(api_client):
    active = CastingFactory()
    completed = CastingFactory(status="completed")
    CastingFactory(status="draft")

    assert ids(api_client) == {str(active.id)}
    assert ids(api_client, status="completed") == {str(completed.id)}
    assert ids(api_client, status="draft") == set()


def test_ordering(api_client):
    now = timezone.now()
    soon = CastingFactory(
        shoot_date=now + timedelta(days=2), pay_min=0, pay_max=100, created_at=now
    )
    later = CastingFactory(
        shoot_date=now + timedelta(days=20),
        pay_min=0,
        pay_max=300,
        created_at=now - timedelta(days=1),
    )
    middle = CastingFactory(
        shoot_date=now + timedelta(days=10), pay_max=None, created_at=now - timedelta(days=2)
    )
    ResponseFactory.create_batch(2, casting=middle)
    ResponseFactory(casting=later)

    assert ordered_ids(api_client) == [str(soon.id), str(later.id), str(middle.id)]
    assert ordered_ids(api_client, ordering="created_at") == [
        str(middle.id),
        str(later.id),
        str(soon.id),
    ]
    assert ordered_ids(api_client, ordering="shoot_date") == [
        str(soon.id),
        str(middle.id),
        str(later.id),
    ]
    assert ordered_ids(api_client, ordering="-pay_max") == [
        str(later.id),
        str(soon.id),
        str(middle.id),  # no pay given: last
    ]
    assert ordered_ids(api_client, ordering="-responses_count") == [
        str(middle.id),
        str(later.id),
        str(soon.id),
    ]
    response = api_client.get(LIST, {"ordering": "title"})
    assert response.status_code == 400
    assert "ordering" in response.json()["error"]["details"]


def test_pagination(api_client):
    CastingFactory.create_batch(3)

    body = api_client.get(LIST, {"limit": 2, "offset": 2}).json()["data"]

    assert len(body["castings"]) == 1
    assert body["pagination"] == {"total": 3, "limit": 2, "offset": 2, "has_more": False}
