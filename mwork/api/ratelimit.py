"""Rate limits (docs/API.md §12) as DRF throttles.

They count with the one rate counter, `mwork.ratelimits` (fixed windows in the default cache,
Redis in production). Anonymous callers are keyed by client address, signed-in callers by user.
Every limited answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
`X-RateLimit-Reset` (added by `RateLimitHeadersMiddleware`); a refusal is a 429
`RATE_LIMIT_EXCEEDED` with `retry_after` and `Retry-After`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from mwork.api.exceptions import RateLimitExceeded
from mwork.ratelimits import Usage, Window, current_window, enforce, hit, parse_rate

__all__ = ["Usage", "client_ip", "enforce", "hit", "parse_rate"]

USAGE_ATTRIBUTE = "_mwork_ratelimit"
PRECOUNTED_ATTRIBUTE = "_mwork_ratelimit_precounted"


def client_ip(request: Any) -> str:
    """The caller's address; `X-Forwarded-For` counts only through TRUSTED_PROXY_COUNT proxies."""
    meta = request.META
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            p.strip() for p in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return meta.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a key, not a bind address


def _remember(request: Any, usage: Usage | None) -> None:
    """Keep the tightest usage on the Django request so the middleware can send headers."""
    if usage is None:
        return
    django_request = getattr(request, "_request", request)
    current: Usage | None = getattr(django_request, USAGE_ATTRIBUTE, None)
    if current is None or usage.remaining < current.remaining or usage.exceeded:
        setattr(django_request, USAGE_ATTRIBUTE, usage)


def user_key(user_id: Any) -> str:
    """The counter key of a signed-in caller: the throttles' and the pre-count's must agree."""
    return f"user:{user_id}"


class _ScopedRateLimit(BaseThrottle):
    """A DRF throttle that counts with `mwork.ratelimits` and raises our 429 envelope."""

    scope = "api"
    rate_setting = "RATELIMIT_API"
    by_address_only = False

    def caller_key(self, request: Any) -> str:
        user = getattr(request, "user", None)
        if not self.by_address_only and user is not None and user.is_authenticated:
            return user_key(user.pk)
        return f"ip:{client_ip(request)}"

    def user_window(self, user_id: Any) -> Window | None:
        """The window this limit counts a call of signed-in `user_id` in now; None when it
        counts by address or limits are off."""
        if self.by_address_only or not settings.RATELIMIT_ENABLE:
            return None
        rate = getattr(settings, self.rate_setting)
        return current_window(group=self.scope, key=user_key(user_id), rate=rate)

    def allow_request(self, request: Any, view: Any) -> bool:
        if not settings.RATELIMIT_ENABLE:
            return True
        key = self.caller_key(request)
        precounted = getattr(getattr(request, "_request", request), PRECOUNTED_ATTRIBUTE, {})
        if (self.scope, key) in precounted:  # counted with the token checks (`precount`)
            usage = precounted.pop((self.scope, key))
        else:
            usage = hit(group=self.scope, key=key, rate=getattr(settings, self.rate_setting))
        _remember(request, usage)
        if usage is not None and usage.exceeded:
            raise RateLimitExceeded(retry_after=usage.retry_after)
        return True


def user_windows(view: Any, user_id: Any) -> list[tuple[str, Window]]:
    """(scope, window) of each limit of `view` that will count a call of signed-in `user_id`:
    the API's authentication counts them in the round trip that reads the token's denylist
    entry (accounts/authentication.py), then hands the usages over with `precount`."""
    if view is None or not settings.RATELIMIT_ENABLE:
        return []
    windows = []
    for throttle in view.get_throttles():
        window = throttle.user_window(user_id) if isinstance(throttle, _ScopedRateLimit) else None
        if window is not None:
            windows.append((throttle.scope, window))
    return windows


def precount(request: Any, user_id: Any, counted: dict[str, Usage | None]) -> None:
    """Hand usages counted before the throttles ran (scope → usage of `user_id`) to the
    throttles, which then do not count the call again; the answer carries their headers even
    when a permission refuses the call before the throttles run."""
    django_request = getattr(request, "_request", request)
    for usage in counted.values():
        _remember(request, usage)
    setattr(
        django_request,
        PRECOUNTED_ATTRIBUTE,
        {(scope, user_key(user_id)): usage for scope, usage in counted.items()},
    )


class ApiRateLimit(_ScopedRateLimit):
    """The default for every API view: RATELIMIT_API per user (per address when anonymous)."""


class AuthRateLimit(_ScopedRateLimit):
    """Login, register, refresh, reset: RATELIMIT_AUTH per client address."""

    scope = "auth"
    rate_setting = "RATELIMIT_AUTH"
    by_address_only = True


class UploadRateLimit(_ScopedRateLimit):
    scope = "upload"
    rate_setting = "RATELIMIT_UPLOAD"


class WebhookRateLimit(_ScopedRateLimit):
    scope = "webhook"
    rate_setting = "RATELIMIT_WEBHOOK"
    by_address_only = True


def headers_for(usage: Usage) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(usage.limit),
        "X-RateLimit-Remaining": str(usage.remaining),
        "X-RateLimit-Reset": str(usage.reset_at),
    }
