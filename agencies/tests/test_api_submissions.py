"""An agency submits models of its roster to castings: counted on the agency's plan, the model
notified, the casting owner sees `submitted_by`; models outside the roster are refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.tests.helpers import assert_error
from billing.models import ResponseUsage
from castings.models import Response
from castings.tests.factories import CastingFactory, ModelProfileFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def submit(client, casting, profile, message="A great fit"):
    return client.post(
        reverse("castings:casting-responses", args=[casting.id]),
        {"model_id": str(profile.id), "message": message},
        format="json",
    )


def test_agency_submits_a_roster_model(
    auth_client, agency, employer, model_profile, link, django_capture_on_commit_callbacks
):
    link(agency, model_profile)
    casting = CastingFactory(owner=employer)

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(auth_client(agency), casting, model_profile)

    assert response.status_code == 201, response.content
    data = response.json()["data"]["response"]
    assert data["casting_id"] == str(casting.id) and data["status"] == "pending"
    stored = Response.objects.get()
    assert stored.model_profile_id == model_profile.id
    assert stored.submitted_by_id == agency.id
    # Counted on the agency's plan, not the model's.
    assert ResponseUsage.objects.get(user=agency).used == 1
    assert not ResponseUsage.objects.filter(user=model_profile.user).exists()
    note = Notification.objects.get(user=model_profile.user)
    assert note.type == "agency_submission"
    assert note.data["agency_name"] == "Silk Road Models"
    assert note.data["casting_title"] == casting.title
    assert Notification.objects.get(user=employer).type == "new_response"


def test_casting_owner_sees_who_submitted(auth_client, agency, employer, model_profile, link):
    link(agency, model_profile)
    casting = CastingFactory(owner=employer)
    submit(auth_client(agency), casting, model_profile)
    own = ModelProfileFactory()
    auth_client(own.user).post(
        reverse("castings:casting-responses", args=[casting.id]), {}, format="json"
    )

    body = auth_client(employer).get(reverse("castings:casting-responses", args=[casting.id]))

    by_model = {item["applicant"]["id"]: item for item in body.json()["data"]["responses"]}
    assert by_model[str(model_profile.id)]["submitted_by"] == {
        "id": str(agency.id),
        "company_name": "Silk Road Models",
        "avatar": None,
    }
    assert by_model[str(own.id)]["submitted_by"] is None


def test_a_model_outside_the_roster_is_refused(auth_client, agency, other_agency, link):
    stranger = ModelProfileFactory()
    elsewhere = ModelProfileFactory()
    link(other_agency, elsewhere)
    casting = CastingFactory()
    client = auth_client(agency)

    assert_error(submit(client, casting, stranger), 403, "PERMISSION_DENIED")
    assert_error(submit(client, casting, elsewhere), 403, "PERMISSION_DENIED")
    assert not Response.objects.exists()
    assert not ResponseUsage.objects.filter(user=agency, used__gt=0).exists()


def test_only_agencies_submit_on_behalf(auth_client, employer, model_profile):
    casting = CastingFactory()

    assert_error(submit(auth_client(employer), casting, model_profile), 403, "PERMISSION_DENIED")
    other_model = ModelProfileFactory().user
    assert_error(submit(auth_client(other_model), casting, model_profile), 403, "PERMISSION_DENIED")
    assert not Response.objects.exists()


def test_the_agency_plan_limit_applies(auth_client, agency, link):
    client = auth_client(agency)
    profiles = [ModelProfileFactory() for _ in range(4)]
    for profile in profiles:
        link(agency, profile)
    for profile in profiles[:3]:  # FREE: 3 responses a month
        assert submit(client, CastingFactory(), profile).status_code == 201

    error = assert_error(submit(client, CastingFactory(), profiles[3]), 403, "SUBSCRIPTION_LIMIT")

    assert error["details"] == {"limit": 3, "used": 3, "plan": "FREE"}
    assert Response.objects.count() == 3


def test_a_model_submitted_twice_is_409(auth_client, agency, model_profile, link):
    link(agency, model_profile)
    casting = CastingFactory()
    client = auth_client(agency)
    submit(client, casting, model_profile)

    assert_error(submit(client, casting, model_profile), 409, "DUPLICATE_RESOURCE")
    assert_error(
        auth_client(model_profile.user).post(
            reverse("castings:casting-responses", args=[casting.id]), {}, format="json"
        ),
        409,
        "DUPLICATE_RESOURCE",
    )
    assert ResponseUsage.objects.get(user=agency).used == 1


def test_submit_validates_model_id(auth_client, agency):
    casting = CastingFactory()

    error = assert_error(
        auth_client(agency).post(
            reverse("castings:casting-responses", args=[casting.id]),
            {"model_id": "nope"},
            format="json",
        ),
        400,
        "VALIDATION_ERROR",
    )
    assert set(error["details"]) == {"model_id"}
