"""GET /profiles/models: shape, visibility, every filter, search, ordering, pages, budget."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from profiles.models import ModelProfile
from profiles.tests.factories import ModelProfileFactory
from profiles.tests.helpers import assert_error, list_url

pytestmark = pytest.mark.django_db

LIST_ITEM_KEYS = {
    "id",
    "user_id",
    "name",
    "age",
    "gender",
    "height",
    "city",
    "categories",
    "experience",
    "main_photo",
    "main_thumbnail",
    "is_promoted",
    "rating",
    "reviews_count",
}


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["data"]["models"]]


def test_list_is_public_with_the_contract_shape(api_client, media_root):
    profile = ModelProfileFactory(
        name="Aisha Nurzhanova",
        age=24,
        height=175,
        categories=["fashion", "editorial"],
        experience="experienced",
        main_photo="photos/p/main.jpg",
        main_thumbnail="thumbnails/p/main.jpg",
        rating="4.80",
        reviews_count=12,
    )

    response = api_client.get(list_url())

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["data"]["pagination"] == {"total": 1, "limit": 20, "offset": 0, "has_more": False}
    (item,) = body["data"]["models"]
    assert set(item) == LIST_ITEM_KEYS
    assert item == {
        "id": str(profile.id),
        "user_id": str(profile.user_id),
        "name": "Aisha Nurzhanova",
        "age": 24,
        "gender": "female",
        "height": 175,
        "city": "Almaty",
        "categories": ["fashion", "editorial"],
        "experience": "experienced",
        "main_photo": "/media/photos/p/main.jpg",
        "main_thumbnail": "/media/thumbnails/p/main.jpg",
        "is_promoted": False,
        "rating": 4.8,
        "reviews_count": 12,
    }


def test_list_without_photo_gives_null_urls(api_client):
    ModelProfileFactory()

    item = api_client.get(list_url()).json()["data"]["models"][0]

    assert item["main_photo"] is None
    assert item["main_thumbnail"] is None


def test_hidden_profiles_and_banned_users_are_not_listed(api_client):
    ModelProfileFactory(name="Visible One")
    ModelProfileFactory(name="Hidden One", is_hidden=True)
    banned = ModelProfileFactory(name="Banned One")
    banned.user.is_active = False
    banned.user.save(update_fields=["is_active"])

    response = api_client.get(list_url())

    assert names(response) == ["Visible One"]
    assert response.json()["data"]["pagination"]["total"] == 1


def test_list_accepts_a_token_too(auth_client, make_user):
    ModelProfileFactory(name="Visible One")

    response = auth_client(make_user(role="employer")).get(list_url())

    assert names(response) == ["Visible One"]


# --- each filter alone -----------------------------------------------------------------------
@pytest.fixture
def catalogue():
    """Five profiles that differ in every filtered attribute."""
    return {
        "anna": ModelProfileFactory(
            name="Anna",
            gender="female",
            age=18,
            height=160,
            city="Almaty",
            categories=["fashion"],
            experience="beginner",
        ),
        "bota": ModelProfileFactory(
            name="Bota",
            gender="female",
            age=25,
            height=175,
            city="Astana",
            categories=["editorial", "runway"],
            experience="experienced",
        ),
        "chingiz": ModelProfileFactory(
            name="Chingiz",
            gender="male",
            age=30,
            height=185,
            city="Almaty",
            categories=["commercial"],
            experience="intermediate",
        ),
        "dana": ModelProfileFactory(
            name="Dana",
            gender="other",
            age=40,
            height=None,
            city="Shymkent",
            categories=[],
            experience="",
        ),
        "erlan": ModelProfileFactory(
            name="Erlan",
            gender="male",
            age=99,
            height=250,
            city="almaty",
            categories=["fashion", "commercial"],
            experience="experienced",
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"gender": "female"}, {"Anna", "Bota"}),
        ({"gender": "male"}, {"Chingiz", "Erlan"}),
        ({"gender": "other"}, {"Dana"}),
        ({"min_age": 25}, {"Bota", "Chingiz", "Dana", "Erlan"}),
        ({"min_age": 26}, {"Chingiz", "Dana", "Erlan"}),
        ({"max_age": 25}, {"Anna", "Bota"}),
        ({"max_age": 24}, {"Anna"}),
        ({"min_height": 175}, {"Bota", "Chingiz", "Erlan"}),
        ({"max_height": 175}, {"Anna", "Bota"}),
        ({"max_height": 159}, set()),
        ({"city": "Almaty"}, {"Anna", "Chingiz", "Erlan"}),
        ({"city": "  aLmAtY "}, {"Anna", "Chingiz", "Erlan"}),
        ({"city": "Shymkent"}, {"Dana"}),
        ({"city": "Alma"}, set()),
        ({"category": "fashion"}, {"Anna", "Erlan"}),
        ({"category": "commercial"}, {"Chingiz", "Erlan"}),
        ({"category": "runway"}, {"Bota"}),
        ({"category": "editorial"}, {"Bota"}),
        ({"experience": "experienced"}, {"Bota", "Erlan"}),
        ({"experience": "beginner"}, {"Anna"}),
        ({"experience": "intermediate"}, {"Chingiz"}),
        ({"city": ""}, {"Anna", "Bota", "Chingiz", "Dana", "Erlan"}),
    ],
)
def test_each_filter_alone(api_client, catalogue, params, expected):
    response = api_client.get(list_url(**params))

    assert set(names(response)) == expected
    assert response.json()["data"]["pagination"]["total"] == len(expected)


def test_filters_combined(api_client, catalogue):
    response = api_client.get(
        list_url(
            gender="male",
            min_age=20,
            max_age=99,
            min_height=180,
            max_height=250,
            city="almaty",
            category="commercial",
            experience="experienced",
        )
    )

    assert names(response) == ["Erlan"]


def test_filters_combined_with_search(api_client, catalogue):
    ModelProfile.objects.filter(pk=catalogue["chingiz"].pk).update(bio="Runway and catalogue")

    response = api_client.get(list_url(gender="male", search="catalogue"))

    assert names(response) == ["Chingiz"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"gender": "robot"}, "gender"),
        ({"min_age": "abc"}, "min_age"),
        ({"max_age": "-1"}, "max_age"),
        ({"min_height": "1.5"}, "min_height"),
        ({"max_height": "tall"}, "max_height"),
        ({"category": "sports"}, "category"),
        ({"experience": "guru"}, "experience"),
        ({"ordering": "name"}, "ordering"),
        ({"ordering": "--age"}, "ordering"),
        ({"min_age": 30, "max_age": 20}, "max_age"),
        ({"min_height": 190, "max_height": 180}, "max_height"),
        ({"search": "x" * 101}, "search"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
    ],
)
def test_bad_query_parameters_are_400(api_client, params, field):
    error = assert_error(api_client.get(list_url(**params)), 400, "VALIDATION_ERROR")

    assert field in error["details"]


# --- ordering --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("age", ["Anna", "Bota", "Chingiz", "Dana", "Erlan"]),
        ("-age", ["Erlan", "Dana", "Chingiz", "Bota", "Anna"]),
        ("height", ["Anna", "Bota", "Chingiz", "Erlan", "Dana"]),  # no height: last
        ("-height", ["Erlan", "Chingiz", "Bota", "Anna", "Dana"]),
        ("rating", ["Dana", "Chingiz", "Anna", "Bota", "Erlan"]),
        ("-rating", ["Erlan", "Bota", "Anna", "Chingiz", "Dana"]),
        ("created_at", ["Anna", "Bota", "Chingiz", "Dana", "Erlan"]),
        ("-created_at", ["Erlan", "Dana", "Chingiz", "Bota", "Anna"]),
    ],
)
def test_ordering(api_client, catalogue, ordering, expected):
    base = timezone.now() - dt.timedelta(days=10)
    ratings = {"anna": 3, "bota": 4, "chingiz": 2, "dana": 1, "erlan": 5}
    for index, key in enumerate(["anna", "bota", "chingiz", "dana", "erlan"]):
        ModelProfile.objects.filter(pk=catalogue[key].pk).update(
            created_at=base + dt.timedelta(hours=index), rating=ratings[key]
        )

    assert names(api_client.get(list_url(ordering=ordering))) == expected


def test_default_order_is_newest_first(api_client, catalogue):
    assert names(api_client.get(list_url())) == ["Erlan", "Dana", "Chingiz", "Bota", "Anna"]


# --- pagination ------------------------------------------------------------------------------
def test_pagination_edges(api_client):
    ModelProfileFactory.create_batch(5)

    first = api_client.get(list_url(limit=2)).json()["data"]
    middle = api_client.get(list_url(limit=2, offset=2)).json()["data"]
    last = api_client.get(list_url(limit=2, offset=4)).json()["data"]
    exact = api_client.get(list_url(limit=5)).json()["data"]
    beyond = api_client.get(list_url(limit=2, offset=5)).json()["data"]
    far = api_client.get(list_url(offset=1000)).json()["data"]

    assert first["pagination"] == {"total": 5, "limit": 2, "offset": 0, "has_more": True}
    assert middle["pagination"] == {"total": 5, "limit": 2, "offset": 2, "has_more": True}
    assert last["pagination"] == {"total": 5, "limit": 2, "offset": 4, "has_more": False}
    assert len(last["models"]) == 1
    assert exact["pagination"]["has_more"] is False
    assert len(exact["models"]) == 5
    assert beyond["models"] == []
    assert beyond["pagination"]["has_more"] is False
    assert far["models"] == []
    ids = [m["id"] for page in (first, middle, last) for m in page["models"]]
    assert len(set(ids)) == 5  # stable order: no duplicates or gaps across pages


def test_limit_above_max_is_clamped(api_client):
    ModelProfileFactory()

    pagination = api_client.get(list_url(limit=1000)).json()["data"]["pagination"]

    assert pagination["limit"] == 100


# --- search ----------------------------------------------------------------------------------
@pytest.fixture
def named():
    return [
        ModelProfileFactory(name="Аружан Сейткали", bio="Модель из Алматы"),
        ModelProfileFactory(name="Aisha Nurzhanova", bio="Professional fashion model"),
        ModelProfileFactory(name="Әлия Нұрланқызы", bio="Кәсіби модельмін"),
        ModelProfileFactory(name="Dmitry Orlov", bio="Commercial and runway"),
    ]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("Аружан", ["Аружан Сейткали"]),
        ("Сейткали", ["Аружан Сейткали"]),
        ("Aisha", ["Aisha Nurzhanova"]),
        ("nurzhanova", ["Aisha Nurzhanova"]),
        ("Нұрланқызы", ["Әлия Нұрланқызы"]),
        ("runway", ["Dmitry Orlov"]),
        ("Алматы", ["Аружан Сейткали"]),
    ],
)
def test_search_finds_cyrillic_and_latin_names_and_bio(api_client, named, search, expected):
    assert names(api_client.get(list_url(search=search))) == expected


def test_search_without_match_is_empty(api_client, named):
    response = api_client.get(list_url(search="Zzyzx"))

    assert names(response) == []
    assert response.json()["data"]["pagination"]["total"] == 0


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text and trigram search need PostgreSQL"
)


@postgres_only
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("Nurzhanva", "Aisha Nurzhanova"),
        ("Сейткалы", "Аружан Сейткали"),
        ("Orlof", "Dmitry Orlov"),
    ],
)
def test_misspelt_name_is_found_on_postgresql(api_client, named, search, expected):
    assert names(api_client.get(list_url(search=search))) == [expected]


@postgres_only
def test_search_vector_follows_name_and_bio_changes(api_client, named):
    profile = named[3]
    profile.name = "Timur Yesenov"
    profile.bio = "Editorial"
    profile.save()

    assert names(api_client.get(list_url(search="Yesenov"))) == ["Timur Yesenov"]
    assert names(api_client.get(list_url(search="Editorial"))) == ["Timur Yesenov"]
    assert names(api_client.get(list_url(search="runway"))) == []


@postgres_only
def test_search_matches_name_and_bio(api_client):
    ModelProfileFactory(name="Someone Else", bio="Works with Madina often")
    ModelProfileFactory(name="Madina Bekova", bio="Fashion")
    ModelProfileFactory(name="Dana Omarova", bio="Runway")

    assert sorted(names(api_client.get(list_url(search="Madina")))) == [
        "Madina Bekova",
        "Someone Else",
    ]


# --- query budget ----------------------------------------------------------------------------
@pytest.mark.parametrize("rows", [2, 50])
def test_query_count_does_not_grow_with_rows(api_client, django_assert_max_num_queries, rows):
    ModelProfileFactory.create_batch(rows, main_photo="photos/x.jpg")

    with django_assert_max_num_queries(2):  # page (+ count when full); promotion is a subquery
        response = api_client.get(list_url(limit=100, search="Model", category="fashion"))
    assert len(response.json()["data"]["models"]) == rows
    with django_assert_max_num_queries(2):
        response = api_client.get(list_url(limit=1, search="Model", category="fashion"))
    assert response.json()["data"]["pagination"]["total"] == rows


def test_a_first_page_that_is_not_full_is_its_own_count(api_client, django_assert_num_queries):
    """mwork/api/pagination.py: the count query runs only when the first page is full."""
    ModelProfileFactory.create_batch(3)

    with django_assert_num_queries(1):
        body = api_client.get(list_url(limit=5)).json()["data"]
    assert body["pagination"] == {"total": 3, "limit": 5, "offset": 0, "has_more": False}
    with django_assert_num_queries(2):
        body = api_client.get(list_url(limit=2)).json()["data"]
    assert body["pagination"] == {"total": 3, "limit": 2, "offset": 0, "has_more": True}
    with django_assert_num_queries(1):  # past the first page: the page, the count is cached
        body = api_client.get(list_url(limit=2, offset=2)).json()["data"]
    assert body["pagination"] == {"total": 3, "limit": 2, "offset": 2, "has_more": False}
    cache.clear()
    with django_assert_num_queries(2):  # nothing cached: count, then the page
        body = api_client.get(list_url(limit=2, offset=1)).json()["data"]
    assert body["pagination"] == {"total": 3, "limit": 2, "offset": 1, "has_more": False}


@postgres_only
def test_search_matches_come_newest_first(api_client):
    """Full-text and trigram matches alike keep the list's order (docs/API.md §13)."""
    now = timezone.now()
    ModelProfileFactory(name="Aruzhan Nurzhanova", created_at=now - dt.timedelta(days=3))
    ModelProfileFactory(name="Timur Nurzhanov", created_at=now - dt.timedelta(days=1))
    ModelProfileFactory(name="Dana Nurzh", created_at=now - dt.timedelta(days=5))

    assert names(api_client.get(list_url(search="Nurzh"))) == [
        "Timur Nurzhanov",
        "Aruzhan Nurzhanova",
        "Dana Nurzh",
    ]


