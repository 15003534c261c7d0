"""Billing writes: subscriptions, payments, the Robokassa ResultURL, lifecycle jobs."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from billing import robokassa
from billing.catalogue import plan_get
from billing.models import (
    CURRENT_STATUSES,
    BillingPeriod,
    EventOutcome,
    Payment,
    PaymentEvent,
    PaymentPurpose,
    PaymentStatus,
    Plan,
    PlanName,
    ResponseCredit,
    ResponsePackage,
    Subscription,
    SubscriptionStatus,
)
from mwork.api.exceptions import InvalidState, NotFound, PermissionDenied, ValidationFailed
from mwork.api.formats import format_datetime
from notifications.services import notify
from safety.services import trust_facts_set

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
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            notify(user=user, type=type, data=data)

    transaction.on_commit(_send, robust=True)


def _paid_plan(plan_name: str) -> Plan:
    plan = plan_get(plan_name)
    if plan is None or plan.name == PlanName.FREE:
        raise ValidationFailed.for_field("plan_name", _("Choose a paid plan: PRO or BUSINESS."))
    return plan


def _lock_current(user_id: Any) -> list[Subscription]:
    return list(
        Subscription.objects.select_for_update()
        .filter(user_id=user_id, status__in=CURRENT_STATUSES)
        .order_by("-expires_at")
    )


def _subscription_put(**kwargs: Any) -> Subscription:
    subscription = _subscription_put_rows(**kwargs)
    _push_paid_until(subscription)
    return subscription


def _push_paid_until(subscription: Subscription) -> None:
    # A paid plan raises the trust limits (docs/SAFETY.md); safety cannot ask billing.
    trust_facts_set(user_id=subscription.user_id, paid_until=subscription.expires_at)


def _subscription_put_rows(
    *,
    user_id: Any,
    plan: Plan,
    billing_period: str,
    delta: relativedelta,
    auto_renew: bool,
    recurring_payment: Any = None,
    granted_by_staff: bool = False,
) -> Subscription:
    """The one lifecycle rule (docs/API.md §10), run under the caller's transaction:
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
    *, user: User, plan_name: str, billing_period: str = "monthly", days: int | None = None
) -> Subscription:
    """Give `user` a paid plan without a payment (staff back office, tests).

    Same plan → extended from its expiry; another plan → replaces the current one from now.
    `days` overrides the billing period's length. Raises `ValidationFailed` for FREE, an
    unknown plan, a bad period or a non-positive `days`.
    """
    if billing_period not in BillingPeriod.values:
        raise ValidationFailed.for_field("billing_period", _("Use monthly or yearly."))
    if days is not None and days <= 0:
        raise ValidationFailed.for_field("days", _("Must be at least 1."))
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
        raise ValidationFailed.for_field("days", _("Must be at least 1."))
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.status not in CURRENT_STATUSES:
            raise InvalidState(_("Only a current subscription can be extended."))
        locked.expires_at = max(locked.expires_at, timezone.now()) + dt.timedelta(days=days)
        locked.save(update_fields=["expires_at", "updated_at"])
        _push_paid_until(locked)
        return locked


def subscription_cancel(*, user: User) -> Subscription:
    """Stop auto-renewal; access stays until `expires_at`, then the expiry job ends it.

    Idempotent for an already cancelled subscription. Raises `InvalidState` when the user has
    no paid subscription.
    """
    with transaction.atomic():
        now = timezone.now()
        current = next((s for s in _lock_current(user.pk) if s.expires_at > now), None)
        if current is None:
            raise InvalidState(_("You have no paid subscription to cancel."))
        if current.status != SubscriptionStatus.CANCELLED:
            current.status = SubscriptionStatus.CANCELLED
            current.auto_renew = False
            current.cancelled_at = now
            current.save(update_fields=["status", "auto_renew", "cancelled_at", "updated_at"])
        return current


