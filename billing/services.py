"""Billing writes: subscriptions, payments, the Robokassa ResultURL, lifecycle jobs."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from billing.models import (
    CURRENT_STATUSES,
    BillingPeriod,
    Plan,
    PlanName,
    Subscription,
    SubscriptionStatus,
)
from mwork.api.exceptions import InvalidState, ValidationFailed

logger = logging.getLogger(__name__)

PERIODS = {
    BillingPeriod.MONTHLY: relativedelta(months=1),
    BillingPeriod.YEARLY: relativedelta(years=1),
}


def _period_delta(billing_period: str, days: int | None = None) -> relativedelta:
    if days is not None:
        return relativedelta(days=days)
    return PERIODS[BillingPeriod(billing_period)]


def _notify_on_commit(*, user_id: Any, type: str, data: dict[str, Any]) -> None:
    """Schedule `notifications.services.notify` after commit; a failure there never undoes
    billing (robust on_commit logs it)."""

    def _send() -> None:
        from accounts.models import User
        from notifications.services import notify

        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            notify(user=user, type=type, data=data)

    transaction.on_commit(_send, robust=True)


def _paid_plan(plan_name: str) -> Plan:
    plan = Plan.objects.filter(name=plan_name).first()
    if plan is None or plan.name == PlanName.FREE:
        raise ValidationFailed.for_field("plan_name", "Choose a paid plan: PRO or BUSINESS.")
    return plan


def _lock_current(user_id: Any) -> list[Subscription]:
    return list(
        Subscription.objects.select_for_update()
        .filter(user_id=user_id, status__in=CURRENT_STATUSES)
        .order_by("-expires_at")
    )


def _subscription_put(
    *,
    user_id: Any,
    plan: Plan,
    billing_period: str,
    delta: relativedelta,
    auto_renew: bool,
    recurring_payment: Any = None,
    granted_by_staff: bool = False,
) -> Subscription:
    """The one lifecycle rule (contract-notes §10), run under the caller's transaction:
    the same plan is extended from its expiry; another plan replaces it from now."""
    now = timezone.now()
    current: Subscription | None = None
    for subscription in _lock_current(user_id):
        if subscription.expires_at <= now:
            subscription.status = SubscriptionStatus.EXPIRED
            subscription.save(update_fields=["status", "updated_at"])
        elif current is None and subscription.plan_id == plan.pk:
            current = subscription
        else:
            subscription.status = SubscriptionStatus.REPLACED
            subscription.save(update_fields=["status", "updated_at"])
    if current is not None:
        current.expires_at = current.expires_at + delta
        current.status = SubscriptionStatus.ACTIVE
        current.billing_period = billing_period
        current.cancelled_at = None
        current.auto_renew = auto_renew or (current.auto_renew and recurring_payment is None)
        if recurring_payment is not None:
            current.recurring_payment = recurring_payment
        current.save()
        return current
    return Subscription.objects.create(
        user_id=user_id,
        plan=plan,
        billing_period=billing_period,
        status=SubscriptionStatus.ACTIVE,
        started_at=now,
        expires_at=now + delta,
        auto_renew=auto_renew,
        recurring_payment=recurring_payment,
        granted_by_staff=granted_by_staff,
    )


def subscription_grant(
    *, user, plan_name: str, billing_period: str = "monthly", days: int | None = None
) -> Subscription:
    """Give `user` a paid plan without a payment (staff back office, tests).

    Same plan → extended from its expiry; another plan → replaces the current one from now.
    `days` overrides the billing period's length. Raises `ValidationFailed` for FREE, an
    unknown plan, a bad period or a non-positive `days`.
    """
    if billing_period not in BillingPeriod.values:
        raise ValidationFailed.for_field("billing_period", "Use monthly or yearly.")
    if days is not None and days <= 0:
        raise ValidationFailed.for_field("days", "Must be at least 1.")
    with transaction.atomic():
        plan = _paid_plan(plan_name)
        return _subscription_put(
            user_id=user.pk,
            plan=plan,
            billing_period=billing_period,
            delta=_period_delta(billing_period, days),
            auto_renew=False,
            granted_by_staff=True,
        )


def subscription_extend(*, subscription: Subscription, days: int) -> Subscription:
    """Staff: push a current subscription's expiry by `days`.

    Raises `InvalidState` when it is expired or replaced, `ValidationFailed` for days < 1.
    """
    if days <= 0:
        raise ValidationFailed.for_field("days", "Must be at least 1.")
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.status not in CURRENT_STATUSES:
            raise InvalidState("Only a current subscription can be extended.")
        locked.expires_at = max(locked.expires_at, timezone.now()) + dt.timedelta(days=days)
        locked.save(update_fields=["expires_at", "updated_at"])
        return locked


def subscription_cancel(*, user) -> Subscription:
    """Stop auto-renewal; access stays until `expires_at`, then the expiry job ends it.

    Idempotent for an already cancelled subscription. Raises `InvalidState` when the user has
    no paid subscription.
    """
    with transaction.atomic():
        now = timezone.now()
        current = next((s for s in _lock_current(user.pk) if s.expires_at > now), None)
        if current is None:
            raise InvalidState("You have no paid subscription to cancel.")
        if current.status != SubscriptionStatus.CANCELLED:
            current.status = SubscriptionStatus.CANCELLED
            current.auto_renew = False
            current.cancelled_at = now
            current.save(update_fields=["status", "auto_renew", "cancelled_at", "updated_at"])
        return current
