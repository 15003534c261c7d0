"""Billing HTTP endpoints: plans, the current subscription, checkouts, payment history,
Robokassa's Success/Fail redirects and ResultURL callback, and the offline checkout page."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from billing import robokassa, selectors, services
from billing.models import PaymentPurpose
from billing.serializers import (
    BillingCheckoutOutputSerializer,
    BillingPackageOutputSerializer,
    BillingPaymentOutputSerializer,
    BillingPlanOutputSerializer,
    BillingSubscriptionOutputSerializer,
    PackagePurchaseInputSerializer,
    PaymentInitInputSerializer,
    SubscriptionCreateInputSerializer,
)
from mwork.api.exceptions import DomainError
from mwork.api.pagination import paginate
from mwork.api.parsers import FormParser, MultiPartParser
from mwork.api.ratelimit import WebhookRateLimit, client_ip
from mwork.api.renderers import JSONRenderer
from mwork.api.responses import ok
from mwork.api.schema import api_schema, envelope, item_envelope, list_envelope, not_for_clients


def _checkout_body(request, payment) -> dict:
    # The simulator's link is a path on this server: make it absolute for the client.
    url = request.build_absolute_uri(services.payment_checkout_url(payment=payment))
    return BillingCheckoutOutputSerializer(
        {
            "payment_url": url,
            "order_id": payment.order_id,
            "amount": payment.amount,
            "purpose": payment.purpose,
        }
    ).data


CHECKOUT_RESPONSE = {200: envelope("BillingCheckout", BillingCheckoutOutputSerializer)}


# ---- plans and subscriptions -----------------------------------------------------------------
class PlanListView(APIView):
    permission_classes = [AllowAny]

    @api_schema(
        responses={
            200: envelope(
                "BillingPlanList",
                {"plans": serializers.ListField(child=BillingPlanOutputSerializer())},
            )
        },
        errors=(429,),
        summary="Subscription plans (public)",
    )
    def get(self, request):
        plans = BillingPlanOutputSerializer(selectors.plan_list(), many=True).data
        return ok({"plans": plans})


class SubscriptionCurrentView(APIView):
    @api_schema(
        responses={
            200: item_envelope(
                "BillingSubscriptionCurrent", "subscription", BillingSubscriptionOutputSerializer
            )
        },
        errors=(401, 429),
        summary="The caller's plan, dates and usage (FREE when nothing is paid)",
    )
    def get(self, request):
        body = selectors.subscription_current_for_user(user=request.user)
        return ok({"subscription": BillingSubscriptionOutputSerializer(body).data})


class SubscriptionCreateView(APIView):
    @api_schema(
        request=SubscriptionCreateInputSerializer,
        responses=CHECKOUT_RESPONSE,
        errors=(400, 401, 429),
        summary="Start paying for a plan: a pending payment and its Robokassa link",
        description="The amount comes from the plan; the current plan is untouched until "
        "Robokassa confirms the payment.",
    )
    def post(self, request):
        data = SubscriptionCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_create_for_subscription(user=request.user, **data.validated_data)
        return ok(_checkout_body(request, payment))


class SubscriptionCancelView(APIView):
    @api_schema(
        request=None,
        responses={
            200: item_envelope(
                "BillingSubscriptionCancel", "subscription", BillingSubscriptionOutputSerializer
            )
        },
        errors=(401, 422, 429),
        summary="Cancel auto-renewal; access stays until expires_at",
    )
    def post(self, request):
        services.subscription_cancel(user=request.user)
        body = selectors.subscription_current_for_user(user=request.user)
        return ok({"subscription": BillingSubscriptionOutputSerializer(body).data})


# ---- packages and checkouts ------------------------------------------------------------------
class PackageListView(APIView):
    permission_classes = [AllowAny]

    @api_schema(
        responses={
            200: envelope(
                "BillingPackageList",
                {"packages": serializers.ListField(child=BillingPackageOutputSerializer())},
            )
        },
        errors=(429,),
        summary="Response packages on sale (public)",
    )
    def get(self, request):
        packages = BillingPackageOutputSerializer(selectors.package_list_active(), many=True).data
        return ok({"packages": packages})


class PaymentInitView(APIView):
    @api_schema(
        request=PaymentInitInputSerializer,
        responses=CHECKOUT_RESPONSE,
        errors=(400, 401, 403, 404, 429),
        summary="Generic checkout: a subscription (plan_name) or a response package",
    )
    def post(self, request):
        data = PaymentInitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["purpose"] == PaymentPurpose.SUBSCRIPTION:
            payment = services.payment_create_for_subscription(
                user=request.user,
                plan_name=values["plan_name"],
                billing_period=values["billing_period"],
                auto_renew=values["auto_renew"],
            )
        else:
            package = selectors.package_get_active(package_id=values["package_id"])
            payment = services.payment_create_for_package(user=request.user, package=package)
        return ok(_checkout_body(request, payment))


class PaymentSubscriptionView(APIView):
    @api_schema(
        request=SubscriptionCreateInputSerializer,
        responses=CHECKOUT_RESPONSE,
        errors=(400, 401, 429),
        summary="Checkout for a plan (same as POST /subscriptions)",
    )
    def post(self, request):
        data = SubscriptionCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_create_for_subscription(user=request.user, **data.validated_data)
        return ok(_checkout_body(request, payment))


class PaymentResponsesView(APIView):
    @api_schema(
        request=PackagePurchaseInputSerializer,
        responses=CHECKOUT_RESPONSE,
        errors=(400, 401, 403, 404, 429),
        summary="Checkout for a response package (models only)",
    )
    def post(self, request):
        data = PackagePurchaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        package = selectors.package_get_active(package_id=data.validated_data["package_id"])
        payment = services.payment_create_for_package(user=request.user, package=package)
        return ok(_checkout_body(request, payment))


class PaymentListView(APIView):
    @api_schema(
        responses={
            200: list_envelope("BillingPaymentList", "payments", BillingPaymentOutputSerializer)
        },
        errors=(400, 401, 429),
        summary="The caller's payment history, newest first",
        operation_id="payments_list",
    )
    def get(self, request):
        body = paginate(
            request,
            selectors.payment_list_for_user(user=request.user),
            key="payments",
            serialize=lambda rows: BillingPaymentOutputSerializer(rows, many=True).data,
        )
        return ok(body)


class PaymentDetailView(APIView):
    @api_schema(
        responses={
            200: item_envelope("BillingPaymentDetail", "payment", BillingPaymentOutputSerializer)
        },
        errors=(401, 404, 429),
        summary="One of the caller's payments by order_id (e.g. after the success redirect)",
        operation_id="payments_detail",
    )
    def get(self, request, order_id: str):
        payment = selectors.payment_get_for_owner(user=request.user, order_id=order_id)
        return ok({"payment": BillingPaymentOutputSerializer(payment).data})


# ---- Robokassa browser returns ---------------------------------------------------------------
def _front_end_redirect(base: str, request) -> HttpResponseRedirect:
    # request.data: DRF parses (a malformed body is a 400), never Django's request.POST.
    inv_id = str(request.data.get("InvId") or request.query_params.get("InvId") or "")
    if inv_id.isdigit():
        separator = "&" if "?" in base else "?"
        return HttpResponseRedirect(f"{base}{separator}{urlencode({'order_id': inv_id})}")
    return HttpResponseRedirect(base)


REDIRECT_SCHEMA: dict[str, Any] = {
    "responses": {302: OpenApiResponse(description="Redirect to the front end with ?order_id=")},
    "errors": (400, 413, 429),
}

# Robokassa's form posts (callback and browser returns) are a few hundred bytes.
ROBOKASSA_PARSERS = [FormParser, MultiPartParser]


class _BrowserReturnView(APIView):
    """A browser coming back from Robokassa carries no token; nothing is changed here (only
    the signed ResultURL callback changes a payment)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = ROBOKASSA_PARSERS
    max_body_bytes_setting = "ROBOKASSA_MAX_BODY_BYTES"
    setting_name = ""

    def _redirect(self, request):
        return _front_end_redirect(getattr(settings, self.setting_name), request)