def subscription_renewal_stop(*, user_id: Any) -> dict[str, int]:
    """A banned account is never charged again: auto-renewal off on its subscriptions (access
    is not cut here) and its pending renewal payments cancelled. Returns what it changed."""
    now = timezone.now()
    with transaction.atomic():
        stopped = Subscription.objects.filter(user_id=user_id, auto_renew=True).update(
            auto_renew=False, updated_at=now
        )
        cancelled = Payment.objects.filter(
            user_id=user_id, status=PaymentStatus.PENDING, parent__isnull=False
        ).update(status=PaymentStatus.CANCELLED, failure_reason="account banned", updated_at=now)
    return {"auto_renew_stopped": stopped, "renewal_payments_cancelled": cancelled}


# ---------------------------------------------------------------------------------------------
# Payments
# ---------------------------------------------------------------------------------------------
def _recurring_available() -> bool:
    return bool(settings.ROBOKASSA_RECURRING_ENABLED or robokassa.credentials().simulated)


def payment_create_for_subscription(
    *, user: User, plan_name: str, billing_period: str = "monthly", auto_renew: bool = True
) -> Payment:
    """A pending payment for a paid plan; the amount comes from the plan, never the client.

    The current plan is untouched until Robokassa confirms the payment. With `auto_renew` (and
    recurring enabled for the merchant) the checkout asks Robokassa for a recurring payment.
    Raises `ValidationFailed` for FREE/unknown plans or a bad period.
    """
    if billing_period not in BillingPeriod.values:
        raise ValidationFailed.for_field("billing_period", _("Use monthly or yearly."))
    plan = _paid_plan(plan_name)
    period_label = "monthly" if billing_period == BillingPeriod.MONTHLY else "yearly"
    return _payment_create(
        user_id=user.pk,
        purpose=PaymentPurpose.SUBSCRIPTION,
        plan=plan,
        billing_period=billing_period,
        amount=plan.price_for(billing_period),
        is_test=robokassa.credentials().is_test,
        recurring=auto_renew and _recurring_available(),
        description=f"MWork {plan.name} subscription, {period_label}",
    )


def payment_create_for_package(*, user: User, package: ResponsePackage) -> Payment:
    """A pending payment for a response package (models only); the amount is the package's.

    Raises `PermissionDenied` for non-model roles.
    """
    if user.role != Role.MODEL:
        raise PermissionDenied(_("Only models can buy response packages."))
    return _payment_create(
        user_id=user.pk,
        purpose=PaymentPurpose.RESPONSE_PACKAGE,
        package=package,
        amount=package.price,
        is_test=robokassa.credentials().is_test,
        description=f"MWork: {package.responses} casting responses",
    )


def _payment_create(**fields: Any) -> Payment:
    """Create a payment with its fiscal Receipt when ROBOKASSA_RECEIPT is on: one line, the
    plan or package with its period, at the payment's amount."""
    if robokassa.receipts_enabled():
        fields["receipt"] = robokassa.receipt_build(
            items=[(fields["description"], 1, fields["amount"])]
        )
    return Payment.objects.create(**fields)


CHECKOUT_LINK_SALT = "billing.checkout-form"


def checkout_form_token(*, payment: Payment) -> str:
    return signing.dumps(str(payment.public_id), salt=CHECKOUT_LINK_SALT)


def checkout_form_payment(*, public_id: Any, token: str) -> Payment:
    """The pending payment a checkout-form link is for. Raises `NotFound` for a bad or
    expired (BILLING_PENDING_PAYMENT_TTL_HOURS) token or a payment no longer pending."""
    try:
        signed = signing.loads(
            token,
            salt=CHECKOUT_LINK_SALT,
            max_age=dt.timedelta(hours=settings.BILLING_PENDING_PAYMENT_TTL_HOURS),
        )
    except signing.BadSignature:
        raise NotFound(_("Payment link expired.")) from None
    payment = (
        Payment.objects.filter(public_id=public_id, status=PaymentStatus.PENDING)
        .select_related("user")
        .first()
    )
    if payment is None or signed != str(payment.public_id):
        raise NotFound(_("Payment not found."))
    return payment


def checkout_form_fields(*, payment: Payment) -> dict[str, str]:
    """The signed fields the checkout form posts to Robokassa (Receipt included)."""
    return robokassa.payment_fields(
        inv_id=payment.pk,
        amount=payment.amount,
        description=payment.description,
        recurring=payment.recurring,
        email=payment.user.email,
        receipt=payment.receipt,
    )


