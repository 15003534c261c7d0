from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from castings.models import Casting, CastingStatus, SavedCasting
from castings.tests.factories import (
    CastingFactory,
    ModelProfileFactory,
    ResponseFactory,
    SavedCastingFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("castings:casting-list")
MY = reverse("castings:casting-my")
SAVED = reverse("castings:casting-saved")


def detail(casting) -> str:
    return reverse("castings:casting-detail", args=[casting.id])


def status_url(casting) -> str:
    return reverse("castings:casting-status", args=[casting.id])


def save_url(casting) -> str:
    return reverse("castings:casting-save", args=[casting.id])


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    return body["error"]


# ------------------------------------------------------------------------------------------
# POST /castings
# ------------------------------------------------------------------------------------------
def test_employer_posts_a_casting(auth_client, employer, casting_body):
    response = auth_client(employer).post(LIST, casting_body, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "success"
    casting = body["data"]["casting"]
    stored = Casting.objects.get(id=casting["id"])
    assert casting == {
        "id": str(stored.id),
        "title": "Fashion Editorial Shoot",
        "description": casting_body["description"],
        "category": "fashion",
        "city": "Almaty",
        "address": "Dostyk Avenue 123",
        "shoot_date": casting_body["shoot_date"],
        "duration_days": 1,
        "pay_min": 50000,
        "pay_max": 100000,
        "status": "active",
        "review_note": None,
        "requirements": {
            "gender": "female",
            "min_age": 18,
            "max_age": 30,
            "min_height": 170,
            "max_height": 185,
            "experience": "experienced",
        },
        "creator": {
            "id": str(employer.id),
            "company_name": employer.employer_profile.company_name,
            "avatar": None,
        },
        "responses_count": 0,
        "created_at": stored.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": stored.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert stored.owner_id == employer.id
    assert stored.required_gender == "female"
    assert stored.ends_at == stored.shoot_date + timedelta(days=1)
    assert stored.published_at is not None


def test_agency_posts_a_draft_with_minimal_body(auth_client, casting_body):
    from castings.tests.factories import EmployerProfileFactory

    agency = EmployerProfileFactory(user=UserFactory(role="agency")).user
    body = {key: casting_body[key] for key in ("title", "description", "category", "city")}
    body.update(shoot_date=casting_body["shoot_date"], status="draft")

    response = auth_client(agency).post(LIST, body, format="json")

    assert response.status_code == 201, response.content
    casting = response.json()["data"]["casting"]
    assert casting["status"] == "draft"
    assert casting["requirements"] == {
        "gender": None,
        "min_age": None,
        "max_age": None,
        "min_height": None,
        "max_height": None,
        "experience": None,
    }
    assert casting["pay_min"] is None and casting["address"] == ""
    assert casting["duration_days"] == 1


def test_post_casting_requires_authentication(api_client, casting_body):
    response = api_client.post(LIST, casting_body, format="json")

    assert_error(response, 401, "AUTH_REQUIRED")
    assert not Casting.objects.exists()


def test_model_cannot_post_a_casting(auth_client, model_user, casting_body):
    response = auth_client(model_user).post(LIST, casting_body, format="json")

    assert_error(response, 403, "PERMISSION_DENIED")
    assert not Casting.objects.exists()


def test_employer_without_profile_gets_profile_required(auth_client, casting_body):
    employer = UserFactory(role="employer")

    response = auth_client(employer).post(LIST, casting_body, format="json")

    assert_error(response, 403, "PROFILE_REQUIRED")
    assert not Casting.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "Shot"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": None}, "title"),
        ({"description": ""}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"category": "sports"}, "category"),
        ({"city": ""}, "city"),
        ({"shoot_date": "2020-01-01T10:00:00Z"}, "shoot_date"),
        ({"shoot_date": "tomorrow"}, "shoot_date"),
        ({"duration_days": 0}, "duration_days"),
        ({"duration_days": 366}, "duration_days"),
        ({"pay_min": -1}, "pay_min"),
        ({"pay_min": 100, "pay_max": 99}, "pay_max"),
        ({"status": "completed"}, "status"),
        ({"requirements": {"gender": "robot"}}, "requirements.gender"),
        ({"requirements": {"min_age": 17}}, "requirements.min_age"),
        ({"requirements": {"max_age": 100}}, "requirements.max_age"),
        ({"requirements": {"min_age": 30, "max_age": 20}}, "requirements.max_age"),
        ({"requirements": {"min_height": 99}}, "requirements.min_height"),
        ({"requirements": {"min_height": 190, "max_height": 180}}, "requirements.max_height"),
        ({"requirements": {"experience": "guru"}}, "requirements.experience"),
    ],
)
def test_post_casting_validation(auth_client, employer, casting_body, change, field):
    casting_body.update(change)

    response = auth_client(employer).post(LIST, casting_body, format="json")

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["details"], error
    assert not Casting.objects.exists()


