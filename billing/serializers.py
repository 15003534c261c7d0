"""Input and output shapes of the billing API (no logic)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import (
    BillingPeriod,
    PaymentPurpose,
    PaymentStatus,
    PlanName,
    SubscriptionStatus,
)


# ---- input -----------------------------------------------------------------------------------
# Amounts are never read from a request: `amount`/`OutSum` in a body are unknown fields and
# ignored; the server takes the price from the plan or the package.
# The `subscription` part of `/auth/me` (registered by billing.hooks).
class MeSubscriptionOutputSerializer(serializers.Serializer):
    plan = serializers.ChoiceField(choices=PlanName.choices)
    status = serializers.ChoiceField(choices=SubscriptionStatus.choices)
    expires_at = serializers.DateTimeField(allow_null=True)


class SubscriptionCreateInputSerializer(serializers.Serializer):
    plan_name = serializers.ChoiceField(choices=[PlanName.PRO, PlanName.BUSINESS])
    billing_period = serializers.ChoiceField(
        choices=BillingPeriod.choices, default=BillingPeriod.MONTHLY
    )
    auto_renew = serializers.BooleanField(default=True)


class PackagePurchaseInputSerializer(serializers.Serializer):
    package_id = serializers.UUIDField()


class PaymentInitInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=PaymentPurpose.choices)
    plan_name = serializers.ChoiceField(choices=[PlanName.PRO, PlanName.BUSINESS], required=False)
    billing_period = serializers.ChoiceField(
        choices=BillingPeriod.choices, default=BillingPeriod.MONTHLY
    )
    auto_renew = serializers.BooleanField(default=True)
    package_id = serializers.UUIDField(required=False)

    def validate(self, attrs):
        if attrs["purpose"] == PaymentPurpose.SUBSCRIPTION and not attrs.get("plan_name"):
            raise serializers.ValidationError({"plan_name": [_("Required for a subscription.")]})
        if attrs["purpose"] == PaymentPurpose.RESPONSE_PACKAGE and not attrs.get("package_id"):
            raise serializers.ValidationError({"package_id": [_("Required for a package.")]})
        return attrs


# ---- output ----------------------------------------------------------------------------------
class BillingPlanFeaturesSerializer(serializers.Serializer):
    max_photos = serializers.IntegerField()
    max_responses_per_month = serializers.IntegerField()
    chat_access = serializers.BooleanField()
    profile_promotion = serializers.BooleanField()
    priority_support = serializers.BooleanField()
    analytics = serializers.CharField()


class BillingPlanOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    price_monthly = serializers.IntegerField()
    price_yearly = serializers.IntegerField()
    features = BillingPlanFeaturesSerializer(source="*")


class BillingUsageSerializer(serializers.Serializer):
    photos_uploaded = serializers.IntegerField()
    photos_limit = serializers.IntegerField()
    responses_sent = serializers.IntegerField()
    responses_limit = serializers.IntegerField()
    response_credits = serializers.IntegerField()


class BillingSubscriptionOutputSerializer(serializers.Serializer):
    plan = serializers.ChoiceField(choices=PlanName.choices)
    status = serializers.ChoiceField(choices=SubscriptionStatus.choices)
    billing_period = serializers.ChoiceField(choices=BillingPeriod.choices, allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    auto_renew = serializers.BooleanField()
    usage = BillingUsageSerializer()


class BillingPackageOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    responses = serializers.IntegerField()
    price = serializers.IntegerField()


class BillingCheckoutOutputSerializer(serializers.Serializer):
    payment_url = serializers.CharField()
    order_id = serializers.CharField()
    amount = serializers.IntegerField()
    purpose = serializers.ChoiceField(choices=PaymentPurpose.choices)


class BillingPaymentOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    order_id = serializers.CharField()
    purpose = serializers.ChoiceField(choices=PaymentPurpose.choices)
    plan = serializers.ChoiceField(
        choices=PlanName.choices, source="plan.name", allow_null=True, default=None
    )
    billing_period = serializers.SerializerMethodField()
    package = BillingPackageOutputSerializer(allow_null=True)
    amount = serializers.IntegerField()
    status = serializers.ChoiceField(choices=PaymentStatus.choices)
    is_test = serializers.BooleanField()
    is_renewal = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=BillingPeriod.choices, allow_null=True))
    def get_billing_period(self, payment) -> str | None:
        return payment.billing_period or None

    def get_is_renewal(self, payment) -> bool:
        return payment.parent_id is not None
