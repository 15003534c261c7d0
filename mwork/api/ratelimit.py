"""Rate limits (docs/API.md §12) on django-ratelimit's counters.

Counters live in the default cache (Redis in production). Anonymous callers are keyed by client
address, signed-in callers by user. Every limited answer carries `X-RateLimit-Limit`,
`X-RateLimit-Remaining` and `X-RateLimit-Reset` (added by `RateLimitHeadersMiddleware`); a
refusal is a 429 `RATE_LIMIT_EXCEEDED` with `retry_after` and `Retry-After`.

If the cache is unreachable the limiter fails open (RATELIMIT_FAIL_OPEN): the API keeps serving.

Every API request counts once, so the counter's cost is part of the floor of every endpoint.
On Redis a count is one atomic script call (INCR, EXPIRE on the first hit of a window) instead
of django-ratelimit's two round trips (`add`, then an `incr` script); on any other cache (the
embedded local-memory default) django-ratelimit counts. Both use fixed windows of the rate's
period.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django_ratelimit.core import get_usage
from redis.commands.core import Script
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from mwork.api.exceptions import RateLimitExceeded

USAGE_ATTRIBUTE = "_mwork_ratelimit"
logger = logging.getLogger(__name__)


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


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
# One round trip: the window's counter, created with its expiry on the first hit.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@cache
def parse_rate(rate: str) -> tuple[int, int]:
    """ "100/m" → (100, 60); "5/10s" → (5, 10)."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"Rate limit {rate!r} is not like '100/m' or '5/10s'.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _PERIODS[unit]


def _redis_count(cache_backend: Any, *, group: str, key: str, period: int) -> tuple[int, int]:
    """(count in the current window, seconds left in it), counted with one script call."""
    now = int(time.time())
    window_start = now - now % period
    cache_key = cache_backend.make_key(f"rl:{group}:{key}:{period}:{window_start}")
    client = cache_backend.client.get_client(write=True)
    count = int(_count_script()(keys=[cache_key], args=[period + 1], client=client))
    return count, window_start + period - now


@cache
def _count_script() -> Script:
    """Sent by its SHA (EVALSHA), loaded into Redis on first use or after a Redis restart."""
    return Script(None, _COUNT_SCRIPT.encode())  # bytes: no client needed for its SHA


def _redis_cache() -> Any:
    backend = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    return backend if type(backend).__module__.startswith("django_redis") else None


def hit(*, group: str, key: str, rate: str, request: Any = None) -> Usage | None:
    """Count one call of `key` in `group` against `rate` ("5/m"); None when limits are off or
    the counter is unreachable (fail open)."""
    redis_cache = _redis_cache()
    if redis_cache is not None:
        limit, period = parse_rate(rate)
        try:
            count, time_left = _redis_count(redis_cache, group=group, key=key, period=period)
        except (RedisError, OSError) as error:
            if settings.RATELIMIT_FAIL_OPEN:
                logger.warning("Rate-limit counter unreachable, failing open: %s", error)
                return None
            return Usage(limit=0, remaining=0, reset_at=int(time.time()), exceeded=True)
        return Usage(
            limit=limit,
            remaining=max(limit - count, 0),
            reset_at=int(time.time()) + time_left,
            exceeded=count > limit,
        )
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
