"""Beat jobs with time frozen: expiry, reminders, stale payments, recurring renewals."""

import datetime as dt
import hashlib
import threading
from urllib.parse import parse_qs

import pytest
import requests
import responses
import time_machine
from django.db import connection
from django.utils import timezone

from billing import tasks
from billing.models import Payment, PaymentStatus, Subscription
from billing.services import subscription_cancel, subscription_grant
from billing.tests.conftest import signed_result
from billing.tests.factories import SubscriptionPaymentFactory, plan
from notifications.models import Notification

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
RECURRING_URL = "https://auth.robokassa.kz/Merchant/Recurring"


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_expiry_job(make_user, frozen):
    active = subscription_grant(user=make_user(), plan_name="PRO", days=5)
    cancelled = subscription_grant(user=make_user(), plan_name="PRO", days=5)
    subscription_cancel(user=cancelled.user)
    later = subscription_grant(user=make_user(), plan_name="PRO", days=30)

    frozen.shift(dt.timedelta(days=5, seconds=1))
    first = tasks.expire_subscriptions.delay().get()
    second = tasks.expire_subscriptions.delay().get()

    assert (first, second) == (2, 0)
    assert Subscription.objects.get(pk=active.pk).status == "expired"
    assert Subscription.objects.get(pk=cancelled.pk).status == "expired"
    assert Subscription.objects.get(pk=later.pk).status == "active"