def payment_checkout_url(*, payment: Payment) -> str:
    """Where the buyer pays: Robokassa's page, or the local simulator (a relative path). A
    payment with a Receipt is paid through a form POST (the Receipt is long): the link is a
    short-lived page of ours that posts it."""
    if payment.receipt:
        path = reverse("robokassa-checkout-form", kwargs={"public_id": payment.public_id})
        return f"{path}?{urlencode({'token': checkout_form_token(payment=payment)})}"
    return robokassa.payment_url(
        inv_id=payment.pk,
        amount=payment.amount,
        description=payment.description,
        recurring=payment.recurring,
        email=payment.user.email,
    )


def _payment_plan(payment: Payment) -> Plan:
    """The plan a subscription payment buys (billing_payment_target_matches_purpose)."""
    if payment.plan is None:
        raise ValueError(f"subscription payment {payment.pk} names no plan")
    return payment.plan


def _payment_package(payment: Payment) -> ResponsePackage:
    """The package a response-package payment buys (billing_payment_target_matches_purpose)."""
    if payment.package is None:
        raise ValueError(f"response-package payment {payment.pk} names no package")
    return payment.package


def _apply_renewal(payment: Payment) -> bool:
    """A confirmed automatic renewal (a charge of `payment.parent`'s card): extend the plan it
    renews, under the caller's transaction. Returns False when nothing was applied.

    The charge is sent up to BILLING_RENEWAL_LEAD_HOURS before expiry and confirmed later by
    ResultURL; meanwhile the user may have moved to another plan or cancelled. A renewal
    therefore never switches plans back (it is marked `refund_due` for staff instead) and never
    turns auto-renewal back on after a cancel. With no current subscription left (the
    confirmation came after expiry) it starts the plan again like a purchase.
    """
    now = timezone.now()
    current = [s for s in _lock_current(payment.user_id) if s.expires_at > now]
    if not current:
        _subscription_put(
            user_id=payment.user_id,
            plan=_payment_plan(payment),
            billing_period=payment.billing_period or BillingPeriod.MONTHLY,
            delta=_period_delta(payment.billing_period or BillingPeriod.MONTHLY),
            auto_renew=True,
            recurring_payment=payment.parent,
        )
        return True
    renewed = next((s for s in current if s.plan_id == payment.plan_id), None)
    if renewed is None:
        logger.warning(
            "Renewal payment %s confirmed after user %s left plan %s: refund due",
            payment.pk,
            payment.user_id,
            _payment_plan(payment).name,
        )
        payment.refund_due = True
        payment.save(update_fields=["refund_due", "updated_at"])
        return False
    renewed.expires_at += _period_delta(payment.billing_period or renewed.billing_period)
    renewed.save(update_fields=["expires_at", "updated_at"])
    _push_paid_until(renewed)
    return True


def _apply_payment(payment: Payment) -> None:
    """The effect of a paid payment; runs in the transaction that marks it paid."""
    if payment.purpose == PaymentPurpose.SUBSCRIPTION and payment.parent_id is not None:
        if not _apply_renewal(payment):
            return  # nothing bought took effect: no "payment succeeded" notification either
        target = {"plan": _payment_plan(payment).name}
    elif payment.purpose == PaymentPurpose.SUBSCRIPTION:
        root = payment if payment.recurring else None
        plan = _payment_plan(payment)
        _subscription_put(
            user_id=payment.user_id,
            plan=plan,
            billing_period=payment.billing_period or BillingPeriod.MONTHLY,
            delta=_period_delta(payment.billing_period or BillingPeriod.MONTHLY),
            auto_renew=root is not None,
            recurring_payment=root,
        )
        target = {"plan": plan.name}
    else:
        package = _payment_package(payment)
        ResponseCredit.objects.get_or_create(user_id=payment.user_id)
        ResponseCredit.objects.filter(user_id=payment.user_id).update(
            balance=F("balance") + package.responses, updated_at=timezone.now()
        )
        target = {"package": package.name}
    _notify_on_commit(
        user_id=payment.user_id,
        type="payment_succeeded",
        data={
            "order_id": payment.order_id,
            "amount": payment.amount,
            "purpose": payment.purpose,
            **target,
        },
    )


