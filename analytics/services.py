"""Writes of analytics: recording views (from the detail pages) and the daily rollup (beat).

Recording never raises: it runs after the detail page's answer is built, and a database error
while counting a view must not turn a good page into an error. One statement in production
(`INSERT … ON CONFLICT DO NOTHING`); inside an open transaction (tests, or a caller's atomic
block) it runs under a savepoint so a failed insert cannot break that transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import CharField, Count, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.crypto import salted_hmac

from analytics.models import (
    CastingView,
    DailyViewStat,
    Dimension,
    ProfileView,
    RollupState,
    ViewKind,
)

logger = logging.getLogger(__name__)

UNKNOWN_CITY = "unknown"
ANONYMOUS_ROLE = "anonymous"


def platform_today(now: dt.datetime | None = None) -> dt.date:
    """Today in the platform's time zone (Asia/Almaty): views are counted per local day."""
    zone = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    return (now or timezone.now()).astimezone(zone).date()


def _viewer_key(*, viewer: Any, address: str, day: dt.date) -> str:
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        return f"u:{viewer.pk}"
    # The salt includes the day: the same address gives unrelated keys on different days.
    digest = salted_hmac(f"analytics.viewer.{day.isoformat()}", address, algorithm="sha256")
    return f"a:{digest.hexdigest()[:40]}"


def _record(model: type, **fields: Any) -> None:
    row = model(**fields)
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                model.objects.bulk_create([row], ignore_conflicts=True)
        else:
            model.objects.bulk_create([row], ignore_conflicts=True)
    except DatabaseError:
        logger.warning("Could not record a %s", model.__name__, exc_info=True)


def view_record_profile(*, profile: Any, viewer: Any, address: str) -> None:
    """Count a view of a model profile: once per viewer and Almaty day, never the owner's own.
    Raises nothing."""
    authenticated = viewer is not None and getattr(viewer, "is_authenticated", False)
    if authenticated and viewer.pk == profile.user_id:
        return
    day = platform_today()
    _record(
        ProfileView,
        profile_id=profile.pk,
        viewer_id=viewer.pk if authenticated else None,
        viewer_key=_viewer_key(viewer=viewer, address=address, day=day),
        day=day,
    )


def view_record_casting(*, casting: Any, viewer: Any, address: str) -> None:
    """Count a view of a casting: once per viewer and Almaty day, never by its organization
    (owner or managers). Raises nothing."""
    authenticated = viewer is not None and getattr(viewer, "is_authenticated", False)
    if authenticated:
        from agencies.selectors import user_acts_for

        try:
            if user_acts_for(user=viewer, owner_id=casting.owner_id):
                return
        except DatabaseError:
            logger.warning("Could not check a casting viewer", exc_info=True)
            return
    day = platform_today()
    _record(
        CastingView,
        casting_id=casting.pk,
        viewer_id=viewer.pk if authenticated else None,
        viewer_key=_viewer_key(viewer=viewer, address=address, day=day),
        day=day,
    )


# ---------------------------------------------------------------------------------------------
# Rollup
# ---------------------------------------------------------------------------------------------
def viewer_city_expression() -> Coalesce:
    """The viewer's city from its profile ('' when anonymous or unknown)."""
    return Coalesce(
        NullIf(F("viewer__model_profile__city"), Value("")),
        NullIf(F("viewer__employer_profile__city"), Value("")),
        Value(""),
        output_field=CharField(),
    )


def viewer_role_expression() -> Coalesce:
    return Coalesce(F("viewer__role"), Value(ANONYMOUS_ROLE), output_field=CharField())


def normalize_city(city: str | None) -> str:
    city = (city or "").strip()
    return city.title()[:100] if city else UNKNOWN_CITY


def _grouped_views(model: type, *, day: dt.date) -> list[dict[str, Any]]:
    """Raw views of one day grouped by object, owner, viewer city and role."""
    if model is ProfileView:
        object_field, owner_field = "profile_id", "profile__user_id"
    else:
        object_field, owner_field = "casting_id", "casting__owner_id"
    return list(
        model.objects.filter(day=day)
        .annotate(city=viewer_city_expression(), role=viewer_role_expression())
        .values(object_field, owner_field, "city", "role")
        .annotate(views=Count("id"))
        .values_list(object_field, owner_field, "city", "role", "views")
        .order_by()
    )


def _stats_for_day(model: type, kind: str, day: dt.date) -> list[DailyViewStat]:
    counts: dict[tuple[Any, Any, str, str], int] = defaultdict(int)
    for object_id, owner_id, city, role, views in _grouped_views(model, day=day):
        counts[(object_id, owner_id, Dimension.TOTAL, "")] += views
        counts[(object_id, owner_id, Dimension.CITY, normalize_city(city))] += views
        counts[(object_id, owner_id, Dimension.ROLE, role)] += views
    return [
        DailyViewStat(
            owner_id=owner_id,
            kind=kind,
            object_id=object_id,
            day=day,
            dimension=dimension,
            value=value,
            views=views,
        )
        for (object_id, owner_id, dimension, value), views in counts.items()
    ]


def _first_unrolled_day(state: RollupState, until: dt.date) -> dt.date:
    if state.rolled_through is not None:
        return state.rolled_through + dt.timedelta(days=1)
    earliest = [
        day
        for day in (
            ProfileView.objects.order_by("day").values_list("day", flat=True).first(),
            CastingView.objects.order_by("day").values_list("day", flat=True).first(),
        )
        if day is not None
    ]
    return min(earliest) if earliest else until


def views_rollup(*, now: dt.datetime | None = None) -> int:
    """Roll up every finished Almaty day not rolled up yet into `DailyViewStat`, then forget
    raw views older than `ANALYTICS_RAW_VIEW_RETENTION_DAYS` (already rolled up).

    Idempotent: a day's rows are replaced in one transaction together with the watermark
    (`RollupState.rolled_through`), under a lock on the state row, so overlapping runs neither
    double-count nor skip a day. Returns the number of days rolled up.
    """
    today = platform_today(now)
    yesterday = today - dt.timedelta(days=1)
    RollupState.objects.get_or_create(id=1)
    rolled = 0
    while True:
        with transaction.atomic():
            state = RollupState.objects.select_for_update().get(id=1)
            day = _first_unrolled_day(state, until=today)
            if day > yesterday:
                break
            DailyViewStat.objects.filter(day=day).delete()
            DailyViewStat.objects.bulk_create(
                _stats_for_day(ProfileView, ViewKind.PROFILE, day)
                + _stats_for_day(CastingView, ViewKind.CASTING, day),
                batch_size=1000,
            )
            state.rolled_through = day
            state.save(update_fields=["rolled_through", "updated_at"])
        rolled += 1
    retention = settings.ANALYTICS_RAW_VIEW_RETENTION_DAYS
    state = RollupState.objects.get(id=1)
    if retention and state.rolled_through is not None:
        horizon = min(today - dt.timedelta(days=retention), state.rolled_through)
        ProfileView.objects.filter(day__lt=horizon).delete()
        CastingView.objects.filter(day__lt=horizon).delete()
    return rolled
