"""The analytics dashboard (`GET /analytics/me`): the rollup plus today's live counts.

Before counting, the views still buffered in Redis are stored (`views_flush`): a view
recorded a moment ago is in today's live count. Query shape is fixed whatever the window or
the amount of data: each figure is one grouped query (views per day from the rollup, the live
days' raw views grouped once, responses per day, and for employers the castings with their
counts), so the endpoint stays fast at scale.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from agencies.selectors import acting_owner
from analytics.models import (
    CastingView,
    DailyViewStat,
    Dimension,
    ProfileView,
    RollupState,
    ViewKind,
)
from analytics.services import (
    normalize_city,
    platform_today,
    viewer_city_expression,
    viewer_role_expression,
    views_flush,
)
from billing.entitlements import check_feature, entitlements_for
from castings.models import Casting, Response, ResponseStatus

BASIC = "basic"
ADVANCED = "advanced"
CASTINGS_LISTED = 100
DASHBOARD_FLUSH_WAIT_SECONDS = 2
DASHBOARD_FLUSH_BATCHES = 20


class DayResponses(TypedDict):
    total: int
    accepted: int


class DayViews(TypedDict):
    date: str
    views: int


class DayRow(TypedDict):
    """A row of the CSV export."""

    date: str
    views: int
    responses: int
    accepted: int


class CastingRow(TypedDict):
    id: uuid.UUID
    title: str
    status: str
    views: int
    responses: int
    accepted: int


class Funnel(TypedDict):
    views: int
    responses: int
    accepted: int


class Dashboard(TypedDict, total=False):
    """`analytics_dashboard`'s answer, built key by key (the JSON keeps that order)."""

    level: str
    days: int
    date_from: str
    date_to: str
    role: str  # "model" or "employer"
    # models
    responses_sent: int
    responses_accepted: int
    accepted_rate: float | None
    time_to_decision_hours: float | None  # advanced
    # employers
    castings_count: int
    responses_received: int
    castings: list[CastingRow]
    time_to_first_response_hours: float | None  # advanced
    # everyone
    views_per_day: list[DayViews]
    total_views: int
    # advanced
    viewers_by_city: list[dict[str, Any]]  # {"city": name, "views": n}
    viewers_by_role: list[dict[str, Any]]  # {"role": name, "views": n}
    funnel: Funnel
    daily: list[DayRow]


@dataclass
class _Views:
    per_day: dict[dt.date, int] = field(default_factory=lambda: defaultdict(int))
    per_object: dict[Any, int] = field(default_factory=lambda: defaultdict(int))
    by_city: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_role: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def analytics_level_for(*, user: Any) -> str:
    """ "basic" or "advanced"; raises SubscriptionLimitExceeded(`{"feature": "analytics"}`) on
    plans without analytics (FREE)."""
    level = entitlements_for(user).analytics
    if level not in (BASIC, ADVANCED):
        check_feature(user, "analytics")  # raises with the billing app's details
        level = BASIC  # pragma: no cover - a plan whose check passes counts as basic
    return level


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.PLATFORM_TIME_ZONE)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=_zone())


def _views(*, kind: str, owner_id: Any, start: dt.date, today: dt.date, advanced: bool) -> _Views:
    """Views of the owner's objects per day (and per object, city, role): rolled-up days from
    `DailyViewStat`, the days after the watermark from the raw tables."""
    result = _Views()
    rolled_through = RollupState.objects.filter(id=1).values_list("rolled_through", flat=True)
    watermark = next(iter(rolled_through), None)
    stats = DailyViewStat.objects.filter(owner_id=owner_id, kind=kind, day__gte=start)
    if watermark is not None:
        stats = stats.filter(day__lte=watermark)
        totals = stats.filter(dimension=Dimension.TOTAL)
        for day, views in totals.values("day").annotate(n=Sum("views")).values_list("day", "n"):
            result.per_day[day] += views
        if kind == ViewKind.CASTING:
            per_object = totals.values("object_id").annotate(n=Sum("views"))
            for object_id, views in per_object.values_list("object_id", "n"):
                result.per_object[object_id] += views
        if advanced:
            split = (
                stats.filter(dimension__in=[Dimension.CITY, Dimension.ROLE])
                .values("dimension", "value")
                .annotate(n=Sum("views"))
                .values_list("dimension", "value", "n")
            )
            for dimension, value, views in split:
                target = result.by_city if dimension == Dimension.CITY else result.by_role
                target[value] += views
    live_from = max(start, watermark + dt.timedelta(days=1)) if watermark else start
    raw: QuerySet[ProfileView] | QuerySet[CastingView]
    if kind == ViewKind.PROFILE:
        raw = ProfileView.objects.filter(profile__user_id=owner_id)
        object_field = "profile_id"
    else:
        raw = CastingView.objects.filter(casting__owner_id=owner_id)
        object_field = "casting_id"
    live = (
        raw.filter(day__gte=live_from, day__lte=today)
        .annotate(city=viewer_city_expression(), role=viewer_role_expression())
        .values("day", object_field, "city", "role")
        .annotate(views=Count("id"))
        .order_by()
    )
    for row in live:
        result.per_day[row["day"]] += row["views"]
        result.per_object[row[object_field]] += row["views"]
        result.by_city[normalize_city(row["city"])] += row["views"]
        result.by_role[row["role"]] += row["views"]
    return result


