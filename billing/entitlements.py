"""Plan limits: the one module the other apps call to check what a user may do.

- `entitlements_for(user)` — the plan and its limits (FREE when nothing is paid).
- `check_feature(user, "chat_access")` — raises `SubscriptionLimitExceeded({"feature"})`.
- `consume_response(user)` — counts one casting response against the monthly allowance
  (Asia/Almaty calendar month), then against bought package credits, under a row lock.
- `consume_invite(user)` — counts one invitation to apply (castings' invites) against the
  monthly allowance of `INVITES_PER_MONTH`, the same way.
- `check_saved_search_quota(user, current_count)` — the same for saved searches
  (`SAVED_SEARCHES`), with `"feature": "saved_searches"`.
- `check_photo_quota(user, current_count)` — raises `SubscriptionLimitExceeded({limit, used,
  plan})` when one more photo would go over the plan.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, JSONField, Model, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.catalogue import INVITES_PER_MONTH, SAVED_SEARCHES, plan_get
from billing.models import (
    CURRENT_STATUSES,
    UNLIMITED,
    Plan,
    PlanName,
    ResponseCredit,
    ResponseUsage,
    Subscription,
)
from mwork.api.exceptions import SubscriptionLimitExceeded
from mwork.db import CompiledQuery, compiled_once, insert_select, json_time, mark_inserted

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

FEATURES = ("chat_access", "profile_promotion", "priority_support", "analytics")


@dataclass(frozen=True)
class Entitlements:
    plan: str
    max_photos: int
    max_responses_per_month: int
    chat_access: bool
    profile_promotion: bool
    priority_support: bool
    analytics: str
    expires_at: dt.datetime | None
    max_invites_per_month: int = 0
    max_saved_searches: int = 0

    @classmethod
    def from_plan(cls, plan: Plan, expires_at: dt.datetime | None = None) -> Entitlements:
        return cls(
            plan=plan.name,
            max_photos=plan.max_photos,
            max_responses_per_month=plan.max_responses_per_month,
            chat_access=plan.chat_access,
            profile_promotion=plan.profile_promotion,
            priority_support=plan.priority_support,
            analytics=plan.analytics,
            expires_at=expires_at,
            max_invites_per_month=INVITES_PER_MONTH.get(plan.name, 0),
            max_saved_searches=SAVED_SEARCHES.get(plan.name, 0),
        )


def current_subscription(user) -> Subscription | None:
    """The subscription giving access now (active, or cancelled but not yet expired)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Subscription.objects.filter(
            user_id=user.pk, status__in=CURRENT_STATUSES, expires_at__gt=timezone.now()
        )
        .select_related("plan")
        .order_by("-expires_at")
        .first()
    )


# The plan of the current subscription is read on every gated request (the chat rooms list,
# every apply): its SQL depends on nothing but the user and the time, and building it cost the
# ORM twice what PostgreSQL needs to answer it (3.7 against 1.7 ms a call, docs/PERFORMANCE.md
# "Second round"), so it is compiled once (`mwork.db.compiled_once`), the time bound per call.
class _SubscriptionExpiry(TypedDict):
    subscription_expires_at: dt.datetime


def _current_plans(user_id: Any, now: Any) -> QuerySet[WithAnnotations[Plan, _SubscriptionExpiry]]:
    """The plans of `user_id`'s current subscriptions, the one that runs longest first
    (`user_id` an id or an `OuterRef`; `now` a time or a database expression)."""
    return (
        Plan.objects.filter(
            subscriptions__user_id=user_id,
            subscriptions__status__in=CURRENT_STATUSES,
            subscriptions__expires_at__gt=now,
        )
        .annotate(subscription_expires_at=F("subscriptions__expires_at"))
        .order_by("-subscriptions__expires_at")
    )


@compiled_once
def _current_plan_query(
    *, user_id: uuid.UUID, now: dt.datetime
) -> QuerySet[WithAnnotations[Plan, _SubscriptionExpiry]]:
    return _current_plans(user_id, now)[:1]


# What `Entitlements.from_plan` reads of a plan, as JSON (`current_plan_json`).
_PLAN_FIELDS = (
    "name",
    "max_photos",
    "max_responses_per_month",
    "chat_access",
    "profile_promotion",
    "priority_support",
    "analytics",
)


def current_plan_json(*, user_id: Any, now: Any) -> Subquery:
    """`entitlements_for`'s read of the current paid plan as one JSON column, for a caller
    that reads it with a row of its own (apply reads it with the casting:
    castings.selectors.casting_get_to_apply); `entitlements_from_json` turns it into
    Entitlements (NULL: no paid plan, which that function leaves to `entitlements_for`)."""
    fields = {name: F(name) for name in _PLAN_FIELDS}
    plan = _current_plans(user_id, now).values(
        json=JSONObject(**fields, expires_at=F("subscriptions__expires_at"))
    )[:1]
    return Subquery(plan, output_field=JSONField())


