"""The Robokassa ResultURL: signed, locked, idempotent; every call stored raw."""

import json
import threading
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import (
    EventOutcome,
    Payment,
    PaymentEvent,
    PaymentStatus,
    ResponseCredit,
    Subscription,
)
from billing.services import (
    MAX_SHP_FIELDS,
    RESULT_FIELD_LENGTHS,
    SHP_NAME_LENGTH,
    SHP_VALUE_LENGTH,
)
from billing.tests.conftest import signed_result
from billing.tests.factories import PackagePaymentFactory, SubscriptionPaymentFactory

pytestmark = pytest.mark.django_db

URL = "/webhooks/robokassa/result"


def _post(client, params):
    return client.post(URL, params)


def _assert_unchanged(payment):
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert payment.paid_at is None
    assert not Subscription.objects.filter(user=payment.user).exists()


def test_url_name():
    assert reverse("robokassa-result") == URL


@pytest.mark.parametrize("method", ["get", "post"])
def test_valid_callback_pays_and_activates(api_client, method, django_capture_on_commit_callbacks):
    payment = SubscriptionPaymentFactory()
    params = signed_result(payment.pk, "5000.000000")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = getattr(api_client, method)(URL, params)

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    assert answer.content.decode() == f"OK{payment.pk}"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.paid_at is not None
    subscription = Subscription.objects.get(user=payment.user)
    assert subscription.status == "active"
    assert subscription.plan.name == "PRO"
    assert subscription.started_at == payment.paid_at or (
        abs(subscription.started_at - payment.paid_at) < timedelta(seconds=5)
    )
    start = subscription.started_at
    expected = start.replace(month=start.month % 12 + 1, year=start.year + (start.month == 12))
    assert abs(subscription.expires_at - expected) < timedelta(days=4)
    event = PaymentEvent.objects.get()
    assert event.payment == payment
    assert event.signature_ok is True
    assert event.outcome == EventOutcome.PAID
    assert event.method == method.upper()
    stored = event.data["query"] if method == "get" else event.data["form"]
    assert stored["OutSum"] == ["5000.000000"]
    assert callbacks
    from notifications.models import Notification

    note = Notification.objects.get(user=payment.user)
    assert note.type == "payment_succeeded"
    assert note.data["order_id"] == str(payment.pk)
    assert note.data["plan"] == "PRO"


def test_yearly_payment_gives_a_year(api_client):
    payment = SubscriptionPaymentFactory(billing_period="yearly")
    assert payment.amount == 50000

    answer = _post(api_client, signed_result(payment.pk, "50000"))

    assert answer.status_code == 200
    subscription = Subscription.objects.get(user=payment.user)
    assert subscription.billing_period == "yearly"
    assert timedelta(days=364) < subscription.expires_at - subscription.started_at
    assert subscription.expires_at - subscription.started_at < timedelta(days=367)


def test_replayed_five_times_has_one_effect(api_client, django_capture_on_commit_callbacks):
    payment = PackagePaymentFactory()
    params = signed_result(payment.pk, "1000.00")

    with django_capture_on_commit_callbacks(execute=True):
        answers = [_post(api_client, params) for _ in range(5)]

    assert [a.content.decode() for a in answers] == [f"OK{payment.pk}"] * 5
    assert ResponseCredit.objects.get(user=payment.user).balance == 5
    from notifications.models import Notification

    assert Notification.objects.filter(user=payment.user).count() == 1
    outcomes = sorted(PaymentEvent.objects.values_list("outcome", flat=True))
    assert outcomes == ["duplicate"] * 4 + ["paid"]


