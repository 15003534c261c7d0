"""GET /profiles/models/promoted and `is_promoted` in the catalogue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from profiles.tests.factories import ModelProfileFactory
from profiles.tests.helpers import assert_error, detail_url, list_url, promoted_url

pytestmark = pytest.mark.django_db

ISO = "%Y-%m-%dT%H:%M:%SZ"


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime(ISO)


def test_staff_and_plan_promotions_are_listed_latest_first(api_client, make_user):
    now = timezone.now()
    soon = ModelProfileFactory(name="Soon", promoted_until=now + dt.timedelta(days=2))
    later = ModelProfileFactory(name="Later", promoted_until=now + dt.timedelta(days=20))
    plan_user = make_user(role="model", plan="BUSINESS")
    by_plan = ModelProfileFactory(name="ByPlan", user=plan_user)
    ModelProfileFactory(name="Expired", promoted_until=now - dt.timedelta(minutes=1))
    ModelProfileFactory(name="Plain")
    ModelProfileFactory(name="PRO plan", user=make_user(role="model", plan="PRO"))

    response = api_client.get(promoted_url())

    assert response.status_code == 200
    data = response.json()["data"]
    plan_expiry = plan_user.subscriptions.get().expires_at
    by_name = {item["name"]: item for item in data["models"]}
    assert set(by_name) == {"Soon", "Later", "ByPlan"}
    assert by_name["Soon"]["promoted_until"] == iso(soon.promoted_until)
    assert by_name["Later"]["promoted_until"] == iso(later.promoted_until)
    assert by_name["ByPlan"]["promoted_until"] == iso(plan_expiry)
    assert all(item["is_promoted"] for item in data["models"])
    expected_latest = max(later.promoted_until, plan_expiry)
    assert data["promoted_until"] == iso(expected_latest)
    assert data["models"][0]["promoted_until"] == iso(expected_latest)
    assert by_plan.id  # listed through its plan, not a staff date


def test_later_of_staff_and_plan_promotion_wins(api_client, make_user):
    user = make_user(role="model", plan="BUSINESS")
    far = timezone.now() + dt.timedelta(days=400)
    ModelProfileFactory(user=user, promoted_until=far)

    data = api_client.get(promoted_url()).json()["data"]

    assert data["models"][0]["promoted_until"] == iso(far)


def test_nothing_promoted(api_client):
    ModelProfileFactory()

    response = api_client.get(promoted_url())

    assert response.json() == {"status": "success", "data": {"models": [], "promoted_until": None}}


def test_hidden_and_banned_promoted_profiles_are_left_out(api_client):
    until = timezone.now() + dt.timedelta(days=3)
    ModelProfileFactory(is_hidden=True, promoted_until=until)
    banned = ModelProfileFactory(promoted_until=until)
    banned.user.is_active = False
    banned.user.save(update_fields=["is_active"])

    assert api_client.get(promoted_url()).json()["data"]["models"] == []


def test_limit_defaults_to_10_and_caps_at_50(api_client):
    until = timezone.now() + dt.timedelta(days=3)
    ModelProfileFactory.create_batch(55, promoted_until=until)

    assert len(api_client.get(promoted_url()).json()["data"]["models"]) == 10
    assert len(api_client.get(promoted_url(limit=3)).json()["data"]["models"]) == 3
    assert len(api_client.get(promoted_url(limit=500)).json()["data"]["models"]) == 50
    assert_error(api_client.get(promoted_url(limit="x")), 400, "VALIDATION_ERROR")


def test_is_promoted_in_list_and_detail(api_client, make_user):
    until = timezone.now() + dt.timedelta(days=3)
    promoted = ModelProfileFactory(name="Promoted", promoted_until=until)
    ModelProfileFactory(name="Plain")

    items = {m["name"]: m for m in api_client.get(list_url()).json()["data"]["models"]}
    detail = api_client.get(detail_url(promoted.id)).json()["data"]["model"]

    assert items["Promoted"]["is_promoted"] is True
    assert items["Plain"]["is_promoted"] is False
    assert detail["is_promoted"] is True
    assert detail["promoted_until"] == iso(until)


@pytest.mark.parametrize("rows", [2, 30])
def test_promoted_query_count_is_constant(api_client, django_assert_num_queries, rows):
    ModelProfileFactory.create_batch(rows, promoted_until=timezone.now() + dt.timedelta(days=1))

    with django_assert_num_queries(1):
        response = api_client.get(promoted_url(limit=50))

    assert len(response.json()["data"]["models"]) == rows
