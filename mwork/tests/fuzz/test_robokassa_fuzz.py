"""Hypothesis over Robokassa's ResultURL callback (the one unauthenticated endpoint that moves
money): arbitrary query strings and form bodies, GET and POST, with and without a valid
Password #2 signature.

Properties: never a 5xx; the answer is Robokassa's plain text (`OK{InvId}` or a 400/404
reason); without a valid signature nothing changes (payments, subscriptions, credits); with a
valid signature a payment is paid only when InvId is that payment and OutSum equals its amount.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import robokassa
from billing.models import Payment, PaymentStatus, ResponseCredit, Subscription
from mwork.tests.fuzz.harness import examples_per_operation, write_figures

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.timeout(900)]

URL = "/webhooks/robokassa/result"

# Everything Robokassa-shaped plus hostile text: NUL, surrogates are not encodable so left out.
text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
) | st.sampled_from(
    ["", "0", "-1", "1e9999", "NaN", "sNaN", "Infinity", "1_000", "٣", " 1 ", "5000.00", "\x00"]
)
keys = st.sampled_from(
    ["OutSum", "InvId", "SignatureValue", "Shp_user", "IsTest", "Culture", "EMail", "x"]
) | st.text(max_size=12)
params = st.dictionaries(keys, st.lists(text, min_size=1, max_size=3), max_size=8)


def _state() -> tuple:
    return (
        sorted(Payment.objects.values_list("pk", "status", "amount", "paid_at")),
        sorted(Subscription.objects.values_list("pk", "status", "expires_at", "plan_id")),
        sorted(ResponseCredit.objects.values_list("user_id", "balance")),
    )


def _examples() -> int:
    return examples_per_operation() * 25


def _encode(values: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(key, value) for key, many in values.items() for value in many]


@pytest.fixture
def payment(world):
    return world.a.payment


def _send(client, method: str, query: dict, form: dict):
    from urllib.parse import urlencode

    qs = urlencode(_encode(query))
    path = f"{URL}?{qs}" if qs else URL
    if method == "GET":
        return client.get(path)
    return client.generic(
        "POST", path, urlencode(_encode(form)), "application/x-www-form-urlencoded"
    )


def test_unsigned_callbacks_never_crash_and_change_nothing(client, world, payment):
    @settings(
        max_examples=_examples(),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(query=params, form=params, method=st.sampled_from(["GET", "POST"]))
    def run(query, form, method):
        before = _state()
        with transaction.atomic():
            response = _send(client, method, query, form)
            transaction.set_rollback(True)
        assert response.status_code in (200, 400, 404), response.content[:200]
        assert response["Content-Type"].startswith("text/plain")
        # 200 is only possible for a signed callback; random text cannot forge SHA-256.
        assert response.status_code != 200
        assert _state() == before
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    statuses: dict[int, int] = {}
    run()
    write_figures("robokassa-unsigned", statuses)


def test_signed_callbacks_pay_only_the_exact_amount_of_a_real_invoice(client, world, payment):
    password2 = robokassa.credentials().password2
    amount = Decimal(payment.amount)
    out_sums = (
        st.sampled_from(
            [f"{amount:.2f}", f"{amount:.6f}", str(payment.amount), f"{amount + 1:.2f}", "0", "-0"]
        )
        | text
    )
    inv_ids = st.sampled_from([str(payment.pk), str(world.b.payment.pk), "0", "99999999"]) | text

    @settings(
        max_examples=_examples(),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        out_sum=out_sums,
        inv_id=inv_ids,
        extra=params,
        method=st.sampled_from(["GET", "POST"]),
        upper=st.booleans(),
    )
    def run(out_sum, inv_id, extra, method, upper):
        shp = {k: v[-1] for k, v in extra.items() if k.startswith("Shp_")}
        signature = robokassa.result_signature(
            out_sum=out_sum, inv_id=inv_id, password2=password2, shp=shp
        )
        fields = {
            **extra,
            "OutSum": [out_sum],
            "InvId": [inv_id],
            "SignatureValue": [signature.upper() if upper else signature],
        }
        query, form = (fields, {}) if method == "GET" else ({}, fields)
        with transaction.atomic():
            response = _send(client, method, query, form)
            paid = Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PAID).exists()
            transaction.set_rollback(True)
        assert response.status_code in (200, 400, 404), response.content[:200]
        exact = inv_id.strip() == str(payment.pk) or _int_or_none(inv_id) == payment.pk
        try:
            same_amount = Decimal(out_sum) == amount
        except ArithmeticError:
            same_amount = False
        if paid:
            assert exact and same_amount, (out_sum, inv_id)
            assert response.content == f"OK{payment.pk}".encode()
        key = f"{response.status_code} paid" if paid else str(response.status_code)
        statuses[key] = statuses.get(key, 0) + 1

    statuses: dict[str, int] = {}
    run()
    write_figures("robokassa-signed", statuses)


def _int_or_none(value: str):
    try:
        return int(value)
    except ValueError:
        return None
