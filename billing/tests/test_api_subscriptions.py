from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from billing.models import Payment, ResponseCredit, Subscription
from billing.services import subscription_grant

pytestmark = pytest.mark.django_db


def test_plans_are_public_and_match_the_contract(api_client):
    answer = api_client.get(reverse("billing:plans"))

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "success"
    plans = {p["name"]: p for p in body["data"]["plans"]}
    assert [p["name"] for p in body["data"]["plans"]] == ["FREE", "PRO", "BUSINESS"]
    assert plans["FREE"] == {
        "name": "FREE",
        "price_monthly": 0,
        "price_yearly": 0,
        "features": {
            "max_photos": 5,
            "max_responses_per_month": 3,
            "chat_access": False,
            "profile_promotion": False,
            "priority_support": False,
            "analytics": "none",
        },
    }
    assert (plans["PRO"]["price_monthly"], plans["PRO"]["price_yearly"]) == (5000, 50000)
    assert plans["BUSINESS"]["features"]["max_photos"] == -1
    assert plans["BUSINESS"]["features"]["profile_promotion"] is True


def test_current_is_free_when_nothing_is_paid(make_user, auth_client):
    user = make_user()

    answer = auth_client(user).get(reverse("billing:current"))

    assert answer.status_code == 200
    assert answer.json() == {
        "status": "success",
        "data": {
            "subscription": {
                "plan": "FREE",
                "status": "active",
                "billing_period": None,
                "started_at": None,
                "expires_at": None,
                "auto_renew": False,
                "usage": {
                    "photos_uploaded": 0,
                    "photos_limit": 5,
                    "responses_sent": 0,
                    "responses_limit": 3,
                    "response_credits": 0,
                },
            }
        },
    }


def test_current_shows_paid_plan_and_usage(make_user, auth_client):
    from billing.entitlements import consume_response

    user = make_user(plan="PRO")
    consume_response(user)
    consume_response(user)
    ResponseCredit.objects.create(user=user, balance=4)

    answer = auth_client(user).get("/api/v1/subscriptions/current/")

    subscription = answer.json()["data"]["subscription"]
    stored = Subscription.objects.get(user=user)
    assert subscription["plan"] == "PRO"
    assert subscription["status"] == "active"
    assert subscription["billing_period"] == "monthly"
    assert subscription["expires_at"] == stored.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert subscription["usage"]["responses_sent"] == 2
    assert subscription["usage"]["responses_limit"] == 30
    assert subscription["usage"]["photos_limit"] == 20
    assert subscription["usage"]["response_credits"] == 4


def test_current_counts_photos_through_the_profile(make_user, auth_client):
    media = pytest.importorskip("media.models")
    factories = pytest.importorskip("profiles.tests.factories")
    user = make_user()
    profile = factories.ModelProfileFactory(user=user)
    for order in range(2):
        media.Photo.objects.create(
            profile=profile,
            image=f"p{order}.jpg",
            thumbnail=f"t{order}.jpg",
            order=order,
            width=800,
            height=1200,
        )

    answer = auth_client(user).get(reverse("billing:current"))

    assert answer.json()["data"]["subscription"]["usage"]["photos_uploaded"] == 2


@pytest.mark.parametrize(
    "method,name",
    [
        ("get", "billing:current"),
        ("post", "billing:subscribe"),
        ("post", "billing:cancel"),
        ("get", "billing:payments"),
        ("post", "billing:init"),
        ("post", "billing:pay-subscription"),
        ("post", "billing:pay-responses"),
    ],
)
def test_auth_required(api_client, method, name):
    answer = getattr(api_client, method)(reverse(name), {}, format="json")

    assert answer.status_code == 401
    assert answer.json()["status"] == "error"
    assert answer.json()["error"]["code"] == "AUTH_REQUIRED"
    assert not Payment.objects.exists()


@pytest.mark.parametrize("role", ["model", "employer", "agency"])
def test_subscribe_creates_pending_payment_with_server_amount(make_user, auth_client, role):
    user = make_user(role=role)

    answer = auth_client(user).post(
        reverse("billing:subscribe"),
        {"plan_name": "PRO", "billing_period": "yearly", "amount": 1, "OutSum": "1"},
        format="json",
    )

    assert answer.status_code == 200
    data = answer.json()["data"]
    payment = Payment.objects.get(user=user)
    assert data == {
        "payment_url": data["payment_url"],
        "order_id": str(payment.pk),
        "amount": 50000,
        "purpose": "subscription",
    }
    assert payment.amount == 50000
    assert payment.status == "pending"
    assert payment.plan.name == "PRO"
    assert payment.billing_period == "yearly"
    url = urlsplit(data["payment_url"])
    assert url.path == "/dev/robokassa/checkout"  # simulator on in tests, no merchant login
    query = parse_qs(url.query)
    assert query["OutSum"] == ["50000.00"]
    assert query["InvId"] == [str(payment.pk)]
    assert not Subscription.objects.filter(user=user).exists()  # untouched until paid


def test_subscribe_does_not_touch_the_current_plan(make_user, auth_client):
    user = make_user(plan="PRO")
    before = Subscription.objects.get(user=user)

    auth_client(user).post(reverse("billing:subscribe"), {"plan_name": "BUSINESS"}, format="json")

    after = Subscription.objects.get(user=user)
    assert (after.plan_id, after.status, after.expires_at) == (
        before.plan_id,
        before.status,
        before.expires_at,
    )


def test_subscribe_with_real_merchant_points_to_robokassa(make_user, auth_client, merchant):
    user = make_user()

    answer = auth_client(user).post(reverse("billing:subscribe"), {"plan_name": "BUSINESS"})

    url = answer.json()["data"]["payment_url"]
    assert url.startswith("https://auth.robokassa.kz/Merchant/Index.aspx?")
    query = parse_qs(urlsplit(url).query)
    assert query["OutSum"] == ["15000.00"]
    assert query["Recurring"] == ["true"]
    assert query["MerchantLogin"] == ["mwork"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "plan_name"),
        ({"plan_name": "FREE"}, "plan_name"),
        ({"plan_name": "GOLD"}, "plan_name"),
        ({"plan_name": "PRO", "billing_period": "weekly"}, "billing_period"),
        ({"plan_name": "PRO", "auto_renew": "maybe"}, "auto_renew"),
    ],
)
def test_subscribe_validation(make_user, auth_client, body, field):
    user = make_user()

    answer = auth_client(user).post(reverse("billing:subscribe"), body, format="json")

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]
    assert not Payment.objects.exists()


def test_cancel_keeps_access_until_expiry(make_user, auth_client):
    user = make_user(plan="PRO")
    client = auth_client(user)

    answer = client.post(reverse("billing:cancel"))
    again = client.post(reverse("billing:cancel"))

    assert answer.status_code == 200
    subscription = answer.json()["data"]["subscription"]
    assert subscription["plan"] == "PRO"
    assert subscription["status"] == "cancelled"
    assert subscription["auto_renew"] is False
    assert again.status_code == 200
    stored = Subscription.objects.get(user=user)
    assert stored.status == "cancelled"
    assert stored.cancelled_at is not None


def test_cancel_without_paid_plan_is_invalid_state(make_user, auth_client):
    answer = auth_client(make_user()).post(reverse("billing:cancel"))

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "INVALID_STATE"


def test_cancel_touches_only_the_callers_subscription(make_user, auth_client):
    other = make_user(plan="PRO")
    subscription_grant(user=make_user(), plan_name="PRO")

    auth_client(make_user(plan="BUSINESS")).post(reverse("billing:cancel"))

    assert Subscription.objects.get(user=other).status == "active"