@dataclass(frozen=True)
class ResultAnswer:
    """What the ResultURL endpoint answers (plain text)."""

    status: int
    body: str
    outcome: str


MAX_INV_ID = 2**63 - 1


def _storable(value: Any) -> Any:
    """The raw callback as PostgreSQL can store it: text and jsonb refuse NUL characters, so
    each becomes U+FFFD (found by the Robokassa fuzzer: a `%00` in any parameter was a 500)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


# What Robokassa sends to ResultURL, SuccessURL and FailURL, with the length each is cut to
# when stored (docs/RELIABILITY.md, "Bounded request bodies"). Anything else in a callback is
# counted, not stored.
RESULT_FIELD_LENGTHS = {
    "OutSum": 32,
    "InvId": 32,
    "SignatureValue": 128,
    "Fee": 32,
    "IncSum": 32,
    "EMail": 254,
    "PaymentMethod": 64,
    "IncCurrLabel": 64,
    "IsTest": 8,
    "Culture": 8,
}
# Our own `Shp_` parameters, echoed back signed: at most this many, names and values cut.
MAX_SHP_FIELDS = 10
SHP_NAME_LENGTH = 64
SHP_VALUE_LENGTH = 256


def _event_fields(fields: dict[str, list[str]]) -> tuple[dict[str, list[str]], int]:
    """The callback fields worth keeping (last value of each, cut to its length) and how many
    others were dropped."""
    kept: dict[str, list[str]] = {}
    shp = 0
    for name, values in fields.items():
        if not values:
            continue
        if name in RESULT_FIELD_LENGTHS:
            kept[name] = [values[-1][: RESULT_FIELD_LENGTHS[name]]]
        elif name.startswith("Shp_") and shp < MAX_SHP_FIELDS:
            shp += 1
            kept[name[:SHP_NAME_LENGTH]] = [values[-1][:SHP_VALUE_LENGTH]]
    return kept, len(fields) - len(kept)


def payment_event_data(
    *, query: dict[str, list[str]], form: dict[str, list[str]]
) -> dict[str, object]:
    """What a `PaymentEvent` stores of a callback: bounded whatever was sent."""
    stored_query, dropped_query = _event_fields(query)
    stored_form, dropped_form = _event_fields(form)
    data: dict[str, object] = {"query": stored_query, "form": stored_form}
    if dropped_query or dropped_form:
        data["dropped_fields"] = dropped_query + dropped_form
    stored: dict[str, object] = _storable(data)
    return stored


def payment_process_result(
    *,
    query: dict[str, list[str]],
    form: dict[str, list[str]],
    method: str,
    remote_addr: str = "",
) -> ResultAnswer:
    """Handle one Robokassa ResultURL callback (GET query or POST form).

    Stores the callback as a `PaymentEvent` first (committed whatever happens; only the fields
    Robokassa sends, each cut to a documented length: `payment_event_data`), verifies
    the Password #2 signature over OutSum as received, locks the payment row, compares OutSum
    with the stored amount as decimals, then marks the payment paid and applies its effect in
    one transaction. A replay of a paid payment answers `OK{InvId}` with no second effect.
    Answers: 200 `OK{InvId}`; 400 missing fields / bad signature / amount mismatch; 404 unknown
    InvId — none of the errors changes a payment. Schedules `payment_succeeded` on commit.
    """
    params = {key: values[-1] for key, values in query.items() if values}
    params.update({key: values[-1] for key, values in form.items() if values})
    event = PaymentEvent.objects.create(
        method=_storable(method[:8]),
        data=payment_event_data(query=query, form=form),
        inv_id=_storable(params.get("InvId", "")[:64]),
        remote_addr=_storable(remote_addr[:64]),
    )

    def finish(status: int, body: str, outcome: str) -> ResultAnswer:
        event.outcome = outcome
        event.save(update_fields=["outcome", "signature_ok", "payment"])
        return ResultAnswer(status, body, outcome)

    missing = [name for name in ("OutSum", "InvId", "SignatureValue") if not params.get(name)]
    if missing:
        return finish(400, f"Missing {', '.join(missing)}", EventOutcome.MISSING_FIELDS)
    if not robokassa.verify_result(params):
        return finish(400, "Bad signature", EventOutcome.BAD_SIGNATURE)
    event.signature_ok = True
    try:
        out_sum = Decimal(params["OutSum"])
    except InvalidOperation:
        out_sum = Decimal("NaN")
    try:
        inv_id = int(params["InvId"])
    except ValueError:
        inv_id = 0
    if not 0 < inv_id <= MAX_INV_ID:
        return finish(404, "Unknown InvId", EventOutcome.UNKNOWN_INVOICE)

    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("plan", "package", "parent")
            .filter(pk=inv_id)
            .first()
        )
        if payment is None:
            return finish(404, "Unknown InvId", EventOutcome.UNKNOWN_INVOICE)
        event.payment = payment
        if not out_sum.is_finite() or out_sum != Decimal(payment.amount):
            return finish(400, "Amount mismatch", EventOutcome.AMOUNT_MISMATCH)
        if payment.status == PaymentStatus.PAID:
            return finish(200, f"OK{payment.pk}", EventOutcome.DUPLICATE)
        # A signed confirmation means the money arrived: honour it even when the payment was
        # marked failed (stale cleanup) or cancelled (the buyer left the page) meanwhile.
        payment.status = PaymentStatus.PAID
        payment.paid_at = timezone.now()
        payment.failure_reason = ""
        payment.save(update_fields=["status", "paid_at", "failure_reason", "updated_at"])
        _apply_payment(payment)
        return finish(200, f"OK{payment.pk}", EventOutcome.PAID)


def payment_cancel_pending(*, payment_id: int) -> Payment:
    """Mark a pending payment cancelled (the buyer cancelled at checkout).

    Raises `NotFound` for an unknown id; a payment in any other state is left unchanged.
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
        if payment is None:
            raise NotFound(_("Payment not found."))
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.CANCELLED
            payment.failure_reason = "Cancelled by the buyer at checkout."
            payment.save(update_fields=["status", "failure_reason", "updated_at"])
        return payment


