"""Reads of the moderation app.

Other apps call the block selectors: chat before creating a room or delivering a message,
profiles and castings to hide blocked users from each other's lists. `moderation` imports only
`accounts` at module level, so importing these selectors from any app is safe.
"""

from __future__ import annotations

import uuid

from django.db.models import Case, F, Q, QuerySet, When

from moderation.models import Block

UserId = uuid.UUID | str


def is_blocked_between(*, user_a_id: UserId | None, user_b_id: UserId | None) -> bool:
    """True when either user blocked the other (one indexed query; False for anonymous)."""
    if user_a_id is None or user_b_id is None or str(user_a_id) == str(user_b_id):
        return False
    return Block.objects.filter(
        Q(blocker_id=user_a_id, blocked_id=user_b_id)
        | Q(blocker_id=user_b_id, blocked_id=user_a_id)
    ).exists()


def blocked_user_ids_subquery(*, user_id: UserId | None) -> QuerySet:
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
    return set(blocked_user_ids_subquery(user_id=user_id).values_list("other_user_id", flat=True))
