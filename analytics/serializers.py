"""Shapes of the analytics API."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Role
from analytics.services import ANONYMOUS_ROLE
from castings.models import CastingStatus
from mwork.api.serializers import QuerySerializer


class AnalyticsQuerySerializer(QuerySerializer):
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, default=30)
    format = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")


class AnalyticsDayViewsSerializer(serializers.Serializer):
    date = serializers.DateField()
    views = serializers.IntegerField()


class AnalyticsCastingRowSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=CastingStatus.choices)
    views = serializers.IntegerField()
    responses = serializers.IntegerField()
    accepted = serializers.IntegerField()


class AnalyticsCitySerializer(serializers.Serializer):
    city = serializers.CharField()
    views = serializers.IntegerField()


class AnalyticsRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=[*Role.values, ANONYMOUS_ROLE])
    views = serializers.IntegerField()


class AnalyticsFunnelSerializer(serializers.Serializer):
    views = serializers.IntegerField()
    responses = serializers.IntegerField()
    accepted = serializers.IntegerField()


class AnalyticsOutputSerializer(serializers.Serializer):
    """Fields marked (model), (employer) or (advanced) appear only for that role or plan."""

    level = serializers.ChoiceField(choices=["basic", "advanced"])
    role = serializers.ChoiceField(
        choices=["model", "employer"], help_text="model or employer (employers and agencies)"
    )
    days = serializers.IntegerField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    views_per_day = AnalyticsDayViewsSerializer(many=True)
    total_views = serializers.IntegerField()
    responses_sent = serializers.IntegerField(required=False, help_text="(model)")
    responses_accepted = serializers.IntegerField(required=False, help_text="(model)")
    accepted_rate = serializers.FloatField(
        required=False, allow_null=True, help_text="(model) accepted / sent, 0-1"
    )
    castings_count = serializers.IntegerField(required=False, help_text="(employer)")
    responses_received = serializers.IntegerField(required=False, help_text="(employer)")
    castings = AnalyticsCastingRowSerializer(
        many=True, required=False, help_text="(employer) the 100 newest castings of the window"
    )
    viewers_by_city = AnalyticsCitySerializer(many=True, required=False, help_text="(advanced)")
    viewers_by_role = AnalyticsRoleSerializer(many=True, required=False, help_text="(advanced)")
    funnel = AnalyticsFunnelSerializer(required=False, help_text="(advanced)")
    time_to_first_response_hours = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="(advanced, employer) mean hours from publication to the first application",
    )
    time_to_decision_hours = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="(advanced, model) mean hours from applying to the owner's decision",
    )