def test_post_casting_missing_fields_are_named(auth_client, employer):
    response = auth_client(employer).post(LIST, {}, format="json")

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert set(error["details"]) == {"title", "description", "category", "city", "shoot_date"}


# ------------------------------------------------------------------------------------------
# GET /castings and /castings/:id — visibility
# ------------------------------------------------------------------------------------------
def test_public_list_shows_active_castings_only(api_client):
    active = CastingFactory()
    CastingFactory(status=CastingStatus.DRAFT)
    CastingFactory(status=CastingStatus.COMPLETED)
    CastingFactory(status=CastingStatus.CANCELLED)
    CastingFactory(is_hidden=True)
    CastingFactory(deleted_at=timezone.now())

    response = api_client.get(LIST)

    assert response.status_code == 200
    body = response.json()["data"]
    assert [c["id"] for c in body["castings"]] == [str(active.id)]
    assert body["pagination"] == {"total": 1, "limit": 20, "offset": 0, "has_more": False}


@pytest.mark.parametrize("status", ["completed", "cancelled", "active"])
def test_public_list_status_filter(api_client, status):
    wanted = CastingFactory(status=status)
    CastingFactory(status="active" if status != "active" else "completed")

    response = api_client.get(LIST, {"status": status})

    assert [c["id"] for c in response.json()["data"]["castings"]] == [str(wanted.id)]


def test_drafts_never_in_public_list_even_for_the_owner(auth_client, employer):
    CastingFactory(owner=employer, status=CastingStatus.DRAFT)

    response = auth_client(employer).get(LIST, {"status": "draft"})

    assert response.status_code == 200
    assert response.json()["data"]["castings"] == []


def test_public_list_rejects_bad_parameters(api_client):
    response = api_client.get(
        LIST, {"status": "gone", "min_age": "old", "category": "x", "limit": "-1"}
    )

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert {"status", "min_age", "category"} <= set(error["details"])


def test_list_carries_responses_count_without_withdrawn(api_client):
    casting = CastingFactory()
    ResponseFactory(casting=casting)
    ResponseFactory(casting=casting, status="accepted")
    ResponseFactory(casting=casting, status="withdrawn")

    response = api_client.get(LIST)

    assert response.json()["data"]["castings"][0]["responses_count"] == 2


def test_detail_public_and_drafts_only_for_the_owner(api_client, auth_client, employer):
    active = CastingFactory()
    draft = CastingFactory(owner=employer, status=CastingStatus.DRAFT)
    stranger = ModelProfileFactory().user

    assert api_client.get(detail(active)).json()["data"]["casting"]["id"] == str(active.id)
    assert_error(api_client.get(detail(draft)), 404, "NOT_FOUND")
    assert_error(auth_client(stranger).get(detail(draft)), 404, "NOT_FOUND")
    owner_view = auth_client(employer).get(detail(draft))
    assert owner_view.status_code == 200
    assert owner_view.json()["data"]["casting"]["status"] == "draft"


