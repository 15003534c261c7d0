"""Team members: managers (who joined by accepting an invitation, see
test_api_team_invitations.py) create and manage the organization's castings, read its responses
and chats; a removed member loses access at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Organization, OrganizationMember
from agencies.tests.helpers import assert_error, url
from castings.models import Casting, Response
from castings.selectors import users_linked_by_casting
from castings.tests.factories import (
    CastingFactory,
    EmployerProfileFactory,
    ModelProfileFactory,
    ResponseFactory,
)
from chat.models import Membership, Room
from chat.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague():
    return EmployerProfileFactory(company_name="Colleague Co").user


@pytest.fixture
def manager(employer, colleague):
    """`colleague` as a manager of `employer`'s organization."""
    organization = Organization.objects.create(owner=employer)
    OrganizationMember.objects.create(organization=organization, user=colleague)
    return colleague


CASTING_BODY = {
    "title": "Spring lookbook",
    "description": "Models for a spring lookbook.",
    "category": "fashion",
    "city": "Almaty",
    "shoot_date": (timezone.now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
}


# --- GET /organizations/me --------------------------------------------------------------------
def test_every_employer_owns_an_organization_created_on_first_use(auth_client, employer):
    response = auth_client(employer).get(url("organization-me"))

    assert response.status_code == 200
    organization = response.json()["data"]["organization"]
    assert organization["my_role"] == "owner"
    assert organization["name"] == "Almaty Studio"
    assert organization["owner"]["user_id"] == str(employer.id)
    assert organization["members"] == []
    assert Organization.objects.get(owner=employer).id.hex == organization["id"].replace("-", "")


def test_a_manager_sees_the_organization_it_works_for(auth_client, employer, manager):
    organization = auth_client(manager).get(url("organization-me")).json()["data"]["organization"]

    assert organization["my_role"] == "manager"
    assert organization["owner"]["user_id"] == str(employer.id)
    assert [member["user_id"] for member in organization["members"]] == [str(manager.id)]


def test_models_have_no_organization(auth_client, api_client):
    assert_error(
        auth_client(ModelProfileFactory().user).get(url("organization-me")),
        403,
        "PERMISSION_DENIED",
    )
    assert_error(api_client.get(url("organization-me")), 401, "AUTH_REQUIRED")


# --- managers manage the organization's castings ----------------------------------------------
def test_manager_creates_and_manages_organization_castings(auth_client, employer, manager):
    client = auth_client(manager)

    created = client.post(reverse("castings:casting-list"), CASTING_BODY, format="json")

    assert created.status_code == 201, created.content
    casting = Casting.objects.get()
    assert casting.owner_id == employer.id  # the organization's casting
    assert created.json()["data"]["casting"]["creator"]["company_name"] == "Almaty Studio"
    detail = reverse("castings:casting-detail", args=[casting.id])
    assert client.put(detail, {"title": "Summer lookbook"}, format="json").status_code == 200
    mine = auth_client(employer).get(reverse("castings:casting-my")).json()["data"]
    assert [item["title"] for item in mine["castings"]] == ["Summer lookbook"]
    theirs = client.get(reverse("castings:casting-my")).json()["data"]
    assert [item["id"] for item in theirs["castings"]] == [str(casting.id)]


def test_manager_reads_and_decides_responses(auth_client, employer, manager):
    casting = CastingFactory(owner=employer)
    response = ResponseFactory(casting=casting)
    client = auth_client(manager)

    listed = client.get(reverse("castings:casting-responses", args=[casting.id]))
    decided = client.patch(
        reverse("castings:response-status", args=[response.id]),
        {"status": "accepted"},
        format="json",
    )

    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["data"]["responses"]] == [str(response.id)]
    assert decided.status_code == 200
    assert Response.objects.get(id=response.id).status == "accepted"


def test_manager_sees_drafts_of_the_organization(auth_client, employer, manager):
    draft = CastingFactory(owner=employer, status="draft")

    response = auth_client(manager).get(reverse("castings:casting-detail", args=[draft.id]))

    assert response.status_code == 200


