"""Back office: organizations, members, invitations and rosters, changed through the services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agencies.models import (
    AgencyInvitation,
    InvitationStatus,
    Organization,
    OrganizationMember,
    RosterMembership,
)
from agencies.services import organization_invitation_create
from analytics.models import DailyViewStat, RollupState
from castings.tests.factories import EmployerProfileFactory, ModelProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    admin = User.objects.create_superuser("boss@mwork.kz", "Str0ng-Passw0rd!")
    client = Client()
    client.force_login(admin)
    return client


def action(client, model: str, name: str, *objects):
    response = client.post(
        reverse(f"admin:agencies_{model}_changelist"),
        {"action": name, "_selected_action": [str(o.pk) for o in objects]},
        follow=True,
    )
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    "name",
    [
        "admin:agencies_organization_changelist",
        "admin:agencies_organizationmember_changelist",
        "admin:agencies_agencyinvitation_changelist",
        "admin:agencies_rostermembership_changelist",
        "admin:agencies_rostermembership_add",
        "admin:agencies_organizationinvitation_changelist",
        "admin:analytics_dailyviewstat_changelist",
        "admin:analytics_rollupstate_changelist",
    ],
)
def test_pages_render(staff_client, agency, employer, model_profile, link, name):
    organization = Organization.objects.create(owner=employer)
    OrganizationMember.objects.create(organization=organization, user=EmployerProfileFactory().user)
    link(agency, model_profile)
    AgencyInvitation.objects.create(agency=agency, model_profile=ModelProfileFactory())
    organization_invitation_create(actor=employer, email="someone@example.kz")
    DailyViewStat.objects.create(
        owner=employer,
        kind="casting",
        object_id=employer.id,
        day="2026-03-01",
        dimension="total",
        views=3,
    )
    RollupState.objects.create(id=1)

    assert staff_client.get(reverse(name)).status_code == 200


def test_staff_adds_a_roster_link_through_the_service(staff_client, agency, model_profile):
    response = staff_client.post(
        reverse("admin:agencies_rostermembership_add"),
        {"agency": str(agency.id), "model_profile": str(model_profile.id), "photo_consent": "on"},
        follow=True,
    )

    assert response.status_code == 200
    link = RosterMembership.objects.get()
    assert link.agency_id == agency.id and link.photo_consent is True


def test_staff_cannot_link_a_model_to_a_non_agency(staff_client, employer, model_profile):
    staff_client.post(
        reverse("admin:agencies_rostermembership_add"),
        {"agency": str(employer.id), "model_profile": str(model_profile.id)},
        follow=True,
    )

    assert not RosterMembership.objects.exists()


def test_staff_ends_links_and_removes_members(staff_client, agency, employer, model_profile, link):
    roster = link(agency, model_profile)
    member = OrganizationMember.objects.create(
        organization=Organization.objects.create(owner=employer),
        user=EmployerProfileFactory().user,
    )

    action(staff_client, "rostermembership", "end_links", roster)
    action(staff_client, "organizationmember", "remove_members", member)

    assert not RosterMembership.objects.exists()
    assert not OrganizationMember.objects.exists()


def test_staff_cannot_add_members_directly(staff_client, employer):
    """Joining a team takes the person's consent: members come only from accepted invitations."""
    Organization.objects.create(owner=employer)

    response = staff_client.get(reverse("admin:agencies_organizationmember_add"))

    assert response.status_code == 403


def test_staff_cancels_pending_team_invitations(staff_client, employer):
    invitation = organization_invitation_create(actor=employer, email="someone@example.kz")

    action(staff_client, "organizationinvitation", "cancel_team_invitations", invitation)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED


def test_staff_cancels_pending_invitations(staff_client, agency, model_profile):
    invitation = AgencyInvitation.objects.create(agency=agency, model_profile=model_profile)

    action(staff_client, "agencyinvitation", "cancel_invitations", invitation)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED
