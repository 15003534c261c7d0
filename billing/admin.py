"""Back office: plans and packages editable; subscriptions granted, extended and cancelled
through services; payments and their callbacks read-only."""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from billing import services
from billing.models import (
    BillingPeriod,
    Payment,
    PaymentEvent,
    Plan,
    PlanName,
    ResponseCredit,
    ResponsePackage,
    Subscription,
)
from moderation.admin_links import Link, RelatedLinksMixin, audit_about
from moderation.admin_policy import (
    CapabilityAutocompleteJsonView,
    CapabilityAutocompleteSelect,
    PolicyAdmin,
    PolicyTabularInline,
)
from moderation.models import AuditAction
from mwork.admin_display import json_display
from mwork.api.exceptions import DomainError
from mwork.formats import thousands


@admin.register(Plan)
class PlanAdmin(PolicyAdmin):
    list_display = (
        "name",
        "price_monthly",
        "price_yearly",
        "max_photos",
        "max_responses_per_month",
        "chat_access",
        "profile_promotion",
        "priority_support",
        "analytics",
    )
    ordering = ("sort_order",)


@admin.register(ResponsePackage)
class ResponsePackageAdmin(PolicyAdmin):
    list_display = ("name", "responses", "price", "is_active", "sort_order")
    list_filter = ("is_active",)


class SubscriptionGrantForm(forms.ModelForm):
    plan_name = forms.ChoiceField(choices=[(PlanName.PRO, "PRO"), (PlanName.BUSINESS, "BUSINESS")])
    billing_period = forms.ChoiceField(choices=BillingPeriod.choices)
    days = forms.IntegerField(
        required=False, min_value=1, help_text=_("Optional: length in days instead of the period.")
    )

    class Meta:
        model = Subscription
        fields = ("user",)

    def validate_unique(self) -> None:
        # The instance is never saved: the grant service applies the lifecycle rules.
        return


GRANTEES = {"is_active": True, "is_staff": False}


class ExtendForm(forms.Form):
    days = forms.IntegerField(min_value=1, initial=30)


@admin.register(Subscription)
class SubscriptionAdmin(RelatedLinksMixin, PolicyAdmin):
    def related(self, obj: Subscription) -> list[Link]:
        return [
            Link(_("user"), "accounts.user", pk=obj.user_id),
            Link(_("payments"), "billing.payment", {"user": obj.user_id}),
            audit_about(obj.pk),
        ]

    list_display = (
        "user",
        "plan",
        "billing_period",
        "status",
        "started_at",
        "expires_at",
        "auto_renew",
        "granted_by_staff",
    )
    list_filter = ("status", "plan", "billing_period", "auto_renew", "granted_by_staff")
    search_fields = ("user__email",)
    list_select_related = ("user", "plan")
    date_hierarchy = "expires_at"
    actions = ("extend_30_days", "cancel_subscriptions")
    audit_add_action = AuditAction.SUBSCRIPTION_GRANT

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SubscriptionGrantForm
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # A picker scoped to what a grant needs: active customer accounts, id and e-mail
            # only, for holders of grant_subscription (no access to the users list itself).
            kwargs["widget"] = CapabilityAutocompleteSelect(
                db_field, self.admin_site, url_name="admin:billing_subscription_user_picker"
            )
            kwargs["queryset"] = db_field.related_model._default_manager.filter(**GRANTEES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        picker = CapabilityAutocompleteJsonView.as_view(
            admin_site=self.admin_site, capability="grant_subscription", limit=GRANTEES
        )
        return [
            path(
                "user-picker/",
                self.admin_site.admin_view(picker),
                name="billing_subscription_user_picker",
            ),
            *super().get_urls(),
        ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "plan_name", "billing_period", "days")
        return [field.name for field in Subscription._meta.fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [field.name for field in Subscription._meta.fields]

    def save_model(self, request, obj, form, change):
        if change:
            return
        # A grant goes through the service: same plan extends, another plan replaces.
        granted = services.subscription_grant(
            user=form.cleaned_data["user"],
            plan_name=form.cleaned_data["plan_name"],
            billing_period=form.cleaned_data["billing_period"],
            days=form.cleaned_data.get("days"),
        )
        obj.pk = granted.pk
        obj.__dict__.update(granted.__dict__)

    @admin.action(
        description=_("Extend selected subscriptions by 30 days"),
        permissions=["extend_subscription"],
    )
    def extend_30_days(self, request, queryset):
        self._each(
            request,
            queryset,
            AuditAction.SUBSCRIPTION_EXTEND,
            lambda s: services.subscription_extend(subscription=s, days=30),
        )

    @admin.action(
        description=_("Cancel selected subscriptions (access until expiry)"),
        permissions=["cancel_subscription"],
    )
    def cancel_subscriptions(self, request, queryset):
        self._each(
            request,
            queryset,
            AuditAction.SUBSCRIPTION_CANCEL,
            lambda s: services.subscription_cancel(user=s.user),
        )

    def _each(self, request, queryset, audit_action: str, write) -> None:
        done = 0
        for subscription in queryset.select_related("user", "plan"):
            try:
                self.audited(request, subscription, audit_action, partial(write, subscription))
                done += 1
            except DomainError as error:
                self.message_user(request, f"{subscription}: {error.message}", messages.WARNING)
        self.message_user(
            request,
            ngettext("%(count)d subscription updated.", "%(count)d subscriptions updated.", done)
            % {"count": done},
            messages.SUCCESS,
        )


class PaymentEventInline(PolicyTabularInline):
    model = PaymentEvent
    extra = 0
    fields = ("received_at", "method", "signature_ok", "outcome", "remote_addr", "parameters")
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("parameters"))
    def parameters(self, event: PaymentEvent) -> str:
        return json_display(event.data)


@admin.register(Payment)
class PaymentAdmin(RelatedLinksMixin, PolicyAdmin):
    def related(self, obj: Payment) -> list[Link]:
        return [
            Link(_("user"), "accounts.user", pk=obj.user_id),
            Link(_("subscriptions"), "billing.subscription", {"user": obj.user_id}),
            audit_about(obj.pk),
        ]

    # Seven columns, so the list fits 1440 px: what was bought in one, the flags in one;
    # the creation time is in the date hierarchy and the filters.
    list_display = (
        "id",
        "user",
        "bought",
        "sum",
        "status",
        "flags",
        "paid_at",
    )
    list_filter = (
        "status",
        "refund_due",
        ("refunded_at", admin.EmptyFieldListFilter),
        "purpose",
        "is_test",
        "recurring",
        "created_at",
        "paid_at",
    )
    search_fields = ("id", "user__email")
    list_select_related = ("user", "plan", "package")
    date_hierarchy = "created_at"
    inlines = [PaymentEventInline]
    actions = ["mark_refunded"]

    @admin.display(description=_("bought"), ordering="purpose")
    def bought(self, payment: Payment) -> str:
        if payment.plan is not None:
            period = payment.get_billing_period_display() if payment.billing_period else ""
            return f"{payment.plan.name} {period}".strip()
        return str(payment.package) if payment.package is not None else payment.purpose

    @admin.display(description=_("amount, ₸"), ordering="amount")
    def sum(self, payment: Payment) -> str:
        return thousands(payment.amount)

    @admin.display(description=_("flags"))
    def flags(self, payment: Payment) -> str:
        marks = [
            (payment.is_test, gettext("test")),
            (payment.recurring, gettext("recurring")),
            (payment.refund_due, gettext("refund due")),
            (payment.refunded_at is not None, gettext("refunded")),
        ]
        return ", ".join(label for on, label in marks if on) or "—"

    @admin.action(
        description=_("Refund made in Robokassa: clear “refund due”"), permissions=["refund"]
    )
    def mark_refunded(self, request, queryset):
        cleared = 0
        for payment in queryset.filter(refund_due=True):
            entry = self.audited(
                request,
                payment,
                AuditAction.PAYMENT_REFUND,
                lambda payment=payment: services.payment_mark_refunded(payment_id=payment.pk),
            )
            cleared += entry is not None
        self.message_user(
            request,
            ngettext(
                "%(count)d payment marked refunded.", "%(count)d payments marked refunded.", cleared
            )
            % {"count": cleared},
        )


@admin.register(PaymentEvent)
class PaymentEventAdmin(PolicyAdmin):
    list_display = ("received_at", "inv_id", "method", "signature_ok", "outcome", "remote_addr")
    list_filter = ("outcome", "signature_ok", "method", "received_at")
    search_fields = ("inv_id",)
    date_hierarchy = "received_at"
    fields = (
        "payment",
        "inv_id",
        "method",
        "parameters",
        "remote_addr",
        "signature_ok",
        "outcome",
        "received_at",
    )
    readonly_fields = fields

    @admin.display(description=_("parameters"))
    def parameters(self, event: PaymentEvent) -> str:
        return json_display(event.data)


@admin.register(ResponseCredit)
class ResponseCreditAdmin(PolicyAdmin):
    list_display = ("user", "balance", "updated_at")
    search_fields = ("user__email",)
