"""Two-way trust: models review employers (eligibility, once per casting), and the employer's
figures — rating, reviews_count, castings_posted, response_rate — against a hand-computed
fixture (docs/TRUST.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from castings.employer_trust import employer_stats_rollup
from castings.models import CastingStatus, EmployerReview, ResponseStatus
from castings.services import response_bulk_change_status, response_change_status
from castings.tests.factories import (
    CastingFactory,
    EmployerProfileFactory,
    ModelProfileFactory,
    ResponseFactory,
)
from castings.tests.test_api_castings import assert_error
from profiles.models import EmployerProfile

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PAST = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)  # shoots long over (real now is later)
FUTURE = datetime(2099, 1, 10, 9, 0, tzinfo=UTC)


def reviews_url(employer_profile) -> str:
    return reverse("castings:employer-review-list", args=[employer_profile.id])


def employer_url(employer_profile) -> str:
    return reverse("profiles:employer-detail", args=[employer_profile.id])


@pytest.fixture
def studio():
    return EmployerProfileFactory(is_verified=True)


@pytest.fixture
def model_profile():
    return ModelProfileFactory()


def accepted(studio, model_profile, *, shoot_date=PAST, **casting_fields):
    casting = CastingFactory(owner=studio.user, shoot_date=shoot_date, **casting_fields)
    return ResponseFactory(
        casting=casting, model_profile=model_profile, status=ResponseStatus.ACCEPTED
    )


# ---------------------------------------------------------------------------------------------
# POST /profiles/employers/:id/reviews
# ---------------------------------------------------------------------------------------------
def test_a_model_reviews_an_employer_after_the_shoot(auth_client, studio, model_profile):
    response = accepted(studio, model_profile)

    answer = auth_client(model_profile.user).post(
        reviews_url(studio), {"rating": 4, "comment": "Paid on time."}, format="json"
    )

    assert answer.status_code == 201, answer.content
    review = answer.json()["data"]["review"]
    assert review == {
        "id": review["id"],
        "employer_id": str(studio.id),
        "casting_id": str(response.casting_id),
        "casting_title": response.casting.title,
        "rating": 4,
        "comment": "Paid on time.",
        "author": {"id": str(model_profile.user_id), "name": model_profile.name, "avatar": None},
        "created_at": review["created_at"],
    }
    shown = auth_client(model_profile.user).get(employer_url(studio)).json()["data"]["employer"]
    assert shown["rating"] == 4.0
    assert shown["reviews_count"] == 1
    assert shown["verified"] is True
    assert shown["is_verified"] is True  # the existing field stays
    assert shown["member_since"].startswith(str(studio.user.created_at.year))
    assert {"castings_posted", "response_rate"} <= shown.keys()
    listed = auth_client(model_profile.user).get(reviews_url(studio)).json()["data"]
    assert [row["id"] for row in listed["reviews"]] == [review["id"]]


def test_without_casting_id_each_review_takes_the_latest_unreviewed_shoot(
    auth_client, studio, model_profile
):
    older = accepted(studio, model_profile, shoot_date=PAST - timedelta(days=30))
    newer = accepted(studio, model_profile)
    client = auth_client(model_profile.user)

    first = client.post(reviews_url(studio), {"rating": 5}, format="json")
    second = client.post(reviews_url(studio), {"rating": 2}, format="json")
    third = client.post(reviews_url(studio), {"rating": 2}, format="json")

    assert first.json()["data"]["review"]["casting_id"] == str(newer.casting_id)
    assert second.json()["data"]["review"]["casting_id"] == str(older.casting_id)
    assert_error(third, 409, "DUPLICATE_RESOURCE")
    studio.refresh_from_db()
    assert (studio.rating, studio.reviews_count) == (Decimal("3.50"), 2)


def _no_response(studio, model_profile):
    CastingFactory(owner=studio.user, shoot_date=PAST)
    return {}


def _pending(studio, model_profile):
    ResponseFactory(
        casting=CastingFactory(owner=studio.user, shoot_date=PAST), model_profile=model_profile
    )
    return {}


def _shoot_to_come(studio, model_profile):
    accepted(studio, model_profile, shoot_date=FUTURE)
    return {}


def _cancelled(studio, model_profile):
    accepted(studio, model_profile, status=CastingStatus.CANCELLED)
    return {}


def _other_employers_casting(studio, model_profile):
    elsewhere = accepted(EmployerProfileFactory(), model_profile)
    accepted(studio, model_profile)
    return {"casting_id": str(elsewhere.casting_id)}


def _reviewed_already(studio, model_profile):
    response = accepted(studio, model_profile)
    EmployerReview.objects.create(
        employer=studio, casting=response.casting, author=model_profile.user, rating=3
    )
    return {"casting_id": str(response.casting_id)}


@pytest.mark.parametrize(
    ("given", "status", "code"),
    [
        (_no_response, 403, "PERMISSION_DENIED"),
        (_pending, 403, "PERMISSION_DENIED"),
        (_cancelled, 403, "PERMISSION_DENIED"),
        (_other_employers_casting, 403, "PERMISSION_DENIED"),
        (_shoot_to_come, 422, "INVALID_STATE"),
        (_reviewed_already, 409, "DUPLICATE_RESOURCE"),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_ineligible_reviews_are_refused_and_nothing_changes(
    auth_client, studio, model_profile, given, status, code
):
    extra = given(studio, model_profile)
    before = EmployerReview.objects.count()

    answer = auth_client(model_profile.user).post(
        reviews_url(studio), {"rating": 1, **extra}, format="json"
    )

    assert_error(answer, status, code)
    assert EmployerReview.objects.count() == before
    studio.refresh_from_db()
    assert studio.reviews_count == 0


def test_review_input_auth_role_and_target(auth_client, api_client, studio, model_profile):
    accepted(studio, model_profile)
    model = auth_client(model_profile.user)

    invalid = model.post(reviews_url(studio), {"rating": 6, "comment": "x" * 2001}, format="json")
    anonymous = api_client.post(reviews_url(studio), {"rating": 5}, format="json")
    employer = auth_client(EmployerProfileFactory().user).post(
        reviews_url(studio), {"rating": 5}, format="json"
    )
    unknown = model.post(
        reverse("castings:employer-review-list", args=["0" * 32]), {"rating": 5}, format="json"
    )

    assert set(assert_error(invalid, 400, "VALIDATION_ERROR")["details"]) == {"rating", "comment"}
    assert_error(anonymous, 401, "AUTH_REQUIRED")
    assert_error(employer, 403, "PERMISSION_DENIED")
    assert_error(unknown, 404, "NOT_FOUND")
    assert not EmployerReview.objects.exists()


def test_review_list_is_public_with_a_fixed_query_count(
    api_client, studio, django_assert_max_num_queries
):
    for rating in (5, 4, 3):
        author = ModelProfileFactory()
        response = accepted(studio, author)
        EmployerReview.objects.create(
            employer=studio, casting=response.casting, author=author.user, rating=rating
        )

    with django_assert_max_num_queries(4):
        one = api_client.get(reviews_url(studio), {"limit": 1})
    with django_assert_max_num_queries(4):
        three = api_client.get(reviews_url(studio), {"limit": 3})

    assert len(one.json()["data"]["reviews"]) == 1
    assert [row["rating"] for row in three.json()["data"]["reviews"]] == [3, 4, 5]


# ---------------------------------------------------------------------------------------------
# answered_at and the nightly rollup
# ---------------------------------------------------------------------------------------------
def test_the_first_answer_is_kept_by_later_moves(studio):
    single = ResponseFactory(casting=CastingFactory(owner=studio.user))
    bulk = ResponseFactory(casting=single.casting)

    response_change_status(response=single, status="shortlisted")
    first = type(single).objects.get(pk=single.pk).answered_at
    response_change_status(response=single, status="accepted")
    response_bulk_change_status(casting=single.casting, response_ids=[bulk.id], status="rejected")

    assert type(single).objects.get(pk=single.pk).answered_at == first
    assert type(bulk).objects.get(pk=bulk.pk).answered_at is not None


def _response(casting, *, applied_days_ago, answered_after=None, status=None, seconds=0):
    applied = NOW - timedelta(days=applied_days_ago, seconds=seconds)
    answered = None if answered_after is None else applied + answered_after
    default = ResponseStatus.ACCEPTED if answered else ResponseStatus.PENDING
    return ResponseFactory(
        casting=casting, applied_at=applied, answered_at=answered, status=status or default
    )


def test_rollup_against_a_hand_computed_fixture(django_assert_max_num_queries):
    studio, quiet = EmployerProfileFactory(), EmployerProfileFactory()
    live = CastingFactory(owner=studio.user, published_at=NOW - timedelta(days=95))
    CastingFactory(owner=studio.user, published_at=NOW, status=CastingStatus.COMPLETED)
    CastingFactory(owner=studio.user, status=CastingStatus.DRAFT)  # never posted
    CastingFactory(owner=studio.user, published_at=NOW, deleted_at=NOW)  # removed
    week = timedelta(days=7)
    _response(live, applied_days_ago=10, answered_after=week)  # exactly 7 days: in time
    _response(live, applied_days_ago=10, answered_after=week + timedelta(seconds=1))  # late
    _response(live, applied_days_ago=20)  # never answered: judged, not answered
    _response(live, applied_days_ago=3)  # pending, 7 days not over: not judged
    _response(live, applied_days_ago=2, answered_after=timedelta(days=1))  # in time
    _response(live, applied_days_ago=90, answered_after=timedelta(days=1))  # window edge: in
    _response(live, applied_days_ago=90, seconds=1, answered_after=timedelta(days=1))  # out
    _response(live, applied_days_ago=30, status=ResponseStatus.WITHDRAWN)  # not judged

    with django_assert_max_num_queries(5):
        written = employer_stats_rollup(now=NOW)

    assert written == 2
    studio.refresh_from_db()
    quiet.refresh_from_db()
    # judged 5 (in time, late, never, in time, edge), answered in time 3 → 0.60
    assert (studio.castings_posted, studio.response_rate) == (2, Decimal("0.60"))
    assert studio.stats_updated_at == NOW
    assert (quiet.castings_posted, quiet.response_rate) == (0, None)


def test_rollup_in_small_batches_writes_the_same_figures():
    studios = [EmployerProfileFactory() for _ in range(3)]
    for studio in studios:
        casting = CastingFactory(owner=studio.user, published_at=NOW)
        _response(casting, applied_days_ago=9, answered_after=timedelta(days=1))

    written = employer_stats_rollup(now=NOW, batch_size=2)

    assert written == 3
    assert set(EmployerProfile.objects.values_list("castings_posted", "response_rate")) == {
        (1, Decimal("1.00"))
    }
