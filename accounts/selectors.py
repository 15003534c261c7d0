"""Reads of accounts."""

from __future__ import annotations

from typing import Any

from accounts.models import User


def user_me(*, user: User) -> dict[str, Any]:
    """The `/auth/me` data: the user and its subscription summary (plan, status, expires_at)."""
    from billing.selectors import subscription_summary  # billing sits above accounts

    return {
        "id": user.pk,
        "email": user.email,
        "role": user.role,
        "email_verified": user.email_verified,
        "created_at": user.created_at,
        "subscription": subscription_summary(user=user),
    }