def entitlements_from_json(value: Any) -> Entitlements | None:
    """The Entitlements of a `current_plan_json` value; None for NULL (no paid plan)."""
    if not value:
        return None
    if isinstance(value, str):  # SQLite hands the JSON over as text
        value = json.loads(value)
    plan = Plan(**{name: value[name] for name in _PLAN_FIELDS})
    return Entitlements.from_plan(plan, json_time(value["expires_at"]))


def current_plan_query() -> CompiledQuery[WithAnnotations[Plan, _SubscriptionExpiry]]:
    """The compiled read of a user's current paid plan (at most one row: the plan's columns
    and `subscription_expires_at`; none: FREE), for a caller that runs it inside a statement
    of its own (`.sql`, `.params_for(user_id=, now=)`; chat/loop_send.py)."""
    return _current_plan_query()


def entitlements_for(user) -> Entitlements:
    """The caller's plan and limits: the current paid subscription (`current_subscription`'s
    plan, by one compiled query), else FREE."""
    if user is not None and getattr(user, "is_authenticated", False):
        plan = _current_plan_query().first(user_id=user.pk, now=timezone.now())
        if plan is not None:
            return Entitlements.from_plan(plan, plan.subscription_expires_at)
    return free_entitlements()


def free_entitlements() -> Entitlements:
    """FREE's limits: the plan of a user with no current paid subscription (one read)."""
    free = plan_get(PlanName.FREE)
    if free is None:  # plan_get creates every PLAN_SEED plan, FREE among them
        raise LookupError("FREE is missing from billing.catalogue.PLAN_SEED")
    return Entitlements.from_plan(free)


def check_feature(user, feature: str, *, entitlements: Entitlements | None = None) -> Entitlements:
    """Raise `SubscriptionLimitExceeded(details={"feature": feature})` unless the plan has it;
    returns the entitlements checked (their `expires_at` bounds how long the answer holds).
    `entitlements`: the user's paid plan when the caller read it with a row of its own
    (`current_plan_json`); None reads them (`entitlements_for`).

    `analytics` counts as present for "basic" and "advanced".
    """
    if feature not in FEATURES:
        raise ValueError(f"Unknown plan feature {feature!r}; one of {FEATURES}.")
    if entitlements is None:
        entitlements = entitlements_for(user)
    value = getattr(entitlements, feature)
    if not value or value == "none":
        raise SubscriptionLimitExceeded(
            _("Your plan does not include this feature."), details={"feature": feature}
        )
    return entitlements


def usage_month(now: dt.datetime | None = None) -> dt.date:
    """First day of the current calendar month in the platform's time zone (Asia/Almaty)."""
    local = (now or timezone.now()).astimezone(ZoneInfo(settings.PLATFORM_TIME_ZONE))
    return local.date().replace(day=1)


def consume_response(
    user, *, entitlements: Entitlements | None = None, allowance_spent: bool = False
) -> None:
    """Count one casting response; call it inside the caller's `transaction.atomic()`.

    Spends the monthly allowance first (one row per user and month, created under a unique
    constraint) and bought credits after, under row locks: concurrent calls never overshoot.
    `entitlements`: the user's, read with the caller's own row (`current_plan_json`); read
    here when None. `allowance_spent`: `insert_counting_response` just found the allowance
    spent, so only credits are left to try.

    Raises `SubscriptionLimitExceeded(details={"limit", "used", "plan"})` when both are spent.
    """
    ents = entitlements if entitlements is not None else entitlements_for(user)
    limit = ents.max_responses_per_month
    month = usage_month()
    if (
        not allowance_spent
        and limit != 0
        and _count_against_allowance(user_id=user.pk, month=month, limit=limit)
    ):
        return
    with transaction.atomic():
        usage, _created = ResponseUsage.objects.select_for_update().get_or_create(
            user_id=user.pk, month=month
        )
        credit = ResponseCredit.objects.select_for_update().filter(user_id=user.pk).first()
        if credit is not None and credit.balance > 0:
            credit.balance -= 1
            credit.save(update_fields=["balance", "updated_at"])
            usage.credits_used += 1
            usage.save(update_fields=["credits_used"])
            return
        raise SubscriptionLimitExceeded(
            _("Monthly response limit reached."),
            details={"limit": limit, "used": usage.used, "plan": ents.plan},
        )


_usage = ResponseUsage._meta


