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
from mwork.ratelimits import Usage, enforce, hit, parse_rate

__all__ = ["Usage", "client_ip", "enforce", "hit", "parse_rate"]

USAGE_ATTRIBUTE = "_mwork_ratelimit"


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


class _ScopedRateLimit(BaseThrottle):
    """A DRF throttle that counts with `mwork.ratelimits` and raises our 429 envelope."""

    scope = "api"
    rate_setting = "RATELIMIT_API"
    by_address_only = False

    def caller_key(self, request: Any) -> str:
        user = getattr(request, "user", None)
        if not self.by_address_only and user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{client_ip(request)}"

    def allow_request(self, request: Any, view: Any) -> bool:
        if not settings.RATELIMIT_ENABLE:
            return True
        usage = hit(
            group=self.scope,
            key=self.caller_key(request),
            rate=getattr(settings, self.rate_setting),
        )
        _remember(request, usage)
        if usage is not None and usage.exceeded:
            raise RateLimitExceeded(retry_after=usage.retry_after)
        return True


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