def _responses_per_day(queryset: QuerySet[Response], start: dt.date) -> dict[dt.date, DayResponses]:
    rows = (
        queryset.filter(applied_at__gte=_start_of(start))
        .annotate(day=TruncDate("applied_at", tzinfo=_zone()))
        .values("day")
        .annotate(total=Count("id"), accepted=Count("id", filter=Q(status="accepted")))
        .order_by()
    )
    return {row["day"]: {"total": row["total"], "accepted": row["accepted"]} for row in rows}


def _ranked(counts: dict[str, int], key: str) -> list[dict[str, Any]]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{key: name, "views": views} for name, views in ordered]


def _hours(pairs: list[tuple[dt.datetime | None, dt.datetime | None]]) -> float | None:
    spans = [
        (end - begin).total_seconds() for begin, end in pairs if begin and end and end >= begin
    ]
    if not spans:
        return None
    return round(sum(spans) / len(spans) / 3600, 2)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def analytics_dashboard(*, user: Any, days: int) -> Dashboard:
    """The caller's dashboard for the last `days` Almaty days (today included).

    Models: their profile's views, responses sent and the accepted rate; employers and agencies
    (and their managers, for the organization): casting views, castings and responses per
    casting. "advanced" plans add viewers by city and role, the funnel views → responses →
    accepted, and the time to the first response (employers: publication → first application;
    models: application → the owner's decision). Also returns `daily` rows for the CSV export.

    Raises SubscriptionLimitExceeded (`{"feature": "analytics"}`) on plans without analytics.
    """
    level = analytics_level_for(user=user)
    # Views recorded a moment ago may still wait in the Redis buffer: store them first so
    # today's live count includes them (no query when the buffer is empty). Bounded, so a
    # backlog (beat down) cannot hold the request for long; the beat job takes the rest.
    views_flush(wait_seconds=DASHBOARD_FLUSH_WAIT_SECONDS, max_batches=DASHBOARD_FLUSH_BATCHES)
    advanced = level == ADVANCED
    today = platform_today()
    start = today - dt.timedelta(days=days - 1)
    body: Dashboard = {
        "level": level,
        "days": days,
        "date_from": start.isoformat(),
        "date_to": today.isoformat(),
    }

    if user.role == "model":
        body["role"] = "model"
        views = _views(
            kind=ViewKind.PROFILE, owner_id=user.pk, start=start, today=today, advanced=advanced
        )
        responses = Response.objects.filter(model_profile__user_id=user.pk)
        per_day = _responses_per_day(responses, start)
        sent = sum(row["total"] for row in per_day.values())
        accepted = sum(row["accepted"] for row in per_day.values())
        body["responses_sent"] = sent
        body["responses_accepted"] = accepted
        body["accepted_rate"] = _rate(accepted, sent)
        if advanced:
            decided = responses.filter(
                applied_at__gte=_start_of(start),
                status__in=[ResponseStatus.ACCEPTED, ResponseStatus.REJECTED],
            ).values_list("applied_at", "status_changed_at")
            body["time_to_decision_hours"] = _hours(list(decided))
    else:
        body["role"] = "employer"
        owner = acting_owner(user=user)
        views = _views(
            kind=ViewKind.CASTING, owner_id=owner.pk, start=start, today=today, advanced=advanced
        )
        responses = Response.objects.filter(
            casting__owner_id=owner.pk, casting__deleted_at__isnull=True
        ).exclude(status=ResponseStatus.WITHDRAWN)
        per_day = _responses_per_day(responses, start)
        in_window = Casting.objects.alive().filter(
            owner_id=owner.pk, created_at__gte=_start_of(start)
        )
        counted = ~Q(responses__status=ResponseStatus.WITHDRAWN)
        castings = list(
            in_window.annotate(
                responses_total=Count("responses", filter=counted),
                responses_accepted=Count(
                    "responses", filter=Q(responses__status=ResponseStatus.ACCEPTED)
                ),
            )
            .order_by("-created_at", "-id")
            .values("id", "title", "status", "responses_total", "responses_accepted")[
                :CASTINGS_LISTED
            ]
        )
        received = sum(row["total"] for row in per_day.values())
        accepted = sum(row["accepted"] for row in per_day.values())
        body["castings_count"] = in_window.count()
        body["responses_received"] = received
        body["castings"] = [
            {
                "id": row["id"],
                "title": row["title"],
                "status": row["status"],
                "views": views.per_object.get(row["id"], 0),
                "responses": row["responses_total"],
                "accepted": row["responses_accepted"],
            }
            for row in castings
        ]
        if advanced:
            firsts = (
                Casting.objects.alive()
                .filter(owner_id=owner.pk, published_at__gte=_start_of(start))
                .annotate(first_response=Min("responses__applied_at"))
                .values_list("published_at", "first_response")
            )
            body["time_to_first_response_hours"] = _hours(list(firsts))

    dates = [start + dt.timedelta(days=offset) for offset in range(days)]
    body["views_per_day"] = [
        {"date": day.isoformat(), "views": views.per_day.get(day, 0)} for day in dates
    ]
    body["total_views"] = sum(views.per_day.get(day, 0) for day in dates)
    if advanced:
        body["viewers_by_city"] = _ranked(views.by_city, "city")
        body["viewers_by_role"] = _ranked(views.by_role, "role")
        body["funnel"] = {
            "views": body["total_views"],
            "responses": sum(row["total"] for row in per_day.values()),
            "accepted": sum(row["accepted"] for row in per_day.values()),
        }
    body["daily"] = [
        {
            "date": day.isoformat(),
            "views": views.per_day.get(day, 0),
            "responses": per_day[day]["total"] if day in per_day else 0,
            "accepted": per_day[day]["accepted"] if day in per_day else 0,
        }
        for day in dates
    ]
    return body
