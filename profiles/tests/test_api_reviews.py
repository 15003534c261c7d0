"""GET/POST /profiles/models/:id/reviews: who may review, once per casting, rating in sync."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from castings.tests.factories import CastingFactory, ResponseFactory
from profiles.models import ModelProfile, Review
from profiles.tests.factories import EmployerProfileFactory, ModelProfileFactory, ReviewFactory
from profiles.tests.helpers import assert_error, detail_url

pytestmark = pytest.mark.django_db


def reviews_url(profile_id: Any) -> str:
    return reverse("profiles:review-list", args=[profile_id])


@pytest.fixture
def accepted():
    """An employer (with a company profile) whose casting accepted a model's response."""
    owner = EmployerProfileFactory(company_name="Steppe Studio").user
    profile = ModelProfileFactory()
    casting = CastingFactory(owner=owner)
    ResponseFactory(casting=casting, model_profile=profile, status="accepted")
    return owner, profile, casting


def test_casting_owner_reviews_an_accepted_model(auth_client, accepted):
    owner, profile, casting = accepted

    response = auth_client(owner).post(
        reviews_url(profile.id),
        {"casting_id": str(casting.id), "rating": 4, "comment": "Punctual and professional."},
        format="json",
    )

    assert response.status_code == 201, response.content
    review = response.json()["data"]["review"]
    assert review == {
        "id": review["id"],
        "profile_id": str(profile.id),
        "casting_id": str(casting.id),
        "rating": 4,
        "comment": "Punctual and professional.",
        "author": {"id": str(owner.id), "name": "Steppe Studio", "avatar": None},
        "created_at": review["created_at"],
    }
    stored = ModelProfile.objects.get(pk=profile.pk)
    assert (stored.rating, stored.reviews_count) == (Decimal("4.00"), 1)


def test_rating_is_the_average_of_reviews(auth_client, accepted):
    owner, profile, casting = accepted
    ReviewFactory(profile=profile, rating=5)
    ReviewFactory(profile=profile, rating=4)

    auth_client(owner).post(
        reviews_url(profile.id), {"casting_id": str(casting.id), "rating": 4}, format="json"
    )

    detail = auth_client(owner).get(detail_url(profile.id)).json()["data"]["model"]
    assert detail["rating"] == 4.33
    assert detail["reviews_count"] == 3


def test_second_review_for_the_same_casting_is_409(auth_client, accepted):
    owner, profile, casting = accepted
    client = auth_client(owner)
    body = {"casting_id": str(casting.id), "rating": 5}
    assert client.post(reviews_url(profile.id), body, format="json").status_code == 201

    response = client.post(reviews_url(profile.id), {**body, "rating": 1}, format="json")

    assert_error(response, 409, "DUPLICATE_RESOURCE")
    stored = ModelProfile.objects.get(pk=profile.pk)
    assert (stored.rating, stored.reviews_count) == (Decimal("5.00"), 1)


def test_a_second_accepted_casting_allows_a_second_review(auth_client, accepted):
    owner, profile, casting = accepted
    other = CastingFactory(owner=owner)
    ResponseFactory(casting=other, model_profile=profile, status="accepted")
    client = auth_client(owner)

    client.post(reviews_url(profile.id), {"casting_id": str(casting.id), "rating": 5}, "json")
    response = client.post(
        reviews_url(profile.id), {"casting_id": str(other.id), "rating": 3}, "json"
    )

    assert response.status_code == 201
    assert ModelProfile.objects.get(pk=profile.pk).reviews_count == 2


@pytest.mark.parametrize("status", ["pending", "rejected", "withdrawn"])
def test_response_not_accepted_is_403(auth_client, status):
    owner = EmployerProfileFactory().user
    profile = ModelProfileFactory()
    casting = CastingFactory(owner=owner)
    ResponseFactory(casting=casting, model_profile=profile, status=status)

    response = auth_client(owner).post(
        reviews_url(profile.id), {"casting_id": str(casting.id), "rating": 5}, format="json"
    )

    assert_error(response, 403, "PERMISSION_DENIED")
    assert not Review.objects.exists()