def test_detail_of_a_draft_is_not_for_another_employer(auth_client, employer, other_employer):
    draft = CastingFactory(owner=employer, status=CastingStatus.DRAFT)

    # Both are employers: the card query compiled for the first caller serves the second.
    assert auth_client(employer).get(detail(draft)).status_code == 200
    assert_error(auth_client(other_employer).get(detail(draft)), 404, "NOT_FOUND")
    assert auth_client(employer).get(detail(draft)).status_code == 200


def test_detail_completed_is_public_hidden_and_deleted_are_not(api_client, auth_client):
    completed = CastingFactory(status=CastingStatus.COMPLETED)
    hidden = CastingFactory(is_hidden=True)
    deleted = CastingFactory(deleted_at=timezone.now())

    assert api_client.get(detail(completed)).status_code == 200
    assert_error(api_client.get(detail(hidden)), 404, "NOT_FOUND")
    assert auth_client(hidden.owner).get(detail(hidden)).status_code == 200
    assert_error(auth_client(deleted.owner).get(detail(deleted)), 404, "NOT_FOUND")
    assert_error(api_client.get(f"{LIST}/{uuid.uuid4()}"), 404, "NOT_FOUND")


def test_castings_of_banned_owners_disappear(api_client, auth_client, model_user):
    casting = CastingFactory()
    User = type(casting.owner)
    User.objects.filter(id=casting.owner_id).update(is_active=False)

    assert api_client.get(LIST).json()["data"]["castings"] == []
    assert_error(api_client.get(detail(casting)), 404, "NOT_FOUND")
    assert_error(
        auth_client(model_user).post(reverse("castings:casting-responses", args=[casting.id])),
        404,
        "NOT_FOUND",
    )


def test_trailing_slash_works(api_client):
    CastingFactory()

    assert api_client.get(f"{LIST}/").status_code == 200


# ------------------------------------------------------------------------------------------
# PUT /castings/:id
# ------------------------------------------------------------------------------------------
def test_owner_updates_partially(auth_client, employer):
    casting = CastingFactory(owner=employer, min_age=20, max_age=30)

    response = auth_client(employer).put(
        detail(casting),
        {"title": "New and better title", "requirements": {"max_age": 35}, "pay_max": 120000},
        format="json",
    )

    assert response.status_code == 200, response.content
    data = response.json()["data"]["casting"]
    assert data["title"] == "New and better title"
    assert data["requirements"]["min_age"] == 20
    assert data["requirements"]["max_age"] == 35
    casting.refresh_from_db()
    assert (casting.title, casting.max_age, casting.pay_max) == ("New and better title", 35, 120000)
    assert casting.description == "Looking for models for a photo shoot."