# Browser returns and the webhook are not for API clients: left out of the OpenAPI schema,
# documented in docs/PAYMENTS.md.
@not_for_clients
class PaymentSuccessView(_BrowserReturnView):
    setting_name = "ROBOKASSA_FRONTEND_SUCCESS_URL"

    @api_schema(**REDIRECT_SCHEMA, summary="Robokassa SuccessURL (not a payment confirmation)")
    def get(self, request):
        return self._redirect(request)

    @api_schema(**REDIRECT_SCHEMA, request=None, summary="Robokassa SuccessURL (POST form)")
    def post(self, request):
        return self._redirect(request)


@not_for_clients
class PaymentFailView(_BrowserReturnView):
    setting_name = "ROBOKASSA_FRONTEND_FAIL_URL"

    @api_schema(**REDIRECT_SCHEMA, summary="Robokassa FailURL")
    def get(self, request):
        return self._redirect(request)

    @api_schema(**REDIRECT_SCHEMA, request=None, summary="Robokassa FailURL (POST form)")
    def post(self, request):
        return self._redirect(request)


# ---- Robokassa ResultURL (server to server) --------------------------------------------------
class PlainTextRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, str) else json.dumps(data)


RESULT_SCHEMA: dict[str, Any] = {
    "responses": {
        200: OpenApiResponse(OpenApiTypes.STR, description="`OK{InvId}`, also for a replay"),
        400: OpenApiResponse(
            OpenApiTypes.STR,
            description="Missing fields, bad signature or amount mismatch; a malformed body",
        ),
        404: OpenApiResponse(OpenApiTypes.STR, description="Unknown InvId"),
    },
    "errors": (413, 429),
}


def _form_fields(data) -> dict[str, list[str]]:
    """A parsed form as `{name: [values]}`, text only (a file part is not a Robokassa field)."""
    getlist = getattr(data, "getlist", None)  # no body at all parses to a plain {}
    if getlist is None:
        return {}
    return {key: [value for value in getlist(key) if isinstance(value, str)] for key in data}