def test_reminder_sent_once_three_days_before(
    make_user, frozen, django_capture_on_commit_callbacks
):
    subscription = subscription_grant(user=make_user(), plan_name="PRO", days=10)

    frozen.shift(dt.timedelta(days=6))  # 4 days left: too early
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_renewal_reminders.delay().get() == 0
    frozen.shift(dt.timedelta(days=1, hours=1))  # under 3 days left
    with django_capture_on_commit_callbacks(execute=True):
        sent = tasks.send_renewal_reminders.delay().get()
        again = tasks.send_renewal_reminders.delay().get()

    assert (sent, again) == (1, 0)
    note = Notification.objects.get(user=subscription.user)
    assert note.type == "subscription_expiring"
    assert note.data == {
        "plan": "PRO",
        "expires_at": subscription.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_extension_rearms_the_reminder(make_user, frozen, django_capture_on_commit_callbacks):
    user = make_user()
    subscription_grant(user=user, plan_name="PRO", days=3)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_renewal_reminders.delay()
    subscription_grant(user=user, plan_name="PRO", days=30)

    frozen.shift(dt.timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_renewal_reminders.delay()

    assert Notification.objects.filter(user=user, type="subscription_expiring").count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_reminders_run_twice_at_once_send_one(make_user):
    users = [make_user() for _ in range(5)]
    for user in users:
        subscription_grant(user=user, plan_name="PRO", days=2)
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            tasks.send_renewal_reminders()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for user in users:
        assert Notification.objects.filter(user=user, type="subscription_expiring").count() == 1


def test_stale_pending_payments_fail(frozen):
    old = SubscriptionPaymentFactory(created_at=timezone.now() - dt.timedelta(hours=25))
    fresh = SubscriptionPaymentFactory(created_at=timezone.now() - dt.timedelta(hours=23))
    paid = SubscriptionPaymentFactory(
        status=PaymentStatus.PAID, created_at=timezone.now() - dt.timedelta(days=3)
    )

    assert tasks.fail_stale_payments.delay().get() == 1
    assert tasks.fail_stale_payments.delay().get() == 0

    assert Payment.objects.get(pk=old.pk).status == "failed"
    assert Payment.objects.get(pk=fresh.pk).status == "pending"
    assert Payment.objects.get(pk=paid.pk).status == "paid"


# ---- recurring renewals through Robokassa ----------------------------------------------------
def _recurring_subscription(api_client, user) -> Subscription:
    """First payment made with Recurring, confirmed by a signed ResultURL callback."""
    first = SubscriptionPaymentFactory(user=user, recurring=True)
    answer = api_client.post("/webhooks/robokassa/result", signed_result(first.pk, "5000.000000"))
    assert answer.content.decode() == f"OK{first.pk}"
    subscription = Subscription.objects.get(user=user)
    assert subscription.auto_renew is True
    assert subscription.recurring_payment == first
    return subscription


def _robokassa_recurring(calls: list):
    """Robokassa's Recurring endpoint: checks the signature, answers OK+InvoiceID."""

    def handler(request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        calls.append(form)
        expected = hashlib.sha256(
            f"mwork:{form['OutSum']}:{form['InvoiceID']}:live-pass-1".encode()
        ).hexdigest()
        if form["SignatureValue"].lower() != expected or form["MerchantLogin"] != "mwork":
            return (200, {}, "ERROR: bad signature")
        return (200, {}, f"OK+{form['InvoiceID']}")

    return handler


@responses.activate
def test_recurring_renewal_success(make_user, api_client, merchant, frozen):
    user = make_user()
    subscription = _recurring_subscription(api_client, user)
    old_expiry = subscription.expires_at
    calls: list = []
    responses.add_callback(responses.POST, RECURRING_URL, callback=_robokassa_recurring(calls))

    frozen.move_to(old_expiry - dt.timedelta(hours=12))
    charged = tasks.renew_subscriptions.delay().get()
    again = tasks.renew_subscriptions.delay().get()

    assert (charged, again) == (1, 0)
    assert len(calls) == 1
    renewal = Payment.objects.get(parent=subscription.recurring_payment)
    assert renewal.status == "pending"  # accepted; the money is confirmed by ResultURL
    assert calls[0]["InvoiceID"] == str(renewal.pk)
    assert calls[0]["PreviousInvoiceID"] == str(subscription.recurring_payment_id)
    assert calls[0]["OutSum"] == "5000.00"

    answer = api_client.post("/webhooks/robokassa/result", signed_result(renewal.pk, "5000.000000"))

    assert answer.content.decode() == f"OK{renewal.pk}"
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.expires_at > old_expiry + dt.timedelta(days=27)
    assert subscription.auto_renew is True
    assert Subscription.objects.filter(user=user).count() == 1


def _pending_renewal(api_client, user, frozen) -> tuple[Subscription, Payment]:
    """A recurring PRO subscription whose renewal charge Robokassa accepted (not yet confirmed)."""
    subscription = _recurring_subscription(api_client, user)
    responses.add_callback(responses.POST, RECURRING_URL, callback=_robokassa_recurring([]))
    frozen.move_to(subscription.expires_at - dt.timedelta(hours=12))
    assert tasks.renew_subscriptions.delay().get() == 1
    renewal = Payment.objects.get(parent=subscription.recurring_payment)
    assert renewal.status == "pending"
    return subscription, renewal


@responses.activate
def test_late_renewal_never_switches_the_plan_back(
    make_user, api_client, merchant, frozen, django_capture_on_commit_callbacks
):
    user = make_user()
    pro, renewal = _pending_renewal(api_client, user, frozen)
    upgrade = SubscriptionPaymentFactory(user=user, plan=plan("BUSINESS"))
    api_client.post(
        "/webhooks/robokassa/result", signed_result(upgrade.pk, f"{upgrade.amount}.000000")
    )
    business = Subscription.objects.get(user=user, status="active")
    assert business.plan.name == "BUSINESS"

    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client.post(
            "/webhooks/robokassa/result", signed_result(renewal.pk, "5000.000000")
        )

    # The money arrived (Robokassa gets its OK), but the PRO renewal takes nothing away.
    assert answer.content.decode() == f"OK{renewal.pk}"
    renewal.refresh_from_db()
    assert (renewal.status, renewal.refund_due) == ("paid", True)
    assert Subscription.objects.get(user=user, status="active") == business
    assert Subscription.objects.get(pk=business.pk).expires_at == business.expires_at
    assert Subscription.objects.get(pk=pro.pk).status == "replaced"
    assert not Notification.objects.filter(
        user=user, type="payment_succeeded", data__order_id=renewal.order_id
    ).exists()


@responses.activate
def test_late_renewal_after_cancel_extends_without_turning_auto_renew_back_on(
    make_user, api_client, merchant, frozen
):
    user = make_user()
    subscription, renewal = _pending_renewal(api_client, user, frozen)
    old_expiry = subscription.expires_at
    subscription_cancel(user=user)

    api_client.post("/webhooks/robokassa/result", signed_result(renewal.pk, "5000.000000"))

    subscription.refresh_from_db()
    assert subscription.expires_at > old_expiry + dt.timedelta(days=27)  # paid for: granted
    assert (subscription.status, subscription.auto_renew) == ("cancelled", False)
    assert not Payment.objects.get(pk=renewal.pk).refund_due
    frozen.move_to(old_expiry + dt.timedelta(hours=1))
    assert tasks.renew_subscriptions.delay().get() == 0  # no second charge after the cancel


@responses.activate
def test_renewal_confirmed_after_expiry_starts_the_plan_again(
    make_user, api_client, merchant, frozen
):
    user = make_user()
    subscription, renewal = _pending_renewal(api_client, user, frozen)
    frozen.move_to(subscription.expires_at + dt.timedelta(hours=2))
    tasks.expire_subscriptions.delay()

    api_client.post("/webhooks/robokassa/result", signed_result(renewal.pk, "5000.000000"))

    current = Subscription.objects.get(user=user, status="active")
    assert current.plan.name == "PRO"
    assert current.expires_at > timezone.now() + dt.timedelta(days=27)
    assert current.recurring_payment == subscription.recurring_payment
    assert current.auto_renew is True


@responses.activate
def test_recurring_renewal_declined(make_user, api_client, merchant, frozen):
    user = make_user()
    subscription = _recurring_subscription(api_client, user)
    responses.add(responses.POST, RECURRING_URL, body="ERROR: insufficient funds", status=200)

    frozen.move_to(subscription.expires_at - dt.timedelta(hours=2))
    tasks.renew_subscriptions.delay()
    tasks.renew_subscriptions.delay()

    assert len(responses.calls) == 1
    renewal = Payment.objects.get(parent=subscription.recurring_payment)
    assert renewal.status == "failed"
    assert "insufficient funds" in renewal.failure_reason
    frozen.shift(dt.timedelta(hours=3))
    tasks.expire_subscriptions.delay()
    assert Subscription.objects.get(pk=subscription.pk).status == "expired"


@responses.activate
@pytest.mark.parametrize(
    "answer",
    [
        {"body": "Service Unavailable", "status": 503},
        {"body": requests.ConnectionError("connection refused")},
        {"body": requests.Timeout("read timed out")},
    ],
)
def test_recurring_renewal_robokassa_down(make_user, api_client, merchant, frozen, answer):
    subscription = _recurring_subscription(api_client, make_user())
    responses.add(responses.POST, RECURRING_URL, **answer)

    frozen.move_to(subscription.expires_at - dt.timedelta(hours=2))
    tasks.renew_subscriptions.delay()

    renewal = Payment.objects.get(parent=subscription.recurring_payment)
    assert renewal.status == "failed"
    assert renewal.failure_reason


@responses.activate
def test_no_renewal_for_cancelled_or_non_recurring(make_user, api_client, merchant, frozen):
    cancelled = _recurring_subscription(api_client, make_user())
    subscription_cancel(user=cancelled.user)
    plain = subscription_grant(user=make_user(), plan_name="PRO")

    frozen.move_to(plain.expires_at - dt.timedelta(hours=1))
    assert tasks.renew_subscriptions.delay().get() == 0

    assert len(responses.calls) == 0


def test_simulator_renews_offline(make_user, api_client, frozen):
    user = make_user()
    first = SubscriptionPaymentFactory(user=user, recurring=True)
    api_client.post("/webhooks/robokassa/result", signed_result(first.pk, "5000.00"))
    subscription = Subscription.objects.get(user=user)
    old_expiry = subscription.expires_at

    frozen.move_to(old_expiry - dt.timedelta(hours=1))
    tasks.renew_subscriptions.delay()

    subscription.refresh_from_db()
    assert subscription.expires_at > old_expiry
    assert Payment.objects.get(parent=first).status == "paid"
