"""The contract's plan table (docs/API.md §10): the seed values of the `Plan` rows.

The data migration seeds the same values; `plan_get` re-creates a missing row from here, so the
three plan names always resolve (staff cannot delete plans; test flushes can).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from billing.models import Plan

from billing.models import Plan

PLAN_SEED: dict[str, dict[str, Any]] = {
    "FREE": {
        "price_monthly": 0,
        "price_yearly": 0,
        "max_photos": 5,
        "max_responses_per_month": 3,
        "chat_access": False,
        "profile_promotion": False,
        "priority_support": False,
        "analytics": "none",
        "sort_order": 0,
    },
    "PRO": {
        "price_monthly": 5000,
        "price_yearly": 50000,
        "max_photos": 20,
        "max_responses_per_month": 30,
        "chat_access": True,
        "profile_promotion": False,
        "priority_support": False,
        "analytics": "basic",
        "sort_order": 1,
    },
    "BUSINESS": {
        "price_monthly": 15000,
        "price_yearly": 150000,
        "max_photos": -1,
        "max_responses_per_month": -1,
        "chat_access": True,
        "profile_promotion": True,
        "priority_support": True,
        "analytics": "advanced",
        "sort_order": 2,
    },
}


# Invitations to apply a casting's organization may send to models per month (docs/PIPELINE.md).
INVITES_PER_MONTH: dict[str, int] = {"FREE": 0, "PRO": 20, "BUSINESS": 200}

# Saved searches with alerts a user may keep at once (docs/SEARCHES.md).
SAVED_SEARCHES: dict[str, int] = {"FREE": 1, "PRO": 10, "BUSINESS": 50}


def plan_get(name: str) -> Plan | None:
    """The `Plan` row of a contract plan name (created from the seed if missing), else None."""
    if name not in PLAN_SEED:
        return None
    plan = Plan.objects.filter(name=name).first()
    if plan is None:
        plan, _ = Plan.objects.get_or_create(name=name, defaults=PLAN_SEED[name])
    return plan