def _allowance_sql(column: str) -> str:
    # Create the month's row with one use of `column`, or count one more while under the
    # allowance: one atomic statement under the row lock the upsert takes (it runs on every
    # apply). No row back means the allowance is spent. PostgreSQL and SQLite (3.35+).
    table = _usage.db_table
    first = {"used": 0, "credits_used": 0, "invites_used": 0, column: 1}
    return f"""
    INSERT INTO {table} (user_id, month, used, credits_used, invites_used)
        VALUES (%s, %s, {first["used"]}, 0, {first["invites_used"]})
    ON CONFLICT (user_id, month) DO UPDATE SET {column} = {table}.{column} + 1
        WHERE %s = {UNLIMITED} OR {table}.{column} < %s
    RETURNING {column}
"""  # noqa: S608 - table and column names from the model, values bound


_COUNT_AGAINST_ALLOWANCE = {column: _allowance_sql(column) for column in ("used", "invites_used")}


def _count_against_allowance(*, user_id, month: dt.date, limit: int, column: str = "used") -> bool:
    user_id = _usage.get_field("user").get_db_prep_value(user_id, connection)  # UUID on SQLite
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_AGAINST_ALLOWANCE[column], [user_id, month, limit, limit])
        return cursor.fetchone() is not None


def insert_counting_response(user, obj: Model, *, entitlements: Entitlements) -> bool | None:
    """Count one casting response against the monthly allowance and insert `obj` (a new
    Response) in the same statement, on PostgreSQL: one round trip and one transaction, the
    usage row locked by its upsert, and an insert that fails (a unique constraint) takes the
    count back with it. Outside an atomic block the statement commits on its own; inside one,
    the caller holds a savepoint, as an IntegrityError would break the block.

    True: counted and inserted. False: the allowance is spent, nothing done. None: not tried
    (not PostgreSQL, an allowance of 0). Unless True, the caller counts with
    `consume_response` in a transaction (`allowance_spent=` the answer is False), which
    spends a credit or refuses.
    """
    limit = entitlements.max_responses_per_month
    if connection.vendor != "postgresql" or limit == 0:
        return None
    insert, params = insert_select(obj)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH counted AS ({_COUNT_AGAINST_ALLOWANCE['used']}) {insert} FROM counted",
            [user.pk, usage_month(), limit, limit, *params],
        )
        inserted = cursor.rowcount == 1
    if inserted:
        mark_inserted(obj)
    return inserted


def consume_invite(user) -> None:
    """Count one invitation to apply sent by `user` (a casting's owner: its organization's
    plan); call it inside the caller's `transaction.atomic()`, with the insert it pays for.

    Raises `SubscriptionLimitExceeded(details={"feature": "casting_invites", "limit", "used",
    "plan"})` when the month's allowance (FREE 0, PRO 20, BUSINESS 200) is spent.
    """
    ents = entitlements_for(user)
    limit = ents.max_invites_per_month
    month = usage_month()
    if limit != 0 and _count_against_allowance(
        user_id=user.pk, month=month, limit=limit, column="invites_used"
    ):
        return
    usage = ResponseUsage.objects.filter(user_id=user.pk, month=month).first()
    raise SubscriptionLimitExceeded(
        _("Monthly limit of invitations to apply reached."),
        details={
            "feature": "casting_invites",
            "limit": limit,
            "used": usage.invites_used if usage else 0,
            "plan": ents.plan,
        },
    )


def check_photo_quota(user, current_count: int) -> None:
    """Raise `SubscriptionLimitExceeded(details={"limit", "used", "plan"})` when the user
    already has `max_photos` photos (so one more would go over)."""
    ents = entitlements_for(user)
    if ents.max_photos != UNLIMITED and current_count >= ents.max_photos:
        raise SubscriptionLimitExceeded(
            _("Photo limit of your plan reached."),
            details={"limit": ents.max_photos, "used": current_count, "plan": ents.plan},
        )


def check_saved_search_quota(user, current_count: int) -> None:
    """Raise `SubscriptionLimitExceeded(details={"feature": "saved_searches", "limit", "used",
    "plan"})` when the user already keeps `max_saved_searches` searches; the caller counts
    under a lock on the user's row, in the transaction that inserts the search."""
    ents = entitlements_for(user)
    if current_count >= ents.max_saved_searches:
        raise SubscriptionLimitExceeded(
            _("Saved search limit of your plan reached."),
            details={
                "feature": "saved_searches",
                "limit": ents.max_saved_searches,
                "used": current_count,
                "plan": ents.plan,
            },
        )


def responses_sent_this_month(user) -> int:
    usage = ResponseUsage.objects.filter(user_id=user.pk, month=usage_month()).first()
    return usage.responses_sent if usage else 0
