"""`GET /analytics/me`: the caller's dashboard as JSON, or CSV (`?format=csv`, advanced)."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from rest_framework.views import APIView

from analytics.selectors import ADVANCED, Dashboard, analytics_dashboard, analytics_level_for
from analytics.serializers import AnalyticsOutputSerializer, AnalyticsQuerySerializer
from mwork.api.exceptions import SubscriptionLimitExceeded
from mwork.api.negotiation import JsonOnlyNegotiation
from mwork.api.responses import ok
from mwork.api.schema import api_schema, item_envelope

CSV_COLUMNS = ("date", "views", "responses", "accepted")


def _csv(body: Dashboard) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(body["daily"])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="mwork-analytics-{body["date_from"]}-{body["date_to"]}.csv"'
    )
    return response


class AnalyticsMeView(APIView):
    content_negotiation_class = JsonOnlyNegotiation

    @api_schema(
        operation_id="analytics_me",
        summary="The caller's analytics (PRO basic, BUSINESS advanced; CSV export on BUSINESS)",
        description=(
            "`days` 1-365 (default 30, today included, Asia/Almaty days). FREE plans get 403 "
            'SUBSCRIPTION_LIMIT with `{"feature": "analytics"}`. `format=csv` (BUSINESS) answers '
            "text/csv with one row per day: date, views, responses, accepted; lower plans get "
            '403 with `{"feature": "analytics", "required_level": "advanced"}`.'
        ),
        parameters=[AnalyticsQuerySerializer],
        responses={
            (200, "application/json"): item_envelope(
                "AnalyticsMe", "analytics", AnalyticsOutputSerializer
            ),
            (200, "text/csv"): OpenApiTypes.STR,
        },
        errors=(400, 401, 403, 429),
    )
    def get(self, request):
        query = AnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        days, output = query.validated_data["days"], query.validated_data["format"]
        if output == "csv" and analytics_level_for(user=request.user) != ADVANCED:
            raise SubscriptionLimitExceeded(
                _("CSV export needs advanced analytics (BUSINESS)."),
                details={"feature": "analytics", "required_level": ADVANCED},
            )
        body = analytics_dashboard(user=request.user, days=days)
        if output == "csv":
            return _csv(body)
        body.pop("daily")
        return ok({"analytics": body})
