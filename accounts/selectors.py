"""Reads of accounts, including who blocked whom (chat, profiles and castings ask)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Case, F, Q, QuerySet, When

from accounts.consents import consents_summary
from accounts.models import Block, User

# Parts of `/auth/me` owned by apps above accounts (billing: "subscription"), registered in
# their AppConfig.ready(): key → reader(user). Their serializers: `accounts.serializers`.
ME_SECTIONS: dict[str, Callable[[User], Any]] = {}


def user_me(*, user: User) -> dict[str, Any]:
    """The `/auth/me` data: the user, the registered sections (billing's subscription summary:
    plan, status, expires_at) and the consents."""
    return {
        "id": user.pk,
        "email": user.email,
        "role": user.role,
        "email_verified": user.email_verified,
        "created_at": user.created_at,
        **{name: read(user) for name, read in ME_SECTIONS.items()},
        **consents_summary(user=user),
    }


def inactive_user_ids() -> QuerySet[User, Any]:
    """Ids of banned or deactivated users, as a subquery: `.exclude(owner_id__in=...)`.

    "Owner not banned" as a join costs one primary-key probe per candidate row (1,001 for a
    capped catalogue count, most of its time at national scale); excluding the few inactive
    ids is one hashed lookup per row from a partial index (EXPLAIN (ANALYZE) of the capped
    count of "Almaty, fashion, female, 18-25" at bench scale 1: 13.7 ms → 4.8 ms).
    """
    return User.objects.filter(is_active=False).values("id")


UserId = uuid.UUID | str


def is_blocked_between(*, user_a_id: UserId | None, user_b_id: UserId | None) -> bool:
    """True when either user blocked the other (one indexed query; False for anonymous)."""
    if user_a_id is None or user_b_id is None or str(user_a_id) == str(user_b_id):
        return False
    return Block.objects.filter(
        Q(blocker_id=user_a_id, blocked_id=user_b_id)
        | Q(blocker_id=user_b_id, blocked_id=user_a_id)
    ).exists()


def blocked_user_ids_subquery(*, user_id: UserId | None) -> QuerySet[Block, Any]:
    """A lazy one-column queryset of the ids of everyone `user_id` blocked or was blocked by.

    Put it inside a filter and it becomes a single SQL sub-select, e.g.
    `profiles.exclude(user_id__in=blocked_user_ids_subquery(user_id=request.user.id))`.
    Anonymous callers (`None`) get an empty queryset.
    """
    if user_id is None:
        return Block.objects.none().values("blocked_id")
    return (
        Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id))
        .annotate(
            other_user_id=Case(
                When(blocker_id=user_id, then=F("blocked_id")), default=F("blocker_id")
            )
        )
        .values("other_user_id")
    )


def blocked_user_ids(*, user_id: UserId | None) -> set[uuid.UUID]:
    """The same ids as `blocked_user_ids_subquery`, evaluated into a set (one query)."""
    if user_id is None:
        return set()
    return {row["other_user_id"] for row in blocked_user_ids_subquery(user_id=user_id)}
