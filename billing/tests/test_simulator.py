"""The whole purchase offline: subscribe → open payment_url → Pay → PRO with usage."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import Payment, PaymentEvent, ResponseCredit, ResponsePackage, Subscription

pytestmark = pytest.mark.django_db


def _checkout(auth, url_name, body):
    answer = auth.post(reverse(url_name), body, format="json")
    url = urlsplit(answer.json()["data"]["payment_url"])
    return url.path, {k: v[0] for k, v in parse_qs(url.query).items()}


def test_subscribe_pay_and_see_pro(make_user, auth_client, settings):
    settings.ROBOKASSA_FRONTEND_SUCCESS_URL = "/dev/robokassa/done?result=success"
    user = make_user()
    auth = auth_client(user)
    path, params = _checkout(auth, "billing:subscribe", {"plan_name": "PRO"})
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(path, params)
    assert page.status_code == 200
    assert b"Pay" in page.content and b"5000.00" in page.content
    token = page.cookies["csrftoken"].value
    paid = browser.post(path, {**params, "action": "pay", "csrfmiddlewaretoken": token})

    assert paid.status_code == 302
    assert paid["Location"].startswith("/api/v1/payments/robokassa/success?")
    front = browser.get(paid["Location"])
    assert front.status_code == 302
    assert (
        front["Location"] == f"{settings.ROBOKASSA_FRONTEND_SUCCESS_URL}&order_id={params['InvId']}"
    )
    done = browser.get(front["Location"])  # no front end configured: the simulator's own page
    assert done.status_code == 200 and f"Paid: order #{params['InvId']}".encode() in done.content
    payment = Payment.objects.get(pk=params["InvId"])
    assert payment.status == "paid"
    assert payment.is_test is True
    event = PaymentEvent.objects.get()
    assert (event.signature_ok, event.outcome) == (True, "paid")
    current = auth.get(reverse("billing:current")).json()["data"]["subscription"]
    assert current["plan"] == "PRO"
    assert current["usage"]["responses_limit"] == 30
    assert current["auto_renew"] is True  # simulator accepts Recurring


def test_pay_twice_has_one_effect(make_user, auth_client):
    user = make_user()
    path, params = _checkout(auth_client(user), "billing:subscribe", {"plan_name": "PRO"})

    Client().post(path, {**params, "action": "pay"})
    Client().post(path, {**params, "action": "pay"})

    subscription = Subscription.objects.get(user=user)
    assert (subscription.expires_at - subscription.started_at).days <= 31


def test_buy_package_offline(make_user, auth_client):
    user = make_user()
    package = ResponsePackage.objects.get(responses=15)
    path, params = _checkout(
        auth_client(user), "billing:pay-responses", {"package_id": str(package.pk)}
    )

    Client().post(path, {**params, "action": "pay"})

    assert ResponseCredit.objects.get(user=user).balance == 15


def test_cancel_marks_cancelled_and_follows_fail_url(make_user, auth_client, settings):
    user = make_user()
    path, params = _checkout(auth_client(user), "billing:subscribe", {"plan_name": "PRO"})

    answer = Client().post(path, {**params, "action": "cancel"})

    assert answer.status_code == 302
    assert answer["Location"].startswith("/api/v1/payments/robokassa/fail?")
    assert Payment.objects.get(pk=params["InvId"]).status == "cancelled"
    assert not Subscription.objects.filter(user=user).exists()


def test_tampered_link_is_refused(make_user, auth_client):
    user = make_user()
    path, params = _checkout(auth_client(user), "billing:subscribe", {"plan_name": "PRO"})

    page = Client().get(path, {**params, "OutSum": "1.00"})
    pay = Client().post(path, {**params, "OutSum": "1.00", "action": "pay"})

    assert page.status_code == 400
    assert pay.status_code == 400
    assert Payment.objects.get(pk=params["InvId"]).status == "pending"


def test_simulator_is_404_when_off(make_user, auth_client, settings):
    path, params = _checkout(auth_client(make_user()), "billing:subscribe", {"plan_name": "PRO"})
    settings.ROBOKASSA_SIMULATOR = False

    assert Client().get(path, params).status_code == 404
    assert Client().post(path, {**params, "action": "pay"}).status_code == 404
    assert Payment.objects.get(pk=params["InvId"]).status == "pending"


def test_pay_from_the_shell_without_a_csrf_token(make_user, auth_client):
    """The README presses Pay with curl: the signed link is the authority, no cookie needed."""
    auth = auth_client(make_user())
    path, params = _checkout(auth, "billing:subscribe", {"plan_name": "PRO"})

    paid = Client(enforce_csrf_checks=True).post(path, {**params, "action": "pay"})

    assert paid.status_code == 302
    assert Payment.objects.get(pk=params["InvId"]).status == "paid"