@not_for_clients
class RobokassaResultView(APIView):
    """Signed by Robokassa's Password #2; every call is stored raw as a PaymentEvent."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [WebhookRateLimit]
    renderer_classes = [PlainTextRenderer, JSONRenderer]
    parser_classes = ROBOKASSA_PARSERS
    max_body_bytes_setting = "ROBOKASSA_MAX_BODY_BYTES"

    def _handle(self, request):
        # request.data: DRF parses (a malformed body is a 400), never Django's request.POST.
        answer = services.payment_process_result(
            query={key: request.query_params.getlist(key) for key in request.query_params},
            form=_form_fields(request.data),
            method=request.method,
            remote_addr=client_ip(request),
        )
        return HttpResponse(answer.body, status=answer.status, content_type="text/plain")

    @api_schema(**RESULT_SCHEMA, summary="Robokassa ResultURL callback (query string)")
    def get(self, request):
        return self._handle(request)

    @api_schema(**RESULT_SCHEMA, request=None, summary="Robokassa ResultURL callback (form body)")
    def post(self, request):
        return self._handle(request)


@not_for_clients
class RobokassaResultSlashView(RobokassaResultView):
    """The same callback with a trailing slash (as some merchant settings spell ResultURL)."""


# ---- offline checkout simulator (dev only) ---------------------------------------------------
def _link_params(source) -> dict[str, str]:
    return {key: source.get(key, "") for key in source}


def _receipt_is_valid(params: dict[str, str]) -> bool:
    """No Receipt, or one whose lines add up to OutSum (what Robokassa's fiscal check does)."""
    if not params.get("Receipt"):
        return not robokassa.receipts_enabled()
    try:
        receipt = robokassa.receipt_decode(params["Receipt"])
        return robokassa.receipt_total(receipt) == Decimal(params.get("OutSum", ""))
    except (ValueError, KeyError, TypeError, ArithmeticError):
        return False


def _link_is_valid(params: dict[str, str]) -> bool:
    creds = robokassa.credentials()
    expected = robokassa.payment_signature(
        merchant_login=creds.merchant_login,
        out_sum=params.get("OutSum", ""),
        inv_id=params.get("InvId", ""),
        password1=creds.password1,
        shp=robokassa.shp_params(params),
        receipt=params.get("Receipt") or None,
    )
    return (
        params.get("MerchantLogin") == creds.merchant_login
        and params.get("InvId", "").isdigit()
        and robokassa.signatures_match(expected, params.get("SignatureValue", ""))
        and _receipt_is_valid(params)
    )


def checkout_form(request, public_id):
    """The short-lived page a payment with a fiscal Receipt is paid through: it posts the
    signed fields (Receipt included) to Robokassa, or to the simulator, at once. 404 for an
    expired or forged link or a payment no longer pending."""
    try:
        payment = services.checkout_form_payment(
            public_id=public_id, token=request.GET.get("token", "")
        )
    except DomainError:
        raise Http404 from None
    return render(
        request,
        "billing/checkout_form.html",
        {
            "action": robokassa.checkout_action(),
            "fields": sorted(services.checkout_form_fields(payment=payment).items()),
            "simulated": robokassa.credentials().simulated,
        },
    )


@csrf_exempt  # no session is involved: the signed link is the authority, as at Robokassa
def checkout_simulator(request):
    """A stand-in for Robokassa's checkout page when ROBOKASSA_SIMULATOR is on (else 404).

    Pay sends a correctly signed ResultURL callback through the same service as Robokassa's,
    then follows the SuccessURL; Cancel marks the payment cancelled and follows the FailURL.
    """
    if not settings.ROBOKASSA_SIMULATOR:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    params = _link_params(source)
    action = params.pop("action", "")
    params.pop("csrfmiddlewaretoken", None)
    if not _link_is_valid(params):
        return render(request, "billing/checkout.html", {"invalid": True}, status=400)
    inv_id = int(params["InvId"])
    creds = robokassa.credentials()
    back = {"OutSum": params["OutSum"], "InvId": str(inv_id), "Culture": params.get("Culture", "")}
    if request.method == "POST" and action == "pay":
        services.simulator_pay(payment_id=inv_id)
        back["SignatureValue"] = robokassa.success_signature(
            out_sum=params["OutSum"], inv_id=inv_id, password1=creds.password1
        )
        return HttpResponseRedirect(f"/api/v1/payments/robokassa/success?{urlencode(back)}")
    if request.method == "POST" and action == "cancel":
        services.payment_cancel_pending(payment_id=inv_id)
        return HttpResponseRedirect(f"/api/v1/payments/robokassa/fail?{urlencode(back)}")
    return render(
        request,
        "billing/checkout.html",
        {"params": params, "fields": sorted(params.items()), "invalid": False},
    )


def checkout_done(request):
    """The simulator's landing page for SuccessURL/FailURL when no front end is configured."""
    if not settings.ROBOKASSA_SIMULATOR:
        raise Http404
    result = "success" if request.GET.get("result") == "success" else "fail"
    order_id = request.GET.get("order_id", "")
    return render(
        request,
        "billing/checkout_done.html",
        {"paid": result == "success", "order_id": order_id if order_id.isdigit() else ""},
    )
