"""Billing reads: plans, packages, the current subscription, payment history."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from billing.entitlements import current_subscription, entitlements_for, responses_sent_this_month
from billing.models import (
    CURRENT_STATUSES,
    Payment,
    Plan,
    PlanName,
    ResponseCredit,
    ResponsePackage,
    Subscription,
    SubscriptionStatus,
)
from mwork.api.exceptions import NotFound
from mwork.api.formats import format_datetime


def subscription_summary(*, user: User) -> dict[str, Any]:
    """`{"plan", "status", "expires_at"}` for `/auth/me`; FREE/active/None when nothing is paid.

    `expires_at` is an ISO-8601 UTC string with `Z` (or None).
    """
    subscription = current_subscription(user)
    if subscription is None:
        return {
            "plan": PlanName.FREE.value,
            "status": SubscriptionStatus.ACTIVE.value,
            "expires_at": None,
        }
    return {
        "plan": subscription.plan.name,
        "status": subscription.status,
        "expires_at": format_datetime(subscription.expires_at),
    }


def promoted_until_subquery() -> Subquery:
    """Latest `expires_at` of a current subscription whose plan has `profile_promotion`, for
    `OuterRef("user_id")`; NULL when there is none."""
    return Subquery(
        Subscription.objects.filter(
            user_id=OuterRef("user_id"),
            status__in=CURRENT_STATUSES,
            expires_at__gt=Now(),
            plan__profile_promotion=True,
        )
        .order_by("-expires_at")
        .values("expires_at")[:1]
    )


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.all()


def package_list_active() -> QuerySet[ResponsePackage]:
    return ResponsePackage.objects.filter(is_active=True)


def package_get_active(*, package_id: Any) -> ResponsePackage:
    """Raises `NotFound` for an unknown or withdrawn package."""
    package = package_list_active().filter(pk=package_id).first()
    if package is None:
        raise NotFound(_("Response package not found."))
    return package


def photos_uploaded(user: User) -> int:
    """The user's portfolio photos, counted along the relations profiles and media add to the
    user (both sit above billing: read, never imported)."""
    counted = User.objects.filter(pk=user.pk).aggregate(n=Count("model_profile__photos"))
    return counted["n"] or 0


def subscription_current_for_user(*, user: User) -> dict[str, Any]:
    """The `/subscriptions/current` body: plan, status, dates, auto_renew and usage."""
    subscription = current_subscription(user)
    ents = entitlements_for(user)
    credit = ResponseCredit.objects.filter(user_id=user.pk).values_list("balance", flat=True)
    usage = {
        "photos_uploaded": photos_uploaded(user),
        "photos_limit": ents.max_photos,
        "responses_sent": responses_sent_this_month(user),
        "responses_limit": ents.max_responses_per_month,
        "response_credits": next(iter(credit), 0),
    }
    if subscription is None:
        return {
            "plan": ents.plan,
            "status": SubscriptionStatus.ACTIVE.value,
            "billing_period": None,
            "started_at": None,
            "expires_at": None,
            "auto_renew": False,
            "usage": usage,
        }
    return {
        "plan": subscription.plan.name,
        "status": subscription.status,
        "billing_period": subscription.billing_period,
        "started_at": subscription.started_at,
        "expires_at": subscription.expires_at,
        "auto_renew": subscription.auto_renew,
        "usage": usage,
    }


def payment_list_for_user(*, user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(user_id=user.pk).select_related("plan", "package")


def payment_get_for_owner(*, user: User, order_id: Any) -> Payment:
    """The caller's own payment by InvId; someone else's (or unknown) raises `NotFound`."""
    try:
        pk = int(order_id)
    except (TypeError, ValueError):
        raise NotFound(_("Payment not found.")) from None
    payment = payment_list_for_user(user=user).filter(pk=pk).first()
    if payment is None:
        raise NotFound(_("Payment not found."))
    return payment
