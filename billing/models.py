"""Billing: plans, subscriptions, response packages and credits, Robokassa payments.

Money is integer tenge. A Robokassa `InvId` is the payment's bigint primary key (a database
identity/sequence on PostgreSQL, an autoincrement on SQLite); the public id is a UUID.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlanName(models.TextChoices):
    FREE = "FREE", _("Free")
    PRO = "PRO", _("Pro")
    BUSINESS = "BUSINESS", _("Business")


class Analytics(models.TextChoices):
    NONE = "none", _("None")
    BASIC = "basic", _("Basic")
    ADVANCED = "advanced", _("Advanced")


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    YEARLY = "yearly", _("Yearly")


UNLIMITED = -1


class Plan(models.Model):
    name = models.CharField(max_length=16, choices=PlanName.choices, unique=True)
    price_monthly = models.PositiveIntegerField(help_text="Tenge.")
    price_yearly = models.PositiveIntegerField(help_text="Tenge.")
    max_photos = models.IntegerField(help_text="-1 = unlimited.")
    max_responses_per_month = models.IntegerField(help_text="-1 = unlimited.")
    chat_access = models.BooleanField(default=False)
    profile_promotion = models.BooleanField(default=False)
    priority_support = models.BooleanField(default=False)
    analytics = models.CharField(max_length=16, choices=Analytics.choices, default=Analytics.NONE)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["sort_order", "price_monthly"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_photos__gte=UNLIMITED), name="billing_plan_max_photos_valid"
            ),
            models.CheckConstraint(
                condition=Q(max_responses_per_month__gte=UNLIMITED),
                name="billing_plan_max_responses_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def price_for(self, billing_period: str) -> int:
        return self.price_yearly if billing_period == BillingPeriod.YEARLY else self.price_monthly


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled (access until expiry)")
    EXPIRED = "expired", _("Expired")
    REPLACED = "replaced", _("Replaced by another plan")


# A cancelled subscription still gives access until `expires_at`.
CURRENT_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLED)


class Subscription(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    billing_period = models.CharField(
        max_length=8, choices=BillingPeriod.choices, default=BillingPeriod.MONTHLY
    )
    status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    auto_renew = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The paid payment made with Robokassa `Recurring`: its InvId is the PreviousInvoiceID of
    # every automatic renewal.
    recurring_payment = models.ForeignKey(
        "Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Both hold the `expires_at` they were done for, so an extension re-arms them.
    reminder_sent_for = models.DateTimeField(null=True, blank=True)
    renewal_attempted_for = models.DateTimeField(null=True, blank=True)
    granted_by_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["active", "cancelled"]),
                name="billing_one_current_subscription_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="billing_sub_status_exp_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.status} until {self.expires_at:%Y-%m-%d}"


class ResponsePackage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=64)
    responses = models.PositiveIntegerField()
    price = models.PositiveIntegerField(help_text="Tenge.")
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("response package")
        verbose_name_plural = _("response packages")
        ordering = ["sort_order", "price"]
        constraints = [
            models.CheckConstraint(
                condition=Q(responses__gt=0), name="billing_package_responses_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.responses} responses, {self.price} KZT)"


class ResponseCredit(models.Model):
    """Bought response credits; spent only once the monthly allowance is used up."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="response_credit",
    )
    balance = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("response credit")
        verbose_name_plural = _("response credits")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.balance}"


class ResponseUsage(models.Model):
    """A user's monthly allowances in one Asia/Almaty calendar month — responses sent, and
    invitations to apply sent to models (`invites_used`); the row is the lock."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="response_usages"
    )
    month = models.DateField(help_text="First day of the month, Asia/Almaty calendar.")
    used = models.PositiveIntegerField(default=0, help_text="Spent from the monthly allowance.")
    credits_used = models.PositiveIntegerField(default=0, help_text="Spent from bought credits.")
    invites_used = models.PositiveIntegerField(
        default=0, help_text="Invitations to apply sent to models (castings' invites)."
    )

    class Meta:
        verbose_name = _("response usage")
        verbose_name_plural = _("response usages")
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="billing_usage_user_month"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.month:%Y-%m}: {self.used}+{self.credits_used}"

    @property
    def responses_sent(self) -> int:
        return self.used + self.credits_used


class PaymentPurpose(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription")
    RESPONSE_PACKAGE = "response_package", _("Response package")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Payment(models.Model):
    # The bigint identity is Robokassa's InvId; never reused, never chosen by a client.
    id = models.BigAutoField(primary_key=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    purpose = models.CharField(max_length=20, choices=PaymentPurpose.choices)
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    billing_period = models.CharField(
        max_length=8, choices=BillingPeriod.choices, blank=True, default=""
    )
    package = models.ForeignKey(
        ResponsePackage, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    amount = models.PositiveIntegerField(help_text="Tenge, from the plan or package.")
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    is_test = models.BooleanField(default=False)
    recurring = models.BooleanField(
        default=False, help_text="Paid with Robokassa Recurring: later renewals charge it."
    )
    # Set on automatic renewals: the first recurring payment whose InvId Robokassa charges again.
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals"
    )
    description = models.CharField(max_length=100, blank=True, default="")
    failure_reason = models.CharField(max_length=255, blank=True, default="")
    # Paid, but its effect could not be applied (a renewal of a plan the user had left meanwhile):
    # staff refund it in Robokassa's merchant panel and clear the flag (admin action).
    refund_due = models.BooleanField(default=False)
    # When staff recorded the refund (clearing `refund_due`): refunded money is not revenue.
    refunded_at = models.DateTimeField(null=True, blank=True)
    # The fiscal Receipt sent to Robokassa with this payment (ROBOKASSA_RECEIPT=1), as JSON;
    # kept with the payment for the fiscal records (docs/PRIVACY.md).
    receipt = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(purpose="subscription", plan__isnull=False, package__isnull=True)
                    | Q(purpose="response_package", package__isnull=False, plan__isnull=True)
                ),
                name="billing_payment_target_matches_purpose",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="billing_pay_status_created_idx"),
            models.Index(fields=["user", "-created_at"], name="billing_pay_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.purpose} {self.amount} KZT {self.status}"

    @property
    def inv_id(self) -> int:
        return self.pk

    @property
    def order_id(self) -> str:
        return str(self.pk)


class EventOutcome(models.TextChoices):
    RECEIVED = "received", _("Received (processing)")
    PAID = "paid", _("Marked paid")
    DUPLICATE = "duplicate", _("Already paid (replay)")
    MISSING_FIELDS = "missing_fields", _("Missing fields")
    BAD_SIGNATURE = "bad_signature", _("Bad signature")
    UNKNOWN_INVOICE = "unknown_invoice", _("Unknown InvId")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount mismatch")


class PaymentEvent(models.Model):
    """Every ResultURL callback, for audit: the fields Robokassa sends, each cut to its length
    (`billing.services.RESULT_FIELD_LENGTHS`); others are only counted (`dropped_fields`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    inv_id = models.CharField(max_length=64, blank=True, default="")
    method = models.CharField(max_length=8)
    data = models.JSONField(default=dict, help_text="Query/form parameters as received.")
    remote_addr = models.CharField(max_length=64, blank=True, default="")
    signature_ok = models.BooleanField(default=False)
    outcome = models.CharField(
        max_length=20, choices=EventOutcome.choices, default=EventOutcome.RECEIVED
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["inv_id"], name="billing_event_inv_id_idx")]

    def __str__(self) -> str:
        return f"InvId {self.inv_id or '?'} {self.outcome} at {self.received_at:%Y-%m-%d %H:%M}"