def test_manager_reads_the_organization_chats(auth_client, employer, manager):
    casting = CastingFactory(owner=employer)
    applicant = ResponseFactory(casting=casting).model_profile.user
    room = Room.objects.create(
        pair_key=f"{employer.id}:{applicant.id}:{casting.id}", casting=casting
    )
    for user in (employer, applicant):
        Membership.objects.create(room=room, user=user)
    MessageFactory(room=room, sender=applicant, content="Hello")
    messages = reverse("chat:room-messages", args=[room.id])

    response = auth_client(manager).get(messages)

    assert response.status_code == 200, response.content
    assert [item["content"] for item in response.json()["data"]["messages"]] == ["Hello"]
    assert users_linked_by_casting(
        casting_id=casting.id, user_a_id=manager.id, user_b_id=applicant.id
    )


def test_non_members_get_nothing(auth_client, employer):
    outsider = EmployerProfileFactory().user
    casting = CastingFactory(owner=employer)
    draft = CastingFactory(owner=employer, status="draft")
    client = auth_client(outsider)

    assert_error(
        client.put(
            reverse("castings:casting-detail", args=[casting.id]), {"title": "Hijacked"}, "json"
        ),
        403,
        "PERMISSION_DENIED",
    )
    assert_error(client.get(reverse("castings:casting-detail", args=[draft.id])), 404, "NOT_FOUND")
    assert Casting.objects.get(id=casting.id).title != "Hijacked"


# --- removal ----------------------------------------------------------------------------------
def test_a_removed_member_loses_access_at_once(auth_client, employer, manager):
    casting = CastingFactory(owner=employer)
    draft = CastingFactory(owner=employer, status="draft")
    response = ResponseFactory(casting=casting)
    applicant = response.model_profile.user
    room = Room.objects.create(
        pair_key=f"{manager.id}:{applicant.id}:{casting.id}", casting=casting
    )
    for user in (manager, applicant):
        Membership.objects.create(room=room, user=user)
    client = auth_client(manager)  # the same token before and after
    detail = reverse("castings:casting-detail", args=[casting.id])
    assert client.put(detail, {"title": "Before removal"}, format="json").status_code == 200

    removed = auth_client(employer).delete(url("member-detail", manager.id))

    assert removed.status_code == 204
    assert not OrganizationMember.objects.exists()
    assert_error(
        client.put(detail, {"title": "After removal"}, format="json"), 403, "PERMISSION_DENIED"
    )
    assert_error(
        client.get(reverse("castings:casting-responses", args=[casting.id])),
        403,
        "PERMISSION_DENIED",
    )
    assert_error(
        client.patch(
            reverse("castings:response-status", args=[response.id]),
            {"status": "accepted"},
            format="json",
        ),
        404,
        "NOT_FOUND",
    )
    assert_error(client.get(reverse("castings:casting-detail", args=[draft.id])), 404, "NOT_FOUND")
    assert client.get(reverse("castings:casting-my")).json()["data"]["castings"] == []
    assert_error(client.get(reverse("chat:room-messages", args=[room.id])), 404, "NOT_FOUND")
    assert not users_linked_by_casting(
        casting_id=casting.id, user_a_id=manager.id, user_b_id=applicant.id
    )
    assert Casting.objects.get(id=casting.id).title == "Before removal"
    assert Response.objects.get(id=response.id).status == "pending"


def test_a_manager_leaves_on_its_own(auth_client, manager):
    assert auth_client(manager).delete(url("member-detail", manager.id)).status_code == 204
    assert not OrganizationMember.objects.exists()


def test_others_cannot_remove_members(auth_client, manager):
    outsider = EmployerProfileFactory().user

    assert_error(auth_client(outsider).delete(url("member-detail", manager.id)), 404, "NOT_FOUND")
    assert OrganizationMember.objects.filter(user=manager).exists()