def test_update_recomputes_end_and_can_clear_a_requirement(auth_client, employer):
    casting = CastingFactory(owner=employer, required_gender="male")
    new_date = timezone.now() + timedelta(days=40)

    response = auth_client(employer).put(
        detail(casting),
        {
            "shoot_date": new_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_days": 3,
            "requirements": {"gender": None},
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    casting.refresh_from_db()
    assert casting.required_gender is None
    assert casting.ends_at == casting.shoot_date + timedelta(days=3)


def test_update_checks_ranges_against_stored_values(auth_client, employer):
    casting = CastingFactory(owner=employer, min_age=25, pay_min=50000, pay_max=100000)

    response = auth_client(employer).put(
        detail(casting), {"requirements": {"max_age": 20}, "pay_max": 10}, format="json"
    )

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert set(error["details"]) == {"requirements.max_age", "pay_max"}
    casting.refresh_from_db()
    assert casting.max_age is None and casting.pay_max == 100000


def test_update_rejects_past_shoot_date_short_title_and_status(auth_client, employer):
    casting = CastingFactory(owner=employer)

    response = auth_client(employer).put(
        detail(casting),
        {"shoot_date": "2021-01-01T00:00:00Z", "title": "abc", "status": "draft"},
        format="json",
    )

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert set(error["details"]) == {"shoot_date", "title", "status"}
    casting.refresh_from_db()
    assert casting.status == "active"


def test_non_owner_cannot_update(auth_client, api_client, employer, other_employer):
    casting = CastingFactory(owner=employer)
    draft = CastingFactory(owner=employer, status=CastingStatus.DRAFT)
    model = ModelProfileFactory().user

    assert_error(
        auth_client(other_employer).put(detail(casting), {"title": "Hijacked!"}, format="json"),
        403,
        "PERMISSION_DENIED",
    )
    assert_error(
        auth_client(model).put(detail(casting), {"title": "Hijacked!"}, format="json"),
        403,
        "PERMISSION_DENIED",
    )
    assert_error(
        auth_client(other_employer).put(detail(draft), {"title": "Hijacked!"}, format="json"),
        404,
        "NOT_FOUND",
    )
    assert_error(
        api_client.put(detail(casting), {"title": "Hijacked!"}, format="json"),
        401,
        "AUTH_REQUIRED",
    )
    casting.refresh_from_db()
    draft.refresh_from_db()
    assert casting.title != "Hijacked!" and draft.title != "Hijacked!"


@pytest.mark.parametrize("status", [CastingStatus.COMPLETED, CastingStatus.CANCELLED])
def test_finished_castings_cannot_be_edited(auth_client, employer, status):
    casting = CastingFactory(owner=employer, status=status)

    response = auth_client(employer).put(detail(casting), {"title": "Another title"}, format="json")

    assert_error(response, 422, "INVALID_STATE")
    casting.refresh_from_db()
    assert casting.title != "Another title"


# ------------------------------------------------------------------------------------------
# PATCH /castings/:id/status
# ------------------------------------------------------------------------------------------
ALLOWED = [
    ("draft", "active"),
    ("draft", "cancelled"),
    ("active", "completed"),
    ("active", "cancelled"),
]
ALL_STATUSES = ["draft", "active", "completed", "cancelled"]
REFUSED = [(old, new) for old in ALL_STATUSES for new in ALL_STATUSES if (old, new) not in ALLOWED]


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_allowed_status_transitions(auth_client, employer, old, new):
    casting = CastingFactory(owner=employer, status=old)

    response = auth_client(employer).patch(status_url(casting), {"status": new}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["casting"]["status"] == new
    casting.refresh_from_db()
    assert casting.status == new


@pytest.mark.parametrize(("old", "new"), REFUSED)
def test_refused_status_transitions(auth_client, employer, old, new):
    casting = CastingFactory(owner=employer, status=old)

    response = auth_client(employer).patch(status_url(casting), {"status": new}, format="json")

    assert_error(response, 422, "INVALID_STATE")
    casting.refresh_from_db()
    assert casting.status == old


def test_draft_with_past_shoot_date_cannot_be_published(auth_client, employer):
    casting = CastingFactory(
        owner=employer, status="draft", shoot_date=timezone.now() - timedelta(days=1)
    )

    response = auth_client(employer).patch(status_url(casting), {"status": "active"}, format="json")

    assert_error(response, 422, "INVALID_STATE")


def test_status_change_validation_and_permissions(
    auth_client, api_client, employer, other_employer
):
    casting = CastingFactory(owner=employer)
    draft = CastingFactory(owner=employer, status="draft")

    error = assert_error(
        auth_client(employer).patch(status_url(casting), {"status": "gone"}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert "status" in error["details"]
    assert_error(
        auth_client(other_employer).patch(status_url(casting), {"status": "cancelled"}),
        403,
        "PERMISSION_DENIED",
    )
    assert_error(
        auth_client(other_employer).patch(status_url(draft), {"status": "active"}),
        404,
        "NOT_FOUND",
    )
    assert_error(
        api_client.patch(status_url(casting), {"status": "cancelled"}), 401, "AUTH_REQUIRED"
    )
    casting.refresh_from_db()
    draft.refresh_from_db()
    assert (casting.status, draft.status) == ("active", "draft")


# ------------------------------------------------------------------------------------------
# DELETE /castings/:id
# ------------------------------------------------------------------------------------------
def test_owner_deletes_a_casting(auth_client, api_client, employer):
    casting = CastingFactory(owner=employer)

    response = auth_client(employer).delete(detail(casting))

    assert response.status_code == 204
    assert response.content == b""
    assert_error(api_client.get(detail(casting)), 404, "NOT_FOUND")
    assert api_client.get(LIST).json()["data"]["castings"] == []
    assert_error(auth_client(employer).delete(detail(casting)), 404, "NOT_FOUND")


def test_non_owner_cannot_delete(auth_client, api_client, employer, other_employer):
    casting = CastingFactory(owner=employer)
    draft = CastingFactory(owner=employer, status="draft")

    assert_error(auth_client(other_employer).delete(detail(casting)), 403, "PERMISSION_DENIED")
    assert_error(auth_client(other_employer).delete(detail(draft)), 404, "NOT_FOUND")
    assert_error(api_client.delete(detail(casting)), 401, "AUTH_REQUIRED")
    assert Casting.objects.alive().count() == 2


# ------------------------------------------------------------------------------------------
# GET /castings/my
# ------------------------------------------------------------------------------------------
def test_my_castings_include_drafts_and_filter_by_status(auth_client, employer):
    draft = CastingFactory(owner=employer, status="draft")
    active = CastingFactory(owner=employer)
    CastingFactory()  # someone else's
    CastingFactory(owner=employer, deleted_at=timezone.now())

    response = auth_client(employer).get(MY)

    assert response.status_code == 200
    ids = [c["id"] for c in response.json()["data"]["castings"]]
    assert ids == [str(active.id), str(draft.id)]
    drafts = auth_client(employer).get(MY, {"status": "draft"}).json()["data"]["castings"]
    assert [c["id"] for c in drafts] == [str(draft.id)]


def test_my_castings_refuses_models_and_anonymous(auth_client, api_client, model_user):
    assert_error(auth_client(model_user).get(MY), 403, "PERMISSION_DENIED")
    assert_error(api_client.get(MY), 401, "AUTH_REQUIRED")


def test_my_castings_bad_status(auth_client, employer):
    assert_error(auth_client(employer).get(MY, {"status": "nope"}), 400, "VALIDATION_ERROR")


# ------------------------------------------------------------------------------------------
# Saved castings
# ------------------------------------------------------------------------------------------
def test_save_then_again_then_list_then_delete(auth_client, model_user):
    casting = CastingFactory()
    client = auth_client(model_user)

    first = client.post(save_url(casting))
    again = client.post(save_url(casting))

    assert first.status_code == 201
    assert first.json()["data"]["saved"]["casting_id"] == str(casting.id)
    assert again.status_code == 200
    assert SavedCasting.objects.filter(user=model_user).count() == 1
    listed = client.get(SAVED).json()["data"]
    assert [c["id"] for c in listed["castings"]] == [str(casting.id)]
    assert listed["pagination"]["total"] == 1

    removed = client.delete(save_url(casting))

    assert removed.status_code == 204
    assert not SavedCasting.objects.exists()
    assert client.delete(save_url(casting)).status_code == 204


def test_saved_list_hides_what_became_invisible(auth_client, model_user):
    visible = SavedCastingFactory(user=model_user).casting
    hidden = SavedCastingFactory(user=model_user).casting
    Casting.objects.filter(id=hidden.id).update(is_hidden=True)

    response = auth_client(model_user).get(SAVED)

    assert [c["id"] for c in response.json()["data"]["castings"]] == [str(visible.id)]


def test_cannot_save_an_invisible_casting(auth_client, api_client, model_user):
    draft = CastingFactory(status="draft")

    assert_error(auth_client(model_user).post(save_url(draft)), 404, "NOT_FOUND")
    assert_error(api_client.post(save_url(draft)), 401, "AUTH_REQUIRED")
    assert_error(api_client.get(SAVED), 401, "AUTH_REQUIRED")
    assert not SavedCasting.objects.exists()
