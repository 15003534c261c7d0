"""Team membership by invitation: `POST /organizations/members` invites an e-mail address and
adds nobody; the holder of a verified employer/agency account with that address accepts or
declines. The answer to the owner never tells whether the address has an account."""

from __future__ import annotations

import json
import statistics
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import (
    InvitationStatus,
    Organization,
    OrganizationInvitation,
    OrganizationMember,
)
from agencies.services import organization_invitation_create, organization_invitation_deliver
from agencies.tests.helpers import assert_error, url
from castings.models import Casting
from castings.tests.factories import CastingFactory, EmployerProfileFactory, ModelProfileFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague():
    return EmployerProfileFactory(company_name="Colleague Co").user


def invite(client, email, role="manager"):
    return client.post(url("member-list"), {"email": email, "role": role}, format="json")


def invitation_for(owner, email) -> OrganizationInvitation:
    return organization_invitation_create(actor=owner, email=email)


CASTING_BODY = {
    "title": "Spring lookbook",
    "description": "Models for a spring lookbook.",
    "category": "fashion",
    "city": "Almaty",
    "shoot_date": (timezone.now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
}


# --- the flow ---------------------------------------------------------------------------------
def test_owner_invites_and_the_colleague_accepts(
    auth_client, employer, colleague, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(auth_client(employer), colleague.email.upper())

    assert response.status_code == 201, response.content
    invitation = response.json()["data"]["invitation"]
    assert invitation["email"] == colleague.email.lower()
    assert invitation["role"] == "manager"
    assert invitation["status"] == "pending"
    assert invitation["organization"]["name"] == "Almaty Studio"
    assert invitation["invited_by"] == {"user_id": str(employer.id), "name": "Almaty Studio"}
    assert invitation["responded_at"] is None
    assert not OrganizationMember.objects.exists()  # nobody is added by the invitation
    note = Notification.objects.get(user=colleague)
    assert note.type == "organization_invitation"
    assert note.data["invitation_id"] == invitation["id"]
    assert note.data["organization_name"] == "Almaty Studio"
    assert [message.to for message in mail.outbox] == [[colleague.email]]

    inbox = auth_client(colleague).get(url("team-invitation-list")).json()["data"]
    assert [item["id"] for item in inbox["invitations"]] == [invitation["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = auth_client(colleague).post(url("team-invitation-accept", invitation["id"]))

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["data"]["invitation"]["status"] == "accepted"
    member = OrganizationMember.objects.get()
    assert (member.user_id, member.organization.owner_id) == (colleague.id, employer.id)
    assert member.added_by_id == employer.id
    answered = Notification.objects.get(user=employer, type="organization_invitation_answered")
    assert answered.data["member_name"] == "Colleague Co"
    assert answered.data["status"] == "accepted"
    listed = auth_client(employer).get(url("member-list")).json()["data"]["members"]
    assert [(item["user_id"], item["role"]) for item in listed] == [
        (str(employer.id), "owner"),
        (str(colleague.id), "manager"),
    ]
    me = auth_client(colleague).get(url("organization-me")).json()["data"]["organization"]
    assert (me["my_role"], me["owner"]["user_id"]) == ("manager", str(employer.id))


def test_the_colleague_declines(
    auth_client, employer, colleague, django_capture_on_commit_callbacks
):
    invitation = invitation_for(employer, colleague.email)

    with django_capture_on_commit_callbacks(execute=True):
        declined = auth_client(colleague).post(url("team-invitation-decline", invitation.id))

    assert declined.status_code == 200, declined.content
    assert declined.json()["data"]["invitation"]["status"] == "declined"
    assert not OrganizationMember.objects.exists()
    answered = Notification.objects.get(user=employer, type="organization_invitation_answered")
    assert answered.data["status"] == "declined"
    assert_error(
        auth_client(colleague).post(url("team-invitation-accept", invitation.id)),
        422,
        "INVALID_STATE",
    )
    assert not OrganizationMember.objects.exists()


def test_owner_lists_sent_invitations_and_withdraws_one(auth_client, employer, colleague):
    invitation = invitation_for(employer, colleague.email)
    invitation_for(employer, "nobody-yet@example.kz")
    client = auth_client(employer)

    sent = client.get(url("team-invitation-list") + "?direction=sent").json()["data"]
    withdrawn = client.delete(url("team-invitation-detail", invitation.id))

    assert sorted(item["email"] for item in sent["invitations"]) == sorted(
        [colleague.email, "nobody-yet@example.kz"]
    )
    assert withdrawn.status_code == 204
    assert OrganizationInvitation.objects.get(id=invitation.id).status == "cancelled"
    inbox = auth_client(colleague).get(url("team-invitation-list")).json()["data"]
    assert [item["status"] for item in inbox["invitations"]] == ["cancelled"]
    assert_error(
        auth_client(colleague).post(url("team-invitation-accept", invitation.id)),
        422,
        "INVALID_STATE",
    )
    assert_error(client.delete(url("team-invitation-detail", invitation.id)), 422, "INVALID_STATE")
    assert not OrganizationMember.objects.exists()


def test_an_address_that_gets_an_account_later_sees_the_invitation(
    auth_client, employer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = invite(auth_client(employer), "later@example.kz")
    assert not Notification.objects.exists()
    newcomer = EmployerProfileFactory(user__email="later@example.kz").user

    inbox = auth_client(newcomer).get(url("team-invitation-list")).json()["data"]["invitations"]
    accepted = auth_client(newcomer).post(
        url("team-invitation-accept", created.json()["data"]["invitation"]["id"])
    )

    assert [item["email"] for item in inbox] == ["later@example.kz"]
    assert accepted.status_code == 200, accepted.content
    assert OrganizationMember.objects.get().user_id == newcomer.id


def test_delivery_notifies_once(employer, colleague):
    invitation = invitation_for(employer, colleague.email)

    first = organization_invitation_deliver(invitation_id=invitation.id)
    again = organization_invitation_deliver(invitation_id=invitation.id)

    assert (first, again) == (True, False)
    assert Notification.objects.filter(user=colleague).count() == 1


# --- no account enumeration -------------------------------------------------------------------
def _normalized(response) -> bytes:
    """The raw body with the values that differ by nature (id, address, times) blanked."""
    invitation = response.json()["data"]["invitation"]
    body = response.content
    for key in ("id", "email", "created_at", "expires_at"):
        body = body.replace(json.dumps(invitation[key]).encode(), b'"<' + key.encode() + b'>"')
    return body


def test_the_answer_is_the_same_with_or_without_an_account(
    auth_client, employer, django_capture_on_commit_callbacks
):
    addresses = {
        "employer account": EmployerProfileFactory().user.email,
        "agency account": EmployerProfileFactory(user__role="agency").user.email,
        "model account": ModelProfileFactory().user.email,
        "banned account": EmployerProfileFactory(user__is_active=False).user.email,
        "account with castings": CastingFactory().owner.email,
        "no account": "nobody@example.kz",
    }
    client = auth_client(employer)

    answers = {}
    with django_capture_on_commit_callbacks(execute=True):
        for name, address in addresses.items():
            answers[name] = invite(client, address)

    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(
        addresses, 201
    )
    bodies = {name: _normalized(answer) for name, answer in answers.items()}
    assert len(set(bodies.values())) == 1, bodies
    headers = {name: sorted(dict(answer.items())) for name, answer in answers.items()}
    assert len({tuple(value) for value in headers.values()}) == 1, headers
    assert not OrganizationMember.objects.exists()
    # Only the two active employer/agency accounts (and the one with castings) hear about it.
    assert Notification.objects.filter(type="organization_invitation").count() == 3


def test_refusals_do_not_depend_on_the_address_either(auth_client, employer, colleague):
    client = auth_client(employer)
    refusals = []
    for address in (colleague.email, "nobody@example.kz"):
        assert invite(client, address).status_code == 201

        refusals.append(assert_error(invite(client, address), 409, "DUPLICATE_RESOURCE"))

    assert refusals[0] == refusals[1]


def test_timing_does_not_tell_accounts_apart(auth_client, employer):
    """The request does the same work for both: it stores the invitation and queues the
    delivery task (after commit, which a test transaction never reaches, as in production where
    the worker does it); the account is looked up and notified only by that task."""
    accounts = [EmployerProfileFactory().user.email for _ in range(10)]
    missing = [f"missing-{n}@example.kz" for n in range(10)]
    client = auth_client(employer)
    timings: dict[str, list[float]] = {"account": [], "none": []}
    invite(client, "warm-up@example.kz")

    for account, nobody in zip(accounts, missing, strict=True):
        for kind, address in (("account", account), ("none", nobody)):
            started = time.perf_counter()
            assert invite(client, address).status_code == 201
            timings[kind].append(time.perf_counter() - started)

    with_account = statistics.median(timings["account"])
    without = statistics.median(timings["none"])
    assert with_account < 1.5 * without + 0.005, (with_account, without)
    assert without < 1.5 * with_account + 0.005, (with_account, without)


# --- validation and the auth matrix -----------------------------------------------------------
def test_invite_validation(auth_client, employer):
    client = auth_client(employer)

    error = assert_error(
        client.post(url("member-list"), {"email": "nope"}, format="json"), 400, "VALIDATION_ERROR"
    )
    assert set(error["details"]) == {"email"}
    error = assert_error(invite(client, "x@example.com", role="owner"), 400, "VALIDATION_ERROR")
    assert set(error["details"]) == {"role"}
    error = assert_error(invite(client, employer.email.upper()), 400, "VALIDATION_ERROR")
    assert set(error["details"]) == {"email"}
    assert not OrganizationInvitation.objects.exists()


def test_only_the_owner_invites(auth_client, employer, colleague, api_client):
    Organization.objects.create(owner=employer)
    OrganizationMember.objects.create(organization=employer.owned_organization, user=colleague)

    assert_error(invite(auth_client(colleague), "x@example.kz"), 403, "PERMISSION_DENIED")
    assert_error(
        invite(auth_client(ModelProfileFactory().user), "x@example.kz"), 403, "PERMISSION_DENIED"
    )
    assert_error(invite(api_client, "x@example.kz"), 401, "AUTH_REQUIRED")
    assert not OrganizationInvitation.objects.exists()


def test_pending_invitations_are_capped(auth_client, employer, monkeypatch):
    from agencies import services

    monkeypatch.setattr(services, "MAX_PENDING_TEAM_INVITATIONS", 2)
    client = auth_client(employer)
    invite(client, "one@example.kz")
    invite(client, "two@example.kz")

    assert_error(invite(client, "three@example.kz"), 422, "INVALID_STATE")
    assert OrganizationInvitation.objects.count() == 2


ROUTES = [
    ("get", "team-invitation-list", False),
    ("delete", "team-invitation-detail", True),
    ("post", "team-invitation-accept", True),
    ("post", "team-invitation-decline", True),
]


@pytest.mark.parametrize(("method", "name", "takes_id"), ROUTES)
def test_anonymous_and_models_are_refused(
    api_client, auth_client, employer, method, name, takes_id
):
    invitation = invitation_for(employer, "someone@example.kz")
    path = url(name, invitation.id) if takes_id else url(name)
    before = OrganizationInvitation.objects.values().get()

    assert_error(getattr(api_client, method)(path), 401, "AUTH_REQUIRED")
    assert_error(
        getattr(auth_client(ModelProfileFactory().user), method)(path), 403, "PERMISSION_DENIED"
    )
    assert OrganizationInvitation.objects.values().get() == before


@pytest.mark.parametrize(
    ("who", "name", "status", "code"),
    [
        ("outsider", "team-invitation-accept", 404, "NOT_FOUND"),
        ("outsider", "team-invitation-decline", 404, "NOT_FOUND"),
        ("outsider", "team-invitation-detail", 404, "NOT_FOUND"),
        ("owner", "team-invitation-accept", 403, "PERMISSION_DENIED"),
        ("owner", "team-invitation-decline", 403, "PERMISSION_DENIED"),
        ("manager", "team-invitation-accept", 403, "PERMISSION_DENIED"),
        ("manager", "team-invitation-detail", 403, "PERMISSION_DENIED"),
        ("invitee", "team-invitation-detail", 404, "NOT_FOUND"),
    ],
)
def test_only_the_right_party_acts_on_an_invitation(
    auth_client, employer, colleague, who, name, status, code
):
    manager = EmployerProfileFactory().user
    OrganizationMember.objects.create(
        organization=Organization.objects.create(owner=employer), user=manager
    )
    invitation = invitation_for(employer, colleague.email)
    actor = {
        "outsider": EmployerProfileFactory().user,
        "owner": employer,
        "manager": manager,
        "invitee": colleague,
    }[who]
    method = "delete" if name == "team-invitation-detail" else "post"
    before = OrganizationInvitation.objects.values().get()

    assert_error(getattr(auth_client(actor), method)(url(name, invitation.id)), status, code)
    assert_error(
        getattr(auth_client(actor), method)(url(name, "00000000-0000-0000-0000-000000000000")),
        404,
        "NOT_FOUND",
    )
    assert OrganizationInvitation.objects.values().get() == before
    assert OrganizationMember.objects.filter(user=colleague).count() == 0


# --- rules checked when the invitee answers ---------------------------------------------------
def test_an_unverified_address_cannot_accept(auth_client, employer):
    unverified = EmployerProfileFactory(user__email_verified=False).user
    invitation = invitation_for(employer, unverified.email)

    assert_error(
        auth_client(unverified).post(url("team-invitation-accept", invitation.id)),
        403,
        "PERMISSION_DENIED",
    )
    assert not OrganizationMember.objects.exists()
    assert OrganizationInvitation.objects.get().status == "pending"


def test_an_expired_invitation_cannot_be_answered_and_may_be_sent_again(
    auth_client, employer, colleague
):
    invitation = invitation_for(employer, colleague.email)
    OrganizationInvitation.objects.filter(id=invitation.id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    client = auth_client(colleague)

    assert client.get(url("team-invitation-list")).json()["data"]["invitations"] == []
    assert_error(client.post(url("team-invitation-accept", invitation.id)), 422, "INVALID_STATE")
    assert invite(auth_client(employer), colleague.email).status_code == 201
    assert OrganizationInvitation.objects.get(id=invitation.id).status == "cancelled"
    assert not OrganizationMember.objects.exists()


def test_one_organization_at_a_time(auth_client, employer, colleague):
    other = EmployerProfileFactory().user
    first = invitation_for(employer, colleague.email)
    second = invitation_for(other, colleague.email)
    client = auth_client(colleague)

    assert client.post(url("team-invitation-accept", first.id)).status_code == 200
    assert_error(client.post(url("team-invitation-accept", second.id)), 409, "DUPLICATE_RESOURCE")
    assert OrganizationInvitation.objects.get(id=second.id).status == InvitationStatus.PENDING
    assert list(OrganizationMember.objects.values_list("organization__owner_id", flat=True)) == [
        employer.id
    ]


def test_an_owner_with_a_team_of_its_own_cannot_join_another(auth_client, employer, colleague):
    OrganizationMember.objects.create(
        organization=Organization.objects.create(owner=colleague),
        user=EmployerProfileFactory().user,
    )
    invitation = invitation_for(employer, colleague.email)

    assert_error(
        auth_client(colleague).post(url("team-invitation-accept", invitation.id)),
        422,
        "INVALID_STATE",
    )
    assert not OrganizationMember.objects.filter(user=colleague).exists()


# --- castings: the organization's stay with it, the member's own stay theirs ------------------
def test_castings_before_during_and_after_membership(auth_client, employer, colleague):
    own = CastingFactory(owner=colleague, title="My own casting")
    client = auth_client(colleague)
    invitation = invitation_for(employer, colleague.email)
    assert client.post(url("team-invitation-accept", invitation.id)).status_code == 200

    # While a member: the own casting stays the member's, and the team gets no access to it.
    created = client.post(reverse("castings:casting-list"), CASTING_BODY, format="json")
    team_casting = Casting.objects.get(id=created.json()["data"]["casting"]["id"])
    own_detail = reverse("castings:casting-detail", args=[own.id])
    assert team_casting.owner_id == employer.id
    assert client.put(own_detail, {"title": "Still mine"}, format="json").status_code == 200
    assert_error(
        auth_client(employer).put(own_detail, {"title": "Taken"}, format="json"),
        403,
        "PERMISSION_DENIED",
    )
    mine = client.get(reverse("castings:casting-my")).json()["data"]["castings"]
    assert sorted(item["id"] for item in mine) == sorted([str(own.id), str(team_casting.id)])

    # Leaving takes nothing: the own casting stays, the team's casting stays with the team.
    assert client.delete(url("member-detail", colleague.id)).status_code == 204
    assert Casting.objects.get(id=own.id).owner_id == colleague.id
    assert Casting.objects.get(id=own.id).title == "Still mine"
    assert Casting.objects.get(id=team_casting.id).owner_id == employer.id
    assert_error(
        client.put(
            reverse("castings:casting-detail", args=[team_casting.id]), {"title": "x"}, "json"
        ),
        403,
        "PERMISSION_DENIED",
    )
    after = client.post(reverse("castings:casting-list"), CASTING_BODY, format="json")
    assert Casting.objects.get(id=after.json()["data"]["casting"]["id"]).owner_id == colleague.id
    mine = client.get(reverse("castings:casting-my")).json()["data"]["castings"]
    assert sorted(item["id"] for item in mine) == sorted(
        [str(own.id), after.json()["data"]["casting"]["id"]]
    )


# --- query budget -----------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["received", "sent"])
def test_invitation_lists_have_a_fixed_query_count(
    auth_client, colleague, direction, django_assert_max_num_queries
):
    owners = [EmployerProfileFactory().user for _ in range(20)]
    sender = EmployerProfileFactory().user
    for owner in owners[:2]:
        invitation_for(owner, colleague.email)
    for n in range(2):
        invitation_for(sender, f"few-{n}@example.kz")
    viewer = colleague if direction == "received" else sender
    path = url("team-invitation-list") + f"?direction={direction}"
    client = auth_client(viewer)
    client.get(path)  # warm the token check

    with django_assert_max_num_queries(6):
        few = client.get(path)
    for owner in owners[2:]:
        invitation_for(owner, colleague.email)
    for n in range(2, 20):
        invitation_for(sender, f"few-{n}@example.kz")
    with django_assert_max_num_queries(6):
        many = client.get(path)

    assert len(few.json()["data"]["invitations"]) == 2
    assert len(many.json()["data"]["invitations"]) == 20