def test_replay_of_subscription_does_not_extend_twice(api_client):
    payment = SubscriptionPaymentFactory()
    params = signed_result(payment.pk, "5000.00")
    _post(api_client, params)
    expires = Subscription.objects.get(user=payment.user).expires_at

    for _ in range(4):
        _post(api_client, params)

    assert Subscription.objects.get(user=payment.user).expires_at == expires


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_callbacks_have_one_effect():
    from rest_framework.test import APIClient

    payment = PackagePaymentFactory()
    params = signed_result(payment.pk, "1000.000000")
    barrier = threading.Barrier(10)
    answers: list = []

    def call():
        try:
            barrier.wait()
            answers.append(APIClient().post(URL, params))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [200] * 10
    assert {a.content.decode() for a in answers} == {f"OK{payment.pk}"}
    assert ResponseCredit.objects.get(user=payment.user).balance == 5
    assert PaymentEvent.objects.filter(outcome="paid").count() == 1
    assert PaymentEvent.objects.filter(outcome="duplicate").count() == 9
    from notifications.models import Notification

    assert Notification.objects.filter(user=payment.user, type="payment_succeeded").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_subscription_callbacks_extend_once():
    from rest_framework.test import APIClient

    payment = SubscriptionPaymentFactory()
    params = signed_result(payment.pk, "5000.00")
    barrier = threading.Barrier(10)

    def call():
        try:
            barrier.wait()
            APIClient().post(URL, params)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    subscription = Subscription.objects.get(user=payment.user)
    assert subscription.expires_at - subscription.started_at < timedelta(days=32)


def _bad_cases(payment):
    good = signed_result(payment.pk, "5000.000000")
    return {
        "forged signature": ({**good, "SignatureValue": "0" * 64}, 400, "bad_signature"),
        "wrong password": (
            signed_result(payment.pk, "5000.000000", password2="guess"),
            400,
            "bad_signature",
        ),
        "tampered OutSum": ({**good, "OutSum": "5.000000"}, 400, "bad_signature"),
        "signed wrong amount": (signed_result(payment.pk, "4999.99"), 400, "amount_mismatch"),
        "unknown InvId": (signed_result(payment.pk + 1000, "5000.00"), 404, "unknown_invoice"),
        "non-numeric InvId": (signed_result("abc", "5000.00"), 404, "unknown_invoice"),
        "huge InvId": (signed_result(10**30, "5000.00"), 404, "unknown_invoice"),
        "NaN OutSum": (signed_result(payment.pk, "NaN"), 400, "amount_mismatch"),
        "garbage OutSum": (signed_result(payment.pk, "5k"), 400, "amount_mismatch"),
        "missing OutSum": ({k: v for k, v in good.items() if k != "OutSum"}, 400, "missing_fields"),
        "missing InvId": ({k: v for k, v in good.items() if k != "InvId"}, 400, "missing_fields"),
        "missing signature": (
            {k: v for k, v in good.items() if k != "SignatureValue"},
            400,
            "missing_fields",
        ),
        "empty": ({}, 400, "missing_fields"),
    }


