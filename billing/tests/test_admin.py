import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from billing.models import Payment, PaymentEvent, Plan, Subscription
from billing.services import subscription_grant
from billing.tests.conftest import signed_result
from billing.tests.factories import SubscriptionPaymentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True, role="admin"))
    return client


def test_staff_grants_through_the_service(staff_client):
    user = UserFactory()

    answer = staff_client.post(
        reverse("admin:billing_subscription_add"),
        {"user": str(user.pk), "plan_name": "BUSINESS", "billing_period": "monthly", "days": "7"},
    )

    assert answer.status_code == 302, answer.content[:2000]
    subscription = Subscription.objects.get(user=user)
    assert subscription.plan.name == "BUSINESS"
    assert subscription.granted_by_staff is True
    assert 6 <= (subscription.expires_at - subscription.started_at).days <= 7


def test_staff_grant_on_top_of_current_plan_extends(staff_client):
    user = UserFactory()
    first = subscription_grant(user=user, plan_name="PRO", days=10)

    staff_client.post(
        reverse("admin:billing_subscription_add"),
        {"user": str(user.pk), "plan_name": "PRO", "billing_period": "monthly", "days": "5"},
    )

    assert Subscription.objects.get(user=user).pk == first.pk
    assert (Subscription.objects.get(user=user).expires_at - first.expires_at).days == 5


def test_extend_and_cancel_actions(staff_client):
    subscription = subscription_grant(user=UserFactory(), plan_name="PRO", days=10)
    url = reverse("admin:billing_subscription_changelist")

    staff_client.post(url, {"action": "extend_30_days", "_selected_action": [subscription.pk]})
    extended = Subscription.objects.get(pk=subscription.pk)
    staff_client.post(
        url, {"action": "cancel_subscriptions", "_selected_action": [subscription.pk]}
    )

    assert (extended.expires_at - subscription.expires_at).days == 30
    assert Subscription.objects.get(pk=subscription.pk).status == "cancelled"


def test_pages_render_and_filters_work(staff_client, api_client):
    payment = SubscriptionPaymentFactory()
    api_client.post("/webhooks/robokassa/result", signed_result(payment.pk, "5000.00"))
    subscription_grant(user=UserFactory(), plan_name="PRO")

    for name in ("plan", "responsepackage", "subscription", "payment", "paymentevent"):
        assert staff_client.get(reverse(f"admin:billing_{name}_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:billing_subscription_add")).status_code == 200
    assert (
        staff_client.get(
            reverse("admin:billing_payment_changelist"),
            {"status__exact": "paid", "purpose__exact": "subscription"},
        ).status_code
        == 200
    )
    assert (
        staff_client.get(reverse("admin:billing_payment_change", args=[payment.pk])).status_code
        == 200
    )
    event = PaymentEvent.objects.get()
    assert (
        staff_client.get(reverse("admin:billing_paymentevent_change", args=[event.pk])).status_code
        == 200
    )


def test_payments_are_read_only(staff_client):
    payment = SubscriptionPaymentFactory()

    answer = staff_client.post(
        reverse("admin:billing_payment_change", args=[payment.pk]), {"status": "paid"}
    )

    assert answer.status_code == 403
    assert Payment.objects.get(pk=payment.pk).status == "pending"
    assert staff_client.get(reverse("admin:billing_payment_add")).status_code == 403


def test_plans_are_editable(staff_client):
    plan = Plan.objects.get(name="PRO")

    answer = staff_client.get(reverse("admin:billing_plan_change", args=[plan.pk]))

    assert answer.status_code == 200
    assert b"price_monthly" in answer.content


def test_refund_due_filter_and_mark_refunded_action(staff_client):
    due = SubscriptionPaymentFactory(status="paid", refund_due=True)
    other = SubscriptionPaymentFactory(status="paid")
    url = reverse("admin:billing_payment_changelist")

    listed = staff_client.get(url, {"refund_due__exact": "1"})
    answer = staff_client.post(
        url, {"action": "mark_refunded", "_selected_action": [due.pk, other.pk]}
    )

    assert listed.status_code == 200 and listed.context["cl"].result_count == 1
    assert answer.status_code == 302
    assert Payment.objects.filter(refund_due=True).count() == 0
    assert Payment.objects.get(pk=other.pk).status == "paid"  # nothing else changed
