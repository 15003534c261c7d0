"""List endpoints: the number of queries does not grow with the page (2 rows vs 50 rows)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from castings.selectors import casting_get_card
from castings.tests.factories import (
    CastingFactory,
    EmployerProfileFactory,
    ModelProfileFactory,
    ResponseFactory,
    SavedCastingFactory,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url: str, expected_items: int, key: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"limit": 100})
    assert response.status_code == 200, response.content
    assert len(response.json()["data"][key]) == expected_items
    return len(captured)


def castings_with_everything(n: int, **fields):
    castings = []
    for _ in range(n):
        owner = EmployerProfileFactory(avatar="avatars/logo.jpg").user
        casting = CastingFactory(owner=owner, **fields)
        ResponseFactory(casting=casting)
        castings.append(casting)
    return castings


@pytest.mark.parametrize("authenticated", [False, True])
def test_castings_list_budget(api_client, auth_client, model_user, authenticated):
    client = auth_client(model_user) if authenticated else api_client
    url = reverse("castings:casting-list")
    castings_with_everything(2)
    few = count_queries(client, url, 2, "castings")
    castings_with_everything(48)

    many = count_queries(client, url, 50, "castings")

    assert few == many
    assert many <= (3 if authenticated else 2)


def test_my_castings_budget(auth_client, employer):
    client = auth_client(employer)
    url = reverse("castings:casting-my")
    for _ in range(2):
        ResponseFactory(casting=CastingFactory(owner=employer))
    few = count_queries(client, url, 2, "castings")
    for _ in range(48):
        ResponseFactory(casting=CastingFactory(owner=employer, status="draft"))

    many = count_queries(client, url, 50, "castings")

    assert few == many <= 3


def test_saved_castings_budget(auth_client, model_user):
    client = auth_client(model_user)
    url = reverse("castings:casting-saved")
    for casting in castings_with_everything(2):
        SavedCastingFactory(user=model_user, casting=casting)
    few = count_queries(client, url, 2, "castings")
    for casting in castings_with_everything(48):
        SavedCastingFactory(user=model_user, casting=casting)

    many = count_queries(client, url, 50, "castings")

    assert few == many <= 3


def test_casting_responses_budget(auth_client, employer):
    casting = CastingFactory(owner=employer, min_height=170)
    client = auth_client(employer)
    url = reverse("castings:casting-responses", args=[casting.id])

    def add(n):
        for _ in range(n):
            profile = ModelProfileFactory(main_photo="p/x.jpg", main_thumbnail="p/x_t.jpg")
            ResponseFactory(casting=casting, model_profile=profile)

    add(2)
    few = count_queries(client, url, 2, "responses")
    add(48)

    many = count_queries(client, url, 50, "responses")

    assert few == many <= 4, few


def test_my_responses_budget(auth_client, model_user):
    client = auth_client(model_user)
    url = reverse("castings:response-my")

    def add(n):
        for casting in castings_with_everything(n):
            ResponseFactory(casting=casting, model_profile=model_user.model_profile)

    add(2)
    few = count_queries(client, url, 2, "responses")
    add(48)

    many = count_queries(client, url, 50, "responses")

    assert few == many <= 3


@pytest.mark.parametrize("caller", ["anonymous", "model", "employer"])
def test_casting_card_is_one_query(django_assert_num_queries, employer, model_user, caller):
    user = {"anonymous": None, "model": model_user, "employer": employer}[caller]
    casting = castings_with_everything(1)[0]

    with django_assert_num_queries(1):
        card = casting_get_card(user=user, casting_id=casting.id)

    assert card["id"] == casting.id
    assert card["responses_count"] == 1


def test_apply_budget(auth_client, model_user, django_assert_max_num_queries):
    casting = castings_with_everything(1)[0]
    client = auth_client(model_user)
    url = reverse("castings:casting-responses", args=[casting.id])

    # The caller, the casting with the profile and "already applied?" (one read), the plan and
    # the usage row locked, the insert, and their transaction and savepoints (the FREE plan row
    # may be cached).
    with django_assert_max_num_queries(14):
        response = client.post(url, {"message": "Hello"}, format="json")

    assert response.status_code == 201, response.content
