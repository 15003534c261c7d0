"""Daily limits per trust level, beside the plan's: castings created and invitations to apply
(new chat rooms: chat/tests). Over the limit: 429 TRUST_LIMIT_EXCEEDED with retry_after and a
message saying how to raise it; nothing is created. TRUST_LIMITS_ENABLED=0 switches them off."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.services import subscription_grant
from castings.models import Casting, CastingInvite
from castings.tests.factories import CastingFactory, EmployerProfileFactory, ModelProfileFactory
from safety.models import DailyUsage, LimitKind
from safety.services import is_trusted, trust_facts_set, trust_limit_of

pytestmark = pytest.mark.django_db

LIST = reverse("castings:casting-list")
LIMITS = {
    "new": {"chat_rooms": 2, "castings": 1, "invites": 1},
    "verified": {"chat_rooms": 3, "castings": 2, "invites": 2},
    "trusted": {"chat_rooms": 4, "castings": 3, "invites": 3},
    "established": {"chat_rooms": 5, "castings": 4, "invites": 4},
}


@pytest.fixture(autouse=True)
def limits_on(settings):
    settings.TRUST_LIMITS_ENABLED = True
    settings.TRUST_DAILY_LIMITS = LIMITS


def _employer(*, verified: bool, days_old: int = 0):
    user = EmployerProfileFactory(
        user__email_verified=verified,
        user__created_at=timezone.now() - dt.timedelta(days=days_old),
    ).user
    return user


def _body(n: int) -> dict:
    return {
        "title": f"Lookbook shoot {n}",
        "description": "Models for a spring lookbook, one day in the studio.",
        "category": "fashion",
        "city": "Almaty",
        "shoot_date": (timezone.now() + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _post_until_refused(client, limit: int):
    for n in range(limit):
        assert client.post(LIST, _body(n), format="json").status_code == 201, n
    return client.post(LIST, _body(limit), format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_a_new_unverified_account_gets_one_casting_a_day(auth_client):
    employer = _employer(verified=False)

    refused = _post_until_refused(auth_client(employer), 1)

    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "TRUST_LIMIT_EXCEEDED"
    assert "Verify your e-mail" in error["message"]
    assert 0 < error["retry_after"] <= 24 * 3600
    assert refused["Retry-After"] == str(error["retry_after"])
    assert error["details"] == {"kind": "castings", "limit": 1, "trust_level": "new"}
    assert Casting.objects.filter(owner=employer).count() == 1
    assert DailyUsage.objects.get(user=employer, kind=LimitKind.CASTINGS).used == 1


@pytest.mark.parametrize(
    ("verified", "days_old", "company", "limit", "hint"),
    [
        (True, 1, False, 2, "a week old"),
        (True, 10, False, 3, "try again tomorrow"),
        (False, 0, True, 3, "try again tomorrow"),
    ],
)
def test_limits_rise_with_trust(auth_client, verified, days_old, company, limit, hint):
    employer = _employer(verified=verified, days_old=days_old)
    if company:
        trust_facts_set(user_id=employer.pk, verified_company=True)

    refused = _post_until_refused(auth_client(employer), limit)

    assert refused.status_code == 429
    assert hint in refused.json()["error"]["message"]


def test_a_paid_plan_raises_limits_but_not_trust():
    employer = _employer(verified=False)
    subscription_grant(user=employer, plan_name="PRO")  # billing pushes paid_until down

    assert trust_limit_of(user=employer, kind=LimitKind.CASTINGS) == 2  # the next level's
    assert not is_trusted(employer)


def test_invites_a_day(auth_client):
    employer = _employer(verified=False)
    # The plan allows 20 a month, and being paid lifts "new" to the "verified" numbers (2).
    subscription_grant(user=employer, plan_name="PRO")
    casting = CastingFactory(owner=employer)
    profiles = [ModelProfileFactory() for _ in range(3)]
    url = reverse("castings:casting-invites", args=[casting.id])
    client = auth_client(employer)

    for profile in profiles[:2]:
        assert client.post(url, {"model_id": str(profile.id)}, format="json").status_code == 201
    refused = client.post(url, {"model_id": str(profiles[2].id)}, format="json")

    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "TRUST_LIMIT_EXCEEDED"
    assert error["details"] == {"kind": "invites", "limit": 2, "trust_level": "new"}
    assert CastingInvite.objects.filter(casting=casting).count() == 2


def test_switched_off_no_limit(auth_client, settings):
    settings.TRUST_LIMITS_ENABLED = False
    client = auth_client(_employer(verified=False))

    for n in range(3):
        assert client.post(LIST, _body(n), format="json").status_code == 201