@postgres_only
def test_search_total_is_exact_up_to_its_own_cap(api_client, settings):
    settings.PAGINATION_SEARCH_COUNT_CAP = 2
    ModelProfileFactory.create_batch(4, name="Aigerim Omarova")

    capped = api_client.get(list_url(search="Aigerim", limit=1)).json()["data"]["pagination"]
    unfiltered = api_client.get(list_url(limit=1)).json()["data"]["pagination"]

    assert capped == {"total": 2, "limit": 1, "offset": 0, "has_more": True}  # a lower bound
    assert unfiltered["total"] == 4  # lists without search keep PAGINATION_COUNT_CAP


def test_every_search_word_must_start_a_word_of_name_or_bio(api_client):
    ModelProfileFactory(name="Aigerim Omarova", bio="Runway")
    ModelProfileFactory(name="Aigerim Abenova", bio="Fashion")
    ModelProfileFactory(name="Dana Omarova", bio="Editorial")

    assert names(api_client.get(list_url(search="aiger oma"))) == ["Aigerim Omarova"]
    assert names(api_client.get(list_url(search="Aigerim fash"))) == ["Aigerim Abenova"]
    assert names(api_client.get(list_url(search="garim"))) == []  # not the start of a word


@postgres_only
def test_similar_names_only_when_nothing_prefix_matches(api_client, django_assert_num_queries):
    """docs/API.md §13: a misspelt name falls back to similar names; prefix matches win."""
    ModelProfileFactory(name="Aisha Nurzhanova")
    ModelProfileFactory(name="Aigerim Abenova")

    # "Aigerim Oma" is similar to "Aigerim Abenova" but prefix-matches nobody: the fallback.
    with django_assert_num_queries(2):  # prefix page (empty), similar names' page (its count)
        assert names(api_client.get(list_url(search="Aigerim Oma"))) == ["Aigerim Abenova"]

    ModelProfileFactory(name="Aigerim Omarova")
    with django_assert_num_queries(1):
        assert names(api_client.get(list_url(search="Aigerim Oma"))) == ["Aigerim Omarova"]
    assert names(api_client.get(list_url(search="Nurzhanva"))) == ["Aisha Nurzhanova"]


@postgres_only
def test_one_condition_matches_what_the_two_steps_return():
    """Saved searches evaluate `model_filters_condition` alone; it holds the fallback too."""
    from profiles.selectors import ModelFilters, model_filters_condition

    ModelProfileFactory(name="Aisha Nurzhanova", city="Almaty")
    ModelProfileFactory(name="Aigerim Abenova", city="Almaty")
    ModelProfileFactory(name="Aigerim Omarova", city="Astana")

    def matched(**filters):
        condition = model_filters_condition(ModelFilters(**filters))
        return sorted(ModelProfile.objects.filter(condition).values_list("name", flat=True))

    assert matched(search="Nurzhanva") == ["Aisha Nurzhanova"]
    assert matched(search="Aigerim Oma") == ["Aigerim Omarova"]
    # with the other filters, nothing in Almaty prefix-matches: similar names there
    assert matched(search="Aigerim Oma", city="Almaty") == ["Aigerim Abenova"]
