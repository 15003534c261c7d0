"""Agency roster: invitations (lifecycle, single-agency rule), ending the link, the roster list
with the catalogue's filters, the public profile's `agency`, photo consent."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AgencyInvitation, InvitationStatus, RosterMembership
from agencies.tests.helpers import assert_error, url
from castings.tests.factories import ModelProfileFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def invite(client, profile, **extra):
    return client.post(
        url("invitation-list"), {"model_id": str(profile.id), **extra}, format="json"
    )


# --- POST /agency/invitations -----------------------------------------------------------------
def test_agency_invites_a_model_who_is_notified(
    auth_client, agency, model_profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(auth_client(agency), model_profile, message="Join us")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "success"
    invitation = body["data"]["invitation"]
    assert invitation["status"] == "pending"
    assert invitation["message"] == "Join us"
    assert invitation["agency"] == {
        "id": str(agency.employer_profile.id),
        "user_id": str(agency.id),
        "company_name": "Silk Road Models",
    }
    assert invitation["model"]["id"] == str(model_profile.id)
    assert invitation["responded_at"] is None
    note = Notification.objects.get(user=model_profile.user)
    assert note.type == "agency_invitation"
    assert note.data["agency_name"] == "Silk Road Models"


def test_invite_validates_the_body(auth_client, agency):
    error = assert_error(
        auth_client(agency).post(url("invitation-list"), {"model_id": "x"}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert set(error["details"]) == {"model_id"}


def test_invite_needs_a_token(api_client, model_profile):
    assert_error(invite(api_client, model_profile), 401, "AUTH_REQUIRED")


@pytest.mark.parametrize("who", ["model", "employer"])
def test_only_agencies_invite(auth_client, employer, model_profile, who):
    caller = ModelProfileFactory().user if who == "model" else employer

    assert_error(invite(auth_client(caller), model_profile), 403, "PERMISSION_DENIED")
    assert not AgencyInvitation.objects.exists()


def test_agency_without_profile_cannot_invite(auth_client, make_user, model_profile):
    assert_error(
        invite(auth_client(make_user(role="agency")), model_profile), 403, "PROFILE_REQUIRED"
    )


def test_inviting_an_unknown_or_hidden_model_is_404(auth_client, agency):
    hidden = ModelProfileFactory(is_hidden=True)
    client = auth_client(agency)

    assert_error(invite(client, hidden), 404, "NOT_FOUND")
    assert_error(
        client.post(url("invitation-list"), {"model_id": str(uuid.uuid4())}, format="json"),
        404,
        "NOT_FOUND",
    )


def test_a_second_pending_invitation_is_409(auth_client, agency, model_profile):
    client = auth_client(agency)
    assert invite(client, model_profile).status_code == 201

    assert_error(invite(client, model_profile), 409, "DUPLICATE_RESOURCE")
    assert AgencyInvitation.objects.count() == 1


# --- GET /agency/invitations ------------------------------------------------------------------
def test_model_sees_received_and_agency_sees_sent(auth_client, agency, other_agency):
    mine, someone_else = ModelProfileFactory(), ModelProfileFactory()
    invite(auth_client(agency), mine)
    invite(auth_client(other_agency), someone_else)

    as_model = auth_client(mine.user).get(url("invitation-list")).json()["data"]
    as_agency = auth_client(agency).get(url("invitation-list")).json()["data"]

    assert [item["model"]["id"] for item in as_model["invitations"]] == [str(mine.id)]
    assert [item["model"]["id"] for item in as_agency["invitations"]] == [str(mine.id)]
    assert as_agency["pagination"] == {"total": 1, "limit": 20, "offset": 0, "has_more": False}


def test_invitation_list_filters_by_status(auth_client, agency):
    first, second = ModelProfileFactory(), ModelProfileFactory()
    client = auth_client(agency)
    invite(client, first)
    declined_id = invite(client, second).json()["data"]["invitation"]["id"]
    auth_client(second.user).post(url("invitation-decline", declined_id))

    body = client.get(url("invitation-list"), {"status": "declined"}).json()["data"]

    assert [item["id"] for item in body["invitations"]] == [declined_id]
    assert_error(client.get(url("invitation-list"), {"status": "x"}), 400, "VALIDATION_ERROR")


# --- accept / decline -------------------------------------------------------------------------
def test_model_accepts_and_joins_the_roster(
    auth_client, api_client, agency, model_profile, django_capture_on_commit_callbacks
):
    invitation_id = invite(auth_client(agency), model_profile).json()["data"]["invitation"]["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(model_profile.user).post(url("invitation-accept", invitation_id))

    assert response.status_code == 200, response.content
    assert response.json()["data"]["invitation"]["status"] == "accepted"
    assert response.json()["data"]["invitation"]["responded_at"] is not None
    link = RosterMembership.objects.get(model_profile=model_profile)
    assert link.agency_id == agency.id and link.photo_consent is False
    note = Notification.objects.get(user=agency)
    assert note.type == "agency_invitation_answered" and note.data["status"] == "accepted"
    public = api_client.get(reverse("profiles:model-detail", args=[model_profile.id])).json()
    assert public["data"]["model"]["agency"] == {
        "id": str(agency.employer_profile.id),
        "user_id": str(agency.id),
        "company_name": "Silk Road Models",
    }


def test_model_declines(auth_client, agency, model_profile):
    invitation_id = invite(auth_client(agency), model_profile).json()["data"]["invitation"]["id"]

    response = auth_client(model_profile.user).post(url("invitation-decline", invitation_id))

    assert response.status_code == 200
    assert response.json()["data"]["invitation"]["status"] == "declined"
    assert not RosterMembership.objects.exists()


def test_an_answered_invitation_cannot_be_answered_again(auth_client, agency, model_profile):
    invitation_id = invite(auth_client(agency), model_profile).json()["data"]["invitation"]["id"]
    client = auth_client(model_profile.user)
    client.post(url("invitation-decline", invitation_id))

    assert_error(client.post(url("invitation-accept", invitation_id)), 422, "INVALID_STATE")
    assert not RosterMembership.objects.exists()


def test_only_the_invited_model_answers(auth_client, agency, model_profile):
    invitation_id = invite(auth_client(agency), model_profile).json()["data"]["invitation"]["id"]
    stranger = ModelProfileFactory().user

    assert_error(
        auth_client(agency).post(url("invitation-accept", invitation_id)), 403, "PERMISSION_DENIED"
    )
    assert_error(
        auth_client(stranger).post(url("invitation-accept", invitation_id)), 404, "NOT_FOUND"
    )
    assert_error(
        auth_client(stranger).post(url("invitation-decline", invitation_id)), 404, "NOT_FOUND"
    )
    assert AgencyInvitation.objects.get(id=invitation_id).status == InvitationStatus.PENDING
    assert not RosterMembership.objects.exists()


def test_agency_withdraws_a_pending_invitation(auth_client, agency, model_profile):
    invitation_id = invite(auth_client(agency), model_profile).json()["data"]["invitation"]["id"]

    assert_error(
        auth_client(model_profile.user).delete(url("invitation-detail", invitation_id)),
        403,
        "PERMISSION_DENIED",
    )
    response = auth_client(agency).delete(url("invitation-detail", invitation_id))

    assert response.status_code == 204
    assert AgencyInvitation.objects.get(id=invitation_id).status == InvitationStatus.CANCELLED


# --- single agency ----------------------------------------------------------------------------
def test_a_represented_model_cannot_be_invited_by_another_agency(
    auth_client, agency, other_agency, model_profile, link
):
    link(agency, model_profile)

    assert_error(invite(auth_client(other_agency), model_profile), 409, "DUPLICATE_RESOURCE")
    assert_error(invite(auth_client(agency), model_profile), 409, "DUPLICATE_RESOURCE")


def test_accepting_a_second_agency_is_refused(auth_client, agency, other_agency, model_profile):
    first = invite(auth_client(agency), model_profile).json()["data"]["invitation"]["id"]
    second = invite(auth_client(other_agency), model_profile).json()["data"]["invitation"]["id"]
    client = auth_client(model_profile.user)
    assert client.post(url("invitation-accept", first)).status_code == 200

    assert_error(client.post(url("invitation-accept", second)), 409, "DUPLICATE_RESOURCE")
    assert AgencyInvitation.objects.get(id=second).status == InvitationStatus.PENDING
    assert RosterMembership.objects.get().agency_id == agency.id


def test_the_database_holds_one_agency_per_model(agency, other_agency, model_profile, link):
    link(agency, model_profile)

    with pytest.raises(IntegrityError), transaction.atomic():
        RosterMembership.objects.create(agency=other_agency, model_profile=model_profile)


# --- DELETE /agency/models/:model_id ----------------------------------------------------------
@pytest.mark.parametrize("side", ["agency", "model"])
def test_either_side_ends_the_link(
    auth_client, agency, model_profile, link, side, django_capture_on_commit_callbacks
):
    link(agency, model_profile)
    caller = agency if side == "agency" else model_profile.user
    other = model_profile.user if side == "agency" else agency

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(caller).delete(url("roster-detail", model_profile.id))

    assert response.status_code == 204
    assert not RosterMembership.objects.exists()
    assert Notification.objects.get(user=other).type == "agency_link_ended"
    assert not Notification.objects.filter(user=caller).exists()


def test_strangers_cannot_end_a_link(auth_client, agency, other_agency, model_profile, link):
    link(agency, model_profile)

    for caller in (other_agency, ModelProfileFactory().user):
        assert_error(
            auth_client(caller).delete(url("roster-detail", model_profile.id)), 404, "NOT_FOUND"
        )
    assert RosterMembership.objects.filter(model_profile=model_profile).exists()


def test_ending_a_link_that_does_not_exist_is_404(auth_client, agency, model_profile):
    assert_error(
        auth_client(agency).delete(url("roster-detail", model_profile.id)), 404, "NOT_FOUND"
    )


# --- GET /agency/models -----------------------------------------------------------------------
def test_roster_lists_only_the_agency_models_with_catalogue_filters(
    auth_client, agency, other_agency, link
):
    almaty_tall = ModelProfileFactory(city="Almaty", height=182, name="Aruzhan Tall")
    almaty_short = ModelProfileFactory(city="Almaty", height=165, name="Dana Short")
    astana = ModelProfileFactory(city="Astana", height=180, name="Saule Astana")
    for profile in (almaty_tall, almaty_short, astana):
        link(agency, profile, photo_consent=profile is astana)
    link(other_agency, ModelProfileFactory(city="Almaty"))
    ModelProfileFactory(city="Almaty")  # in the catalogue, in no roster
    client = auth_client(agency)

    everyone = client.get(url("roster-list")).json()["data"]
    in_almaty = client.get(url("roster-list"), {"city": "almaty"}).json()["data"]
    tall = client.get(url("roster-list"), {"min_height": 175, "ordering": "-height"}).json()

    assert {item["id"] for item in everyone["models"]} == {
        str(almaty_tall.id),
        str(almaty_short.id),
        str(astana.id),
    }
    assert {item["id"] for item in in_almaty["models"]} == {
        str(almaty_tall.id),
        str(almaty_short.id),
    }
    assert [item["id"] for item in tall["data"]["models"]] == [str(almaty_tall.id), str(astana.id)]
    consent = {item["id"]: item["photo_consent"] for item in everyone["models"]}
    assert consent[str(astana.id)] is True and consent[str(almaty_tall.id)] is False
    assert everyone["pagination"]["total"] == 3
    assert "joined_at" in everyone["models"][0]


def test_roster_list_refuses_bad_filters_and_other_roles(auth_client, agency, employer):
    assert_error(
        auth_client(agency).get(url("roster-list"), {"min_age": "old"}), 400, "VALIDATION_ERROR"
    )
    assert_error(auth_client(employer).get(url("roster-list")), 403, "PERMISSION_DENIED")
    assert_error(
        auth_client(ModelProfileFactory().user).get(url("roster-list")), 403, "PERMISSION_DENIED"
    )


def test_roster_list_query_count_does_not_grow(auth_client, agency, link):
    client = auth_client(agency)

    def count(expected):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("roster-list"), {"limit": 100})
        assert len(response.json()["data"]["models"]) == expected
        return len(captured)

    for _ in range(2):
        link(agency, ModelProfileFactory())
    few = count(2)
    for _ in range(30):
        link(agency, ModelProfileFactory())

    assert count(32) == few


# --- the model's side: GET/PUT /agency/membership ---------------------------------------------
def test_model_reads_its_agency_and_sets_photo_consent(auth_client, agency, model_profile, link):
    link(agency, model_profile)
    client = auth_client(model_profile.user)

    shown = client.get(url("my-agency")).json()["data"]["membership"]
    changed = client.put(url("my-agency"), {"photo_consent": True}, format="json")

    assert shown["agency"]["company_name"] == "Silk Road Models"
    assert shown["photo_consent"] is False
    assert changed.status_code == 200
    assert changed.json()["data"]["membership"]["photo_consent"] is True
    assert RosterMembership.objects.get().photo_consent is True


def test_membership_errors(auth_client, agency, model_profile):
    client = auth_client(model_profile.user)

    assert_error(client.get(url("my-agency")), 404, "NOT_FOUND")
    assert_error(client.put(url("my-agency"), {}, format="json"), 400, "VALIDATION_ERROR")
    assert_error(auth_client(agency).get(url("my-agency")), 403, "PERMISSION_DENIED")


def test_public_profile_without_agency_shows_null(api_client):
    profile = ModelProfileFactory()

    body = api_client.get(reverse("profiles:model-detail", args=[profile.id])).json()

    assert body["data"]["model"]["agency"] is None