def test_someone_elses_casting_is_403(auth_client, make_user, accepted):
    _, profile, casting = accepted
    stranger = EmployerProfileFactory().user

    response = auth_client(stranger).post(
        reviews_url(profile.id), {"casting_id": str(casting.id), "rating": 5}, format="json"
    )

    assert_error(response, 403, "PERMISSION_DENIED")
    assert not Review.objects.exists()


def test_unknown_casting_is_403(auth_client, accepted):
    owner, profile, _ = accepted

    response = auth_client(owner).post(
        reviews_url(profile.id),
        {"casting_id": "2b1c7e0e-8c58-4a1f-9b0e-000000000000", "rating": 5},
        format="json",
    )

    assert_error(response, 403, "PERMISSION_DENIED")


def test_model_role_cannot_review(auth_client, accepted):
    _, profile, casting = accepted
    other_model = ModelProfileFactory().user

    response = auth_client(other_model).post(
        reviews_url(profile.id), {"casting_id": str(casting.id), "rating": 5}, format="json"
    )

    assert_error(response, 403, "PERMISSION_DENIED")
    assert not Review.objects.exists()


def test_review_requires_authentication(api_client, accepted):
    _, profile, casting = accepted

    response = api_client.post(
        reviews_url(profile.id), {"casting_id": str(casting.id), "rating": 5}, format="json"
    )

    assert_error(response, 401, "AUTH_REQUIRED")
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"rating": None}, "rating"),
        ({"casting_id": "nope"}, "casting_id"),
        ({"comment": "x" * 2001}, "comment"),
    ],
)
def test_review_validation(auth_client, accepted, change, field):
    owner, profile, casting = accepted
    body = {"casting_id": str(casting.id), "rating": 5, **change}

    response = auth_client(owner).post(reviews_url(profile.id), body, format="json")

    assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == [field]
    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", [1, 5])
def test_rating_boundaries_are_accepted(auth_client, accepted, rating):
    owner, profile, casting = accepted

    response = auth_client(owner).post(
        reviews_url(profile.id), {"casting_id": str(casting.id), "rating": rating}, format="json"
    )

    assert response.status_code == 201


def test_review_of_an_invisible_profile_is_404(auth_client, accepted):
    owner, profile, casting = accepted
    ModelProfile.objects.filter(pk=profile.pk).update(is_hidden=True)

    response = auth_client(owner).post(
        reviews_url(profile.id), {"casting_id": str(casting.id), "rating": 5}, format="json"
    )

    assert_error(response, 404, "NOT_FOUND")


def test_reviews_list_is_public_and_paginated(api_client):
    profile = ModelProfileFactory()
    model_author = ModelProfileFactory(name="Reviewing Model").user
    ReviewFactory.create_batch(3, profile=profile)
    ReviewFactory(profile=profile, author=model_author)
    ReviewFactory()  # another profile's

    response = api_client.get(reviews_url(profile.id) + "?limit=2")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["pagination"] == {"total": 4, "limit": 2, "offset": 0, "has_more": True}
    assert set(data["reviews"][0]) == {
        "id",
        "profile_id",
        "casting_id",
        "rating",
        "comment",
        "author",
        "created_at",
    }
    everyone = api_client.get(reviews_url(profile.id)).json()["data"]["reviews"]
    authors = {review["author"]["name"] for review in everyone}
    assert "Reviewing Model" in authors
    assert "MWork user" in authors  # employer without a company profile: never the e-mail
    assert not any("@" in name for name in authors)


@pytest.mark.parametrize("state", ["hidden", "unknown"])
def test_reviews_of_invisible_profile_are_404(api_client, state):
    profile = ModelProfileFactory(is_hidden=True)
    target = profile.id if state == "hidden" else "2b1c7e0e-8c58-4a1f-9b0e-000000000000"

    assert_error(api_client.get(reviews_url(target)), 404, "NOT_FOUND")


@pytest.mark.parametrize("rows", [2, 30])
def test_reviews_list_query_count_is_constant(api_client, django_assert_max_num_queries, rows):
    profile = ModelProfileFactory()
    for _ in range(rows):
        ReviewFactory(profile=profile, author=EmployerProfileFactory().user)

    with django_assert_max_num_queries(3):  # profile, page (authors joined), count if full
        response = api_client.get(reviews_url(profile.id) + "?limit=100")

    assert len(response.json()["data"]["reviews"]) == rows
