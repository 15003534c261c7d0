"""Rate limits (contract: Rate Limiting; contract-notes §12) on django-ratelimit's counters.

Counters live in the default cache (Redis in production). Anonymous callers are keyed by client
address, signed-in callers by user. Every limited answer carries `X-RateLimit-Limit`,
`X-RateLimit-Remaining` and `X-RateLimit-Reset` (added by `RateLimitHeadersMiddleware`); a
refusal is a 429 `RATE_LIMIT_EXCEEDED` with `retry_after` and `Retry-After`.

If the cache is unreachable the limiter fails open (RATELIMIT_FAIL_OPEN): the API keeps serving.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

from mwork.api.exceptions import RateLimitExceeded

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


@dataclass(frozen=True)
class Usage:
    limit: int
    remaining: int
    reset_at: int  # epoch seconds
    exceeded: bool

    @property
    def retry_after(self) -> int:
        return max(self.reset_at - int(time.time()), 1)


def hit(*, group: str, key: str, rate: str, request: Any = None) -> Usage | None:
    """Count one call of `key` in `group` against `rate` ("5/m"); None when limits are off."""
    usage = get_usage(
        request, group=group, key=lambda _group, _request: key, rate=rate, increment=True
    )
    if usage is None:
        return None
    time_left = max(usage["time_left"], 0)
    return Usage(
        limit=usage["limit"],
        remaining=max(usage["limit"] - usage["count"], 0),
        reset_at=int(time.time()) + time_left,
        exceeded=usage["should_limit"],
    )


def enforce(*, group: str, key: str, rate: str, request: Any = None) -> Usage | None:
    """`hit()`, then raise `RateLimitExceeded` when over the limit. Usable without HTTP."""
    usage = hit(group=group, key=key, rate=rate, request=request)
    if usage is not None and usage.exceeded:
        raise RateLimitExceeded(retry_after=usage.retry_after)
    return usage


def _remember(request: Any, usage: Usage | None) -> None:
    """Keep the tightest usage on the Django request so the middleware can send headers."""
    if usage is None:
        return
    django_request = getattr(request, "_request", request)
    current: Usage | None = getattr(django_request, USAGE_ATTRIBUTE, None)
    if current is None or usage.remaining < current.remaining or usage.exceeded:
        setattr(django_request, USAGE_ATTRIBUTE, usage)


class _ScopedRateLimit(BaseThrottle):
    """A DRF throttle that counts with django-ratelimit and raises our 429 envelope."""

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
            request=request,
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