def simulator_pay(*, payment_id: int) -> ResultAnswer:
    """The offline checkout's Pay: a correctly signed ResultURL callback, processed in-process
    through the same service Robokassa's callback uses. Raises `NotFound` for an unknown id."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("Payment not found."))
    params = robokassa.result_callback_params(inv_id=payment.pk, amount=payment.amount)
    return payment_process_result(
        query={}, form={k: [v] for k, v in params.items()}, method="SIM", remote_addr="simulator"
    )


# ---------------------------------------------------------------------------------------------
# Lifecycle jobs (Celery beat): each idempotent and safe to run twice at once
# ---------------------------------------------------------------------------------------------
def subscriptions_expire() -> int:
    """Expire current subscriptions past `expires_at`. One UPDATE: a row extended meanwhile is
    re-checked by PostgreSQL after its lock and left alone. Returns how many expired."""
    return Subscription.objects.filter(
        status__in=CURRENT_STATUSES, expires_at__lte=timezone.now()
    ).update(status=SubscriptionStatus.EXPIRED, updated_at=timezone.now())


def subscriptions_send_reminders() -> int:
    """Notify `subscription_expiring` once per expiry date, BILLING_REMINDER_DAYS ahead.

    Each row is claimed under `select_for_update(skip_locked=True)` and stamped with the
    `expires_at` it was sent for, so a parallel run skips it and an extension re-arms it.
    """
    now = timezone.now()
    due = Subscription.objects.filter(
        status__in=CURRENT_STATUSES,
        expires_at__gt=now,
        expires_at__lte=now + dt.timedelta(days=settings.BILLING_REMINDER_DAYS),
    ).exclude(reminder_sent_for=F("expires_at"))
    sent = 0
    for subscription_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            subscription = (
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related("plan")
                .filter(pk=subscription_id)
                .first()
            )
            if subscription is None:
                continue
            subscription.reminder_sent_for = subscription.expires_at
            subscription.save(update_fields=["reminder_sent_for", "updated_at"])
            _notify_on_commit(
                user_id=subscription.user_id,
                type="subscription_expiring",
                data={
                    "plan": subscription.plan.name,
                    "expires_at": format_datetime(subscription.expires_at),
                },
            )
            sent += 1
    return sent


def _renewal_payment_claim(subscription_id: Any, due: Any) -> Payment | None:
    with transaction.atomic():
        subscription = (
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("plan", "recurring_payment")
            .filter(pk=subscription_id)
            .first()
        )
        if subscription is None:
            return None
        subscription.renewal_attempted_for = subscription.expires_at
        subscription.save(update_fields=["renewal_attempted_for", "updated_at"])
        period = subscription.billing_period
        return _payment_create(
            user_id=subscription.user_id,
            purpose=PaymentPurpose.SUBSCRIPTION,
            plan=subscription.plan,
            billing_period=period,
            amount=subscription.plan.price_for(period),
            is_test=robokassa.credentials().is_test,
            parent=subscription.recurring_payment,
            description=f"MWork {subscription.plan.name} renewal, {period}",
        )


def payment_charge_recurring(*, payment: Payment) -> Payment:
    """Ask Robokassa to charge a renewal payment against its parent's card.

    Accepted → the payment stays pending until the signed ResultURL callback arrives (on the
    simulator the callback is sent in-process at once). Declined or unreachable → the payment
    is marked failed with the reason; the subscription then expires normally.
    """
    if robokassa.credentials().simulated:
        # Offline: Robokassa "accepts" and confirms at once through the signed callback.
        simulator_pay(payment_id=payment.pk)
        payment.refresh_from_db()
        return payment
    if payment.parent_id is None:
        raise ValueError(f"payment {payment.pk} is not a renewal: no parent to charge")
    try:
        robokassa.charge_recurring(
            inv_id=payment.pk,
            previous_inv_id=payment.parent_id,
            amount=payment.amount,
            description=payment.description,
            receipt=payment.receipt,
        )
    except robokassa.RecurringError as error:
        logger.warning("Recurring charge of payment %s failed: %s", payment.pk, error)
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED, failure_reason=str(error)[:255], updated_at=timezone.now()
        )
    payment.refresh_from_db()
    return payment


def subscriptions_renew_due() -> int:
    """Charge auto-renewing subscriptions through Robokassa's recurring API, at most once per
    expiry date, BILLING_RENEWAL_LEAD_HOURS before it. Returns how many charges were sent."""
    now = timezone.now()
    due = Subscription.objects.filter(
        status=SubscriptionStatus.ACTIVE,
        auto_renew=True,
        user__is_active=True,  # a banned or deleted account is never charged
        recurring_payment__isnull=False,
        expires_at__gt=now,
        expires_at__lte=now + dt.timedelta(hours=settings.BILLING_RENEWAL_LEAD_HOURS),
    ).exclude(renewal_attempted_for=F("expires_at"))
    charged = 0
    for subscription_id in list(due.values_list("pk", flat=True)):
        payment = _renewal_payment_claim(subscription_id, due)
        if payment is not None:
            payment_charge_recurring(payment=payment)
            charged += 1
    return charged


def payment_mark_refunded(*, payment_id: int) -> bool:
    """Staff refunded a `refund_due` payment in Robokassa's merchant panel: clear the flag and
    record when. Returns False when the payment had no refund due (nothing changes)."""
    now = timezone.now()
    return bool(
        Payment.objects.filter(pk=payment_id, refund_due=True).update(
            refund_due=False, refunded_at=now, updated_at=now
        )
    )


def payments_fail_stale() -> int:
    """Mark pending payments older than BILLING_PENDING_PAYMENT_TTL_HOURS failed (one UPDATE).
    A late signed callback still pays them (see `payment_process_result`)."""
    now = timezone.now()
    cutoff = now - dt.timedelta(hours=settings.BILLING_PENDING_PAYMENT_TTL_HOURS)
    return Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lt=cutoff).update(
        status=PaymentStatus.FAILED,
        failure_reason="No payment confirmation within the time limit.",
        updated_at=now,
    )
