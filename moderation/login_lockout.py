"""Admin login throttling (django-axes): per client address and per account, separately.

The API's login has its own rate limit; only the admin login form authenticates through
Django with a request, so only it is counted here. Lockouts are rows staff see in the admin
("Access attempts") and lift with the `unlock_logins` capability (moderation.admin).
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend

from accounts.models import normalize_email
from mwork.api.ratelimit import client_ip


class AdminLoginLockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out address or account; authenticates nobody by itself."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ):
        if request is None:
            return None  # not a login form (test client, scripts): nothing to throttle
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_username(request: Any, credentials: dict | None) -> str:
    """The account a login attempt names, normalised like our e-mail addresses."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_email(username)


def lockout_client_ip(request: Any) -> str:
    return client_ip(request)
