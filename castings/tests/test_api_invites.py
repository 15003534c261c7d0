"""Invitations to apply: the casting's team invites a model (counted per plan: FREE 0, PRO 20,
BUSINESS 200 a month); the model's later response carries `invited: true` in the owner's list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Block
from billing.entitlements import usage_month
from billing.models import ResponseUsage
from billing.services import subscription_grant
from castings.models import CastingInvite
from castings.tests.factories import CastingFactory, ModelProfileFactory, ResponseFactory
from castings.tests.test_api_castings import assert_error
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def invites_url(casting) -> str:
    return reverse("castings:casting-invites", args=[casting.id])


def invite(client, casting, profile, message="You fit the brief."):
    return client.post(
        invites_url(casting), {"model_id": str(profile.id), "message": message}, format="json"
    )


@pytest.fixture
def pro_employer(employer):
    subscription_grant(user=employer, plan_name="PRO")
    return employer


def test_invite_notifies_and_the_later_response_is_marked(
    auth_client, pro_employer, django_capture_on_commit_callbacks
):
    casting = CastingFactory(owner=pro_employer, title="Lookbook")
    invited, walk_in = ModelProfileFactory.create_batch(2)

    with django_capture_on_commit_callbacks(execute=True):
        answer = invite(auth_client(pro_employer), casting, invited)

    assert answer.status_code == 201, answer.content
    body = answer.json()["data"]["invite"]
    assert (body["casting_id"], body["model_id"]) == (str(casting.id), str(invited.id))
    assert body["message"] == "You fit the brief."
    note = Notification.objects.get(user=invited.user)
    assert note.type == "casting_invite"
    assert note.data["casting_title"] == "Lookbook"
    for profile in (invited, walk_in):
        applied = auth_client(profile.user).post(
            reverse("castings:casting-responses", args=[casting.id]), {}, format="json"
        )
        assert applied.status_code == 201, applied.content
        assert "invited" not in applied.json()["data"]["response"]
    listed = auth_client(pro_employer).get(reverse("castings:casting-responses", args=[casting.id]))
    flags = {
        item["applicant"]["id"]: item["invited"] for item in listed.json()["data"]["responses"]
    }
    assert flags == {str(invited.id): True, str(walk_in.id): False}
    mine = auth_client(invited.user).get(reverse("castings:response-my")).json()["data"]
    assert "invited" not in mine["responses"][0]


@pytest.mark.parametrize(("plan", "limit"), [(None, 0), ("PRO", 20), ("BUSINESS", 200)])
def test_monthly_limit_per_plan(auth_client, employer, plan, limit):
    if plan:
        subscription_grant(user=employer, plan_name=plan)
    casting = CastingFactory(owner=employer)
    client = auth_client(employer)
    if limit:  # all but the last one already spent this month
        ResponseUsage.objects.update_or_create(
            user=employer,
            month=usage_month(),
            defaults={"invites_used": limit - 1},
        )
        assert invite(client, casting, ModelProfileFactory()).status_code == 201

    error = assert_error(invite(client, casting, ModelProfileFactory()), 403, "SUBSCRIPTION_LIMIT")

    assert error["details"] == {
        "feature": "casting_invites",
        "limit": limit,
        "used": limit,
        "plan": plan or "FREE",
    }
    assert CastingInvite.objects.count() == (1 if limit else 0)


def test_refusals_spend_nothing(auth_client, pro_employer, other_employer):
    casting = CastingFactory(owner=pro_employer)
    profile = ModelProfileFactory()
    applied = ResponseFactory(casting=casting).model_profile
    blocked = ModelProfileFactory()
    Block.objects.create(blocker=blocked.user, blocked=pro_employer)
    client = auth_client(pro_employer)
    assert invite(client, casting, profile).status_code == 201

    assert_error(invite(client, casting, profile), 409, "DUPLICATE_RESOURCE")
    assert_error(invite(client, casting, applied), 409, "DUPLICATE_RESOURCE")
    assert_error(invite(client, casting, blocked), 404, "NOT_FOUND")
    hidden = ModelProfileFactory(is_hidden=True)
    assert_error(invite(client, casting, hidden), 404, "NOT_FOUND")
    draft = CastingFactory(owner=pro_employer, status="draft")
    assert_error(invite(client, draft, ModelProfileFactory()), 422, "INVALID_STATE")
    error = assert_error(
        client.post(invites_url(casting), {"model_id": "nope"}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert set(error["details"]) == {"model_id"}
    assert ResponseUsage.objects.get(user=pro_employer).invites_used == 1
    assert CastingInvite.objects.count() == 1


def test_access(auth_client, api_client, pro_employer, other_employer):
    casting = CastingFactory(owner=pro_employer)
    subscription_grant(user=other_employer, plan_name="BUSINESS")
    profile = ModelProfileFactory()

    assert_error(invite(api_client, casting, profile), 401, "AUTH_REQUIRED")
    assert_error(invite(auth_client(profile.user), casting, profile), 403, "PERMISSION_DENIED")
    assert_error(invite(auth_client(other_employer), casting, profile), 403, "PERMISSION_DENIED")
    draft = CastingFactory(owner=pro_employer, status="draft")
    assert_error(invite(auth_client(other_employer), draft, profile), 404, "NOT_FOUND")
    assert not CastingInvite.objects.exists()
    assert not ResponseUsage.objects.exists()


def test_the_count_is_one_statement(auth_client, pro_employer):
    casting = CastingFactory(owner=pro_employer)
    client = auth_client(pro_employer)

    with CaptureQueriesContext(connection) as queries:
        assert invite(client, casting, ModelProfileFactory()).status_code == 201

    counted = [q["sql"] for q in queries.captured_queries if "invites_used" in q["sql"]]
    assert len(counted) == 1 and counted[0].lstrip().upper().startswith("INSERT")