CASES = [
    "forged signature",
    "wrong password",
    "tampered OutSum",
    "signed wrong amount",
    "unknown InvId",
    "non-numeric InvId",
    "huge InvId",
    "NaN OutSum",
    "garbage OutSum",
    "missing OutSum",
    "missing InvId",
    "missing signature",
    "empty",
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("case", CASES)
def test_bad_callbacks_change_nothing(api_client, case, method):
    payment = SubscriptionPaymentFactory()
    params, status, outcome = _bad_cases(payment)[case]

    answer = getattr(api_client, method)(URL, params)

    assert answer.status_code == status
    assert answer["Content-Type"].startswith("text/plain")
    assert not answer.content.decode().startswith("OK")
    _assert_unchanged(payment)
    event = PaymentEvent.objects.get()
    assert event.outcome == outcome
    assert event.method == method.upper()


def test_amount_mismatch_on_a_paid_payment_is_refused(api_client):
    payment = SubscriptionPaymentFactory()
    _post(api_client, signed_result(payment.pk, "5000"))

    answer = _post(api_client, signed_result(payment.pk, "1"))

    assert answer.status_code == 400
    assert PaymentEvent.objects.filter(outcome="amount_mismatch").count() == 1


def test_callback_with_shp_params(api_client):
    payment = SubscriptionPaymentFactory()

    answer = _post(api_client, signed_result(payment.pk, "5000.00", Shp_b="2", Shp_a="1"))

    assert answer.content.decode() == f"OK{payment.pk}"


def test_late_callback_pays_a_payment_marked_failed(api_client):
    payment = SubscriptionPaymentFactory(
        status=PaymentStatus.FAILED, created_at=timezone.now() - timedelta(days=2)
    )

    answer = _post(api_client, signed_result(payment.pk, "5000.00"))

    assert answer.status_code == 200
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
    assert Subscription.objects.get(user=payment.user).plan.name == "PRO"


def test_test_mode_uses_test_password(api_client, merchant):
    merchant.ROBOKASSA_IS_TEST = True
    payment = SubscriptionPaymentFactory()

    refused = _post(api_client, signed_result(payment.pk, "5000", password2="live-pass-2"))
    accepted = _post(api_client, signed_result(payment.pk, "5000", password2="test-pass-2"))

    assert refused.status_code == 400
    assert accepted.content.decode() == f"OK{payment.pk}"


# ---- bounded bodies and stored events ---------------------------------------------------------
def _event_bytes(event: PaymentEvent) -> int:
    return len(json.dumps(event.data, ensure_ascii=False).encode())


# The largest `data` a PaymentEvent can hold, from the documented lengths (both query and form).
MAX_EVENT_BYTES = (
    2
    * (
        sum(len(name) + length + 16 for name, length in RESULT_FIELD_LENGTHS.items())
        + MAX_SHP_FIELDS * (SHP_NAME_LENGTH + SHP_VALUE_LENGTH + 16)
    )
    + 64
)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart"])
def test_a_callback_body_over_the_webhook_limit_is_a_413_and_stores_nothing(
    api_client, settings, content_type
):
    payment = SubscriptionPaymentFactory()
    params = {**signed_result(payment.pk, "5000"), "Junk": "x" * settings.ROBOKASSA_MAX_BODY_BYTES}

    if content_type == "multipart":
        answer = api_client.post(URL, params)
    else:
        answer = api_client.generic("POST", URL, urlencode(params), content_type)

    assert answer.status_code == 413
    assert json.loads(answer.content)["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert not PaymentEvent.objects.exists()
    _assert_unchanged(payment)


def test_the_webhook_limit_is_a_few_kilobytes(settings):
    assert 1024 <= settings.ROBOKASSA_MAX_BODY_BYTES <= 16 * 1024


def test_only_robokassa_fields_are_stored_each_cut_to_its_length(api_client, settings):
    payment = SubscriptionPaymentFactory()
    shp = {f"Shp_k{i:02d}": "v" * 40 for i in range(MAX_SHP_FIELDS + 5)}
    params = {
        **signed_result(payment.pk, "5000", **shp),
        "EMail": "e" * 300,
        **{f"junk{i}": "j" * 20 for i in range(60)},
    }
    assert len(urlencode(params)) < settings.ROBOKASSA_MAX_BODY_BYTES

    answer = api_client.generic("POST", URL, urlencode(params), "application/x-www-form-urlencoded")

    assert answer.content.decode() == f"OK{payment.pk}"  # verified over what was received
    event = PaymentEvent.objects.get()
    form = event.data["form"]
    assert form["EMail"] == ["e" * RESULT_FIELD_LENGTHS["EMail"]]
    assert form["OutSum"] == ["5000"]
    assert not any(name.startswith("junk") for name in form)
    assert sum(name.startswith("Shp_") for name in form) == MAX_SHP_FIELDS
    assert event.data["dropped_fields"] == 60 + 5
    assert _event_bytes(event) <= MAX_EVENT_BYTES


def test_a_huge_callback_is_stored_within_the_documented_size():
    # Straight to the service: whatever reaches it (5 MB in a field, 900 fields of 10 KB).
    big = {"OutSum": ["9" * 5_000_000], "InvId": ["1" * 100_000], "SignatureValue": ["a" * 9999]}
    many = {f"Shp_{i}": ["s" * 10_000] for i in range(900)}
    many.update({f"f{i}": ["f" * 10_000] for i in range(900)})

    services.payment_process_result(query=big, form=many, method="POST", remote_addr="x" * 999)

    event = PaymentEvent.objects.get()
    assert _event_bytes(event) <= MAX_EVENT_BYTES
    assert len(event.inv_id) <= 64
    assert event.outcome == EventOutcome.BAD_SIGNATURE
