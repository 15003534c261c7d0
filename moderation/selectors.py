"""Reads of the moderation app: report targets and evidence, the blocks list, the dashboard.

The block checks every app needs (`is_blocked_between`, `blocked_user_ids_subquery`) are in
`accounts.selectors`, next to the `Block` model.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Count,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Block, User
from castings.models import Casting
from chat.models import Message
from media.models import Photo
from moderation.models import Report
from mwork.api.exceptions import NotFound
from profiles.models import EmployerProfile, ModelProfile
from safety.models import TargetKind


# ---------------------------------------------------------------------------------------------
# Report targets
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportTarget:
    target_type: str
    obj: Any
    user_id: uuid.UUID | None  # the user answerable for the target


def _user_target(*, user: Any, target_id: uuid.UUID) -> tuple[Any, Any]:
    obj = User.objects.filter(pk=target_id, is_active=True).first()
    return obj, getattr(obj, "pk", None)


def _model_profile_target(*, user: Any, target_id: uuid.UUID) -> tuple[Any, Any]:
    obj = ModelProfile.objects.filter(pk=target_id, is_hidden=False, user__is_active=True).first()
    return obj, getattr(obj, "user_id", None)


def _employer_profile_target(*, user: Any, target_id: uuid.UUID) -> tuple[Any, Any]:
    obj = EmployerProfile.objects.filter(pk=target_id, user__is_active=True).first()
    return obj, getattr(obj, "user_id", None)


def _casting_target(*, user: Any, target_id: uuid.UUID) -> tuple[Any, Any]:
    # The public statuses, not hidden by staff, not deleted; drafts only to their owner.
    visible = Q(status__in=["active", "completed", "cancelled"], is_hidden=False) | Q(
        owner_id=user.pk
    )
    obj = Casting.objects.filter(visible, pk=target_id, deleted_at__isnull=True).first()
    return obj, getattr(obj, "owner_id", None)


def _message_target(*, user: Any, target_id: uuid.UUID) -> tuple[Any, Any]:
    # Only a member of the room has seen the message.
    obj = Message.objects.filter(pk=target_id, room__memberships__user_id=user.pk).first()
    return obj, getattr(obj, "sender_id", None)


def _photo_target(*, user: Any, target_id: uuid.UUID) -> tuple[Any, Any]:
    obj = (
        Photo.objects.select_related("profile")
        .filter(
            Q(profile__is_hidden=False, profile__user__is_active=True) | Q(profile__user=user),
            pk=target_id,
        )
        .first()
    )
    return obj, (obj.profile.user_id if obj is not None else None)


_TARGET_RESOLVERS: dict[str, Callable[..., tuple[Any, Any]]] = {
    TargetKind.USER: _user_target,
    TargetKind.MODEL_PROFILE: _model_profile_target,
    TargetKind.EMPLOYER_PROFILE: _employer_profile_target,
    TargetKind.CASTING: _casting_target,
    TargetKind.MESSAGE: _message_target,
    TargetKind.PHOTO: _photo_target,
}


def report_target_get_for_reporter(
    *, user: Any, target_type: str, target_id: uuid.UUID
) -> ReportTarget:
    """The object a report points at, if `user` can see it; raises `NotFound` otherwise."""
    resolver = _TARGET_RESOLVERS.get(target_type)
    if resolver is None:
        raise NotFound(_("Reported object not found."))
    obj, owner_id = resolver(user=user, target_id=target_id)
    if obj is None:
        raise NotFound(_("Reported object not found."))
    return ReportTarget(target_type=target_type, obj=obj, user_id=owner_id)


_STAFF_TARGET_MODELS: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    TargetKind.USER: (User, ()),
    TargetKind.MODEL_PROFILE: (ModelProfile, ("user",)),
    TargetKind.EMPLOYER_PROFILE: (EmployerProfile, ("user",)),
    TargetKind.CASTING: (Casting, ("owner",)),
    TargetKind.MESSAGE: (Message, ("room", "sender")),
    TargetKind.PHOTO: (Photo, ("profile",)),
}


def report_targets_for_staff(*, reports: list[Report]) -> dict[tuple[str, str], Any]:
    """The reported objects of `reports` as staff see them (hidden or not), keyed by
    `(target_type, str(target_id))`; one query per target type present. Gone objects are
    simply missing from the answer."""
    wanted: dict[str, set[Any]] = {}
    for report in reports:
        wanted.setdefault(report.target_type, set()).add(report.target_id)
    found: dict[tuple[str, str], Any] = {}
    for target_type, ids in wanted.items():
        spec = _STAFF_TARGET_MODELS.get(target_type)
        if spec is None:
            continue
        model, related = spec
        for obj in model._default_manager.select_related(*related).filter(pk__in=ids):
            found[(target_type, str(obj.pk))] = obj
    return found


def report_target_for_staff(*, report: Report) -> Any:
    """The reported object of one report as staff see it, or None when it is gone."""
    targets = report_targets_for_staff(reports=[report])
    return targets.get((report.target_type, str(report.target_id)))


# ---------------------------------------------------------------------------------------------
# The moderation queue
# ---------------------------------------------------------------------------------------------
EVIDENCE_CONTEXT_MESSAGES = 5  # messages shown before and after a reported one


def _count_subquery(queryset: QuerySet[Any, Any], group_field: str) -> Coalesce:
    counted = queryset.order_by().values(group_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def report_queue_annotate(queryset: QuerySet[Report]) -> QuerySet[Report]:
    """Adds `on_target_count` (reports on the same object) and `owner_report_count` (reports
    against the same answerable user) as correlated sub-selects: no query per row."""
    same_target = Report.objects.filter(
        target_type=OuterRef("target_type"), target_id=OuterRef("target_id")
    )
    same_owner = Report.objects.filter(target_user_id=OuterRef("target_user_id"))
    return queryset.annotate(
        on_target_count=_count_subquery(same_target, "target_id"),
        owner_report_count=_count_subquery(same_owner, "target_user_id"),
    )


def report_next_open(*, after: Report | None = None) -> Report | None:
    """The next open report (escalated first, then the one that has waited longest), other
    than `after` (for "save and next")."""
    queryset = Report.objects.filter(status="open").order_by(
        F("escalated_at").desc(nulls_last=True), "created_at", "id"
    )
    if after is not None:
        queryset = queryset.exclude(pk=after.pk)
    return queryset.first()


def report_evidence(*, report: Report) -> dict[str, Any]:
    """Everything a moderator needs to decide one report, for the decision page's template.

    `kind` is the target type; `target` is None when the object is gone. Messages come with up
    to EVIDENCE_CONTEXT_MESSAGES messages either side in their room; photos with their profile;
    castings with their applicant count; users and profiles with the other profile objects.
    """
    target = report_target_for_staff(report=report)
    evidence: dict[str, Any] = {"kind": report.target_type, "target": target}
    owner = report.target_user
    if target is None:
        return evidence
    if report.target_type == TargetKind.MESSAGE:
        room_messages = target.__class__.objects.filter(room_id=target.room_id).select_related(
            "sender"
        )
        before = list(
            room_messages.filter(
                Q(created_at__lt=target.created_at)
                | Q(created_at=target.created_at, id__lt=target.id)
            ).order_by("-created_at", "-id")[:EVIDENCE_CONTEXT_MESSAGES]
        )
        after = list(
            room_messages.filter(
                Q(created_at__gt=target.created_at)
                | Q(created_at=target.created_at, id__gt=target.id)
            ).order_by("created_at", "id")[:EVIDENCE_CONTEXT_MESSAGES]
        )
        evidence["thread"] = [*reversed(before), target, *after]
        evidence["casting"] = getattr(target.room, "casting", None)
    elif report.target_type == TargetKind.CASTING:
        evidence["applicants"] = target.responses.count() if hasattr(target, "responses") else 0
    elif report.target_type == TargetKind.PHOTO:
        evidence["profile"] = target.profile
        evidence["other_photos"] = list(
            target.__class__.objects.filter(profile_id=target.profile_id).exclude(pk=target.pk)[:12]
        )
    elif report.target_type == TargetKind.MODEL_PROFILE:
        evidence["profile"] = target
        evidence["photos"] = list(target.photos.all()[:12]) if hasattr(target, "photos") else []
    elif report.target_type == TargetKind.USER:
        evidence["model_profile"] = getattr(target, "model_profile", None)
        evidence["employer_profile"] = getattr(target, "employer_profile", None)
    if owner is not None:
        evidence["owner_reports"] = Report.objects.filter(target_user=owner).count()
    return evidence


# ---------------------------------------------------------------------------------------------
# Blocks list
# ---------------------------------------------------------------------------------------------
def block_list_for_user(*, user: Any) -> QuerySet[Block]:
    """The users `user` blocked, newest first, with what `user_display` needs pre-joined."""
    queryset = Block.objects.filter(blocker=user).select_related("blocked")
    related = [
        f"blocked__{name}"
        for name in ("model_profile", "employer_profile")
        if _reverse_one_to_one_exists(name)
    ]
    if related:
        queryset = queryset.select_related(*related)
    return queryset.order_by("-created_at", "-id")


def _reverse_one_to_one_exists(name: str) -> bool:
    try:
        User._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def user_get_for_block(*, user_id: Any) -> User:
    """An active user someone may block; raises `NotFound` otherwise."""
    target = User.objects.filter(pk=user_id, is_active=True).first()
    if target is None:
        raise NotFound(_("User not found."))
    return target


# ---------------------------------------------------------------------------------------------
# Admin dashboard
# ---------------------------------------------------------------------------------------------
DASHBOARD_DAYS = 30
ROLES = ("model", "employer", "agency")
# What the dashboard counts, as ORM filters; the numbers' links repeat them as changelist query
# parameters (moderation/templatetags/moderation_dashboard.py).
SIGNUPS = {"role__in": ROLES, "is_staff": False, "is_superuser": False}
# Money actually kept: paid, not a test/simulator payment (`is_test`), not refunded or owed back.
REVENUE = {"status": "paid", "is_test": False, "refund_due": False, "refunded_at__isnull": True}


def _daily_rows(
    label: str,
    date_field: str,
    *,
    since: dt.datetime,
    tz: ZoneInfo,
    group_by: str | None = None,
    value: Any = None,
    **filters: Any,
) -> list[dict[str, Any]]:
    """One aggregate query: `[{"day", "key"?, "n"}]` per platform-local day since `since`."""
    try:
        model = apps.get_model(label)
    except LookupError:  # the app is not installed (yet): show zeros
        return []
    queryset = model.objects.filter(**{f"{date_field}__gte": since}, **filters).annotate(
        day=TruncDate(date_field, tzinfo=tz)
    )
    fields = ("day", group_by) if group_by else ("day",)
    return list(
        queryset.order_by().values(*fields).annotate(n=value if value is not None else Count("pk"))
    )


def _series(
    rows: list[dict[str, Any]],
    days: list[dt.date],
    *,
    key: str | None,
    keys: tuple[str, ...] | None = None,
    default_key: str = "total",
) -> dict[str, list[int]]:
    index = {day: position for position, day in enumerate(days)}
    series: dict[str, list[int]] = {k: [0] * len(days) for k in (keys or ())}
    for row in rows:
        name = (row.get(key) if key else None) or default_key
        position = index.get(row["day"])
        if position is None:
            continue
        series.setdefault(str(name), [0] * len(days))[position] += int(row["n"] or 0)
    return series


def dashboard_stats(*, days: int = DASHBOARD_DAYS) -> dict[str, Any]:
    """Today's numbers and `days`-day daily series for the admin dashboard.

    Seven aggregate queries (`TruncDate` in the platform's time zone + `Count`/`Sum`), cached
    for MODERATION_DASHBOARD_CACHE_SECONDS. Apps whose models do not exist count as zero.
    """
    tz = ZoneInfo(settings.PLATFORM_TIME_ZONE)
    today = timezone.localdate(timezone=tz)
    cache_key = f"moderation:dashboard:{today.isoformat()}:{days}"
    cached: dict[str, Any] | None = cache.get(cache_key)
    if cached is not None:
        return cached

    day_list = [today - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    since = dt.datetime.combine(day_list[0], dt.time.min, tzinfo=tz)
    signups = _series(
        _daily_rows("accounts.User", "created_at", since=since, tz=tz, group_by="role", **SIGNUPS),
        day_list,
        key="role",
        keys=ROLES,
    )
    castings = _series(
        _daily_rows("castings.Casting", "created_at", since=since, tz=tz),
        day_list,
        key=None,
        keys=("castings",),
        default_key="castings",
    )
    responses = _series(
        _daily_rows("castings.Response", "applied_at", since=since, tz=tz),
        day_list,
        key=None,
        keys=("responses",),
        default_key="responses",
    )
    messages = _series(
        _daily_rows("chat.Message", "created_at", since=since, tz=tz),
        day_list,
        key=None,
        keys=("messages",),
        default_key="messages",
    )
    revenue = _series(
        _daily_rows(
            "billing.Payment",
            "paid_at",
            since=since,
            tz=tz,
            group_by="plan__name",
            value=Sum("amount"),
            **REVENUE,
        ),
        day_list,
        key="plan__name",
        keys=("PRO", "BUSINESS"),
        default_key="packages",
    )
    reports = _series(
        _daily_rows("moderation.Report", "created_at", since=since, tz=tz),
        day_list,
        key=None,
        keys=("reports",),
        default_key="reports",
    )
    open_reports = Report.objects.filter(status="open").count()

    def last(series: dict[str, list[int]]) -> int:
        return sum(values[-1] for values in series.values())

    stats = {
        "days": day_list,
        "today": {
            "date": today,
            "signups": last(signups),
            "castings": last(castings),
            "responses": last(responses),
            "messages": last(messages),
            "revenue": last(revenue),
            "reports": last(reports),
            "open_reports": open_reports,
        },
        "series": {
            "signups": signups,
            "castings": castings,
            "responses": responses,
            "messages": messages,
            "revenue": revenue,
            "reports": reports,
        },
    }
    cache.set(cache_key, stats, settings.MODERATION_DASHBOARD_CACHE_SECONDS)
    return stats
