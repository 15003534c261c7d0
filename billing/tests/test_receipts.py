"""Fiscal receipts (ROBOKASSA_RECEIPT=1): the Receipt JSON, its URL encoding and its place in
the signature on fixed vectors, the form POST checkout through the simulator (which checks the
receipt's sum against OutSum), recurring charges with a receipt."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
import time_machine
from django.test import Client
from django.urls import reverse

from billing import robokassa, tasks
from billing.models import Payment
from billing.tests.conftest import signed_result
from billing.tests.factories import SubscriptionPaymentFactory

pytestmark = pytest.mark.django_db

# A receipt written out by hand, its URL encoding and signatures computed once, outside the
# code under test (python -c with hashlib/urllib), for MerchantLogin "demo", Password#1
# "password_1", InvId 154, OutSum 5000.00.
RECEIPT_TEXT = (
    '{"sno":"osn","items":[{"name":"Подписка PRO, месяц","quantity":1,"sum":5000,"tax":"vat16"}]}'
)
RECEIPT_ENCODED = (
    "%7B%22sno%22%3A%22osn%22%2C%22items%22%3A%5B%7B%22name%22%3A%22%D0%9F%D0%BE%D0%B4%D0%BF"
    "%D0%B8%D1%81%D0%BA%D0%B0%20PRO%2C%20%D0%BC%D0%B5%D1%81%D1%8F%D1%86%22%2C%22quantity%22%3A1"
    "%2C%22sum%22%3A5000%2C%22tax%22%3A%22vat16%22%7D%5D%7D"
)
SIGNATURE = "247c94c2587e10d874b8502d85ad5797a8e6fc99ba530a7c74429e3a28d425f0"
SIGNATURE_WITH_SHP = "ce49a32a20e2c2a80ab39daf038fd88b90bdb4667185fed0341359c09b1212a4"


@pytest.fixture
def receipts(settings):
    settings.ROBOKASSA_RECEIPT = True
    settings.ROBOKASSA_TAX = "vat16"
    settings.ROBOKASSA_SNO = "osn"
    return settings


def test_receipt_json_and_encoding_on_a_fixed_vector(receipts):
    receipt = robokassa.receipt_build(items=[("Подписка PRO, месяц", 1, 5000)])

    assert robokassa.receipt_encode(receipt) == RECEIPT_ENCODED
    assert robokassa.receipt_decode(RECEIPT_ENCODED) == receipt
    assert robokassa.receipt_total(receipt) == 5000


def test_signature_includes_the_receipt_after_inv_id():
    signature = robokassa.payment_signature(
        merchant_login="demo",
        out_sum="5000.00",
        inv_id=154,
        password1="password_1",
        receipt=RECEIPT_ENCODED,
    )
    with_shp = robokassa.payment_signature(
        merchant_login="demo",
        out_sum="5000.00",
        inv_id=154,
        password1="password_1",
        receipt=RECEIPT_ENCODED,
        shp={"Shp_plan": "PRO"},
    )

    assert signature == SIGNATURE
    by_hand = f"demo:5000.00:154:{RECEIPT_ENCODED}:password_1"
    assert signature == hashlib.sha256(by_hand.encode()).hexdigest()
    assert with_shp == SIGNATURE_WITH_SHP  # Shp_ pairs still come after Password#1


def test_tax_code_and_taxation_system_are_settings(settings):
    settings.ROBOKASSA_TAX = "none"
    settings.ROBOKASSA_SNO = ""

    receipt = robokassa.receipt_build(items=[("x" * 200, 1, 1000)])

    assert receipt == {"items": [{"name": "x" * 128, "quantity": 1, "sum": 1000, "tax": "none"}]}


def _form_fields(html: str) -> tuple[str, dict[str, str]]:
    action = unescape(re.search(r'<form method="post" action="([^"]+)"', html).group(1))
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }
    return action, fields  # with the simulator's csrfmiddlewaretoken, as a browser sends it


def _checkout(auth_client, user, body=None):
    answer = auth_client(user).post(
        reverse("billing:subscribe"), body or {"plan_name": "PRO"}, format="json"
    )
    return urlsplit(answer.json()["data"]["payment_url"])


def test_checkout_posts_the_signed_receipt_and_the_simulator_accepts_it(
    receipts, make_user, auth_client
):
    user = make_user()
    url = _checkout(auth_client, user)
    payment = Payment.objects.get(user=user)
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(url.path, {k: v[0] for k, v in parse_qs(url.query).items()})

    assert url.path == f"/pay/robokassa/{payment.public_id}"
    assert payment.receipt == {
        "sno": "osn",
        "items": [
            {"name": "MWork PRO subscription, monthly", "quantity": 1, "sum": 5000, "tax": "vat16"}
        ],
    }
    assert page.status_code == 200
    action, fields = _form_fields(page.content.decode())
    assert action == "/dev/robokassa/checkout"
    assert fields["OutSum"] == "5000.00"
    assert robokassa.receipt_decode(fields["Receipt"]) == payment.receipt
    creds = robokassa.credentials()
    by_hand = f"{creds.merchant_login}:5000.00:{payment.pk}:{fields['Receipt']}:{creds.password1}"
    assert fields["SignatureValue"] == hashlib.sha256(by_hand.encode()).hexdigest()

    shown = browser.post(action, fields)
    assert shown.status_code == 200
    token = browser.cookies["csrftoken"].value
    paid = browser.post(action, {**fields, "action": "pay", "csrfmiddlewaretoken": token})

    assert paid.status_code == 302
    assert Payment.objects.get(pk=payment.pk).status == "paid"


@pytest.mark.parametrize("tamper", ["sum", "missing", "unsigned"])
def test_simulator_refuses_a_receipt_that_does_not_match(receipts, make_user, auth_client, tamper):
    user = make_user()
    url = _checkout(auth_client, user)
    page = Client().get(url.path, {k: v[0] for k, v in parse_qs(url.query).items()})
    action, fields = _form_fields(page.content.decode())
    receipt = robokassa.receipt_decode(fields["Receipt"])
    creds = robokassa.credentials()
    if tamper == "missing":
        del fields["Receipt"]
        fields["SignatureValue"] = robokassa.payment_signature(
            merchant_login=creds.merchant_login,
            out_sum=fields["OutSum"],
            inv_id=fields["InvId"],
            password1=creds.password1,
        )
    else:
        receipt["items"][0]["sum"] = 1 if tamper == "sum" else 5000
        receipt["items"][0]["name"] = "Changed"
        fields["Receipt"] = robokassa.receipt_encode(receipt)
        if tamper == "sum":  # signed correctly, but its sum is not OutSum
            fields["SignatureValue"] = robokassa.payment_signature(
                merchant_login=creds.merchant_login,
                out_sum=fields["OutSum"],
                inv_id=fields["InvId"],
                password1=creds.password1,
                receipt=fields["Receipt"],
            )

    answer = Client().post(action, {**fields, "action": "pay"})

    assert answer.status_code == 400
    assert Payment.objects.get(user=user).status == "pending"


def test_checkout_form_link_is_short_lived(receipts, make_user, auth_client, settings):
    url = _checkout(auth_client, make_user())
    query = {k: v[0] for k, v in parse_qs(url.query).items()}

    later = dt.datetime.now(dt.UTC) + dt.timedelta(
        hours=settings.BILLING_PENDING_PAYMENT_TTL_HOURS, minutes=1
    )
    with time_machine.travel(later):
        assert Client().get(url.path, query).status_code == 404
    assert Client().get(url.path, {"token": "forged"}).status_code == 404


def test_without_receipts_the_link_stays_a_get_link(make_user, auth_client):
    user = make_user()
    url = _checkout(auth_client, user)

    assert url.path == "/dev/robokassa/checkout"
    assert "Receipt" not in parse_qs(url.query)
    assert Payment.objects.get(user=user).receipt is None


@responses.activate
def test_recurring_charge_carries_a_receipt(receipts, merchant, make_user, api_client):
    recurring_url = "https://auth.robokassa.kz/Merchant/Recurring"
    user = make_user()
    first = SubscriptionPaymentFactory(user=user, recurring=True)
    api_client.post("/webhooks/robokassa/result", signed_result(first.pk, "5000.000000"))
    calls: list = []

    def robokassa_recurring(request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        calls.append(form)
        by_hand = f"mwork:{form['OutSum']}:{form['InvoiceID']}:{form['Receipt']}:live-pass-1"
        if form["SignatureValue"] != hashlib.sha256(by_hand.encode()).hexdigest():
            return (200, {}, "ERROR: bad signature")
        return (200, {}, f"OK+{form['InvoiceID']}")

    responses.add_callback(responses.POST, recurring_url, callback=robokassa_recurring)
    expires_at = user.subscriptions.get().expires_at

    with time_machine.travel(expires_at - dt.timedelta(hours=12)):
        assert tasks.renew_subscriptions.delay().get() == 1

    renewal = Payment.objects.get(parent=first)
    assert renewal.status == "pending"  # accepted: the signature with the Receipt matched
    receipt = robokassa.receipt_decode(calls[0]["Receipt"])
    assert receipt == renewal.receipt
    assert robokassa.receipt_total(receipt) == 5000
    assert receipt["items"][0]["name"] == "MWork PRO renewal, monthly"
