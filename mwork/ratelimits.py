"""The one rate counter: fixed windows of the rate's period, counted in the default cache.

A rate is "N/period" ("100/m", "5/10s"). Windows are aligned to the epoch: the window of a call
at `t` starts at `t - t % period`, whoever the caller is, on every cache. The counter of a
window lives under a key naming the group, the caller and the window start, and expires one
second after the window ends. On Redis (django-redis) a hit is one atomic script call (INCR,
then EXPIRE on the first hit); on any other cache (local memory in development) it is
`add(key, 0)` then `incr(key)`. Either way the same calls give the same counts
(`mwork/tests/test_ratelimits.py`).

No HTTP here: the API's throttles (`mwork.api.ratelimit`) and domain services (chat's send
limit) both count through `hit`/`enforce`. An unreachable counter fails open
(RATELIMIT_FAIL_OPEN) so the API keeps serving.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import caches
from redis.commands.core import Script
from redis.exceptions import RedisError

from mwork.api.exceptions import RateLimitExceeded

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
# One round trip: the window's counter, created with its expiry on the first hit (run by `hit`
# here, and by callers that count in a round trip of their own: chat/loop_send.py).
COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@dataclass(frozen=True)
class Usage:
    limit: int
    remaining: int
    reset_at: int  # epoch seconds: when the current window ends
    exceeded: bool

    @property
    def retry_after(self) -> int:
        return max(self.reset_at - int(time.time()), 1)


@cache
def parse_rate(rate: str) -> tuple[int, int]:
    """ "100/m" → (100, 60); "5/10s" → (5, 10)."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"Rate limit {rate!r} is not like '100/m' or '5/10s'.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _PERIODS[unit]


def window(period: int, now: int | None = None) -> tuple[int, int]:
    """(start, end) in epoch seconds of the window of `period` seconds holding `now`."""
    now = int(time.time()) if now is None else now
    start = now - now % period
    return start, start + period


@cache
def _count_script() -> Script:
    """Sent by its SHA (EVALSHA), loaded into Redis on first use or after a Redis restart."""
    return Script(None, COUNT_SCRIPT.encode())  # type: ignore[arg-type]  # bytes: no client


def _redis_client(backend: Any) -> Any:
    """django-redis's client getter of a cache (`get_client(write=True)`), None on any other."""
    return getattr(getattr(backend, "client", None), "get_client", None)


def _increment(backend: Any, key: str, ttl: int) -> int:
    """Add one to the counter `key` (created with expiry `ttl` seconds) and return it."""
    client = _redis_client(backend)
    if client is not None:  # django-redis: one script call
        full_key = backend.make_key(key)
        return int(_count_script()(keys=[full_key], args=[ttl], client=client(write=True)))
    backend.add(key, 0, timeout=ttl)
    try:
        return backend.incr(key)
    except ValueError:  # expired between add and incr (a window ended): a fresh counter
        backend.add(key, 1, timeout=ttl)
        return 1


@dataclass(frozen=True)
class Window:
    """The current window of one counter: its cache key (unprefixed), the key's expiry, the
    limit and when the window ends."""

    key: str
    ttl: int
    limit: int
    end: int

    def usage(self, count: int) -> Usage:
        """The usage after the `count`th call of the window."""
        return Usage(
            limit=self.limit,
            remaining=max(self.limit - count, 0),
            reset_at=self.end,
            exceeded=count > self.limit,
        )

    def unreachable(self, error: Exception) -> Usage | None:
        """The usage when the counter cannot be reached: None (fail open, logged) or exceeded,
        as RATELIMIT_FAIL_OPEN says."""
        if settings.RATELIMIT_FAIL_OPEN:
            logger.warning("Rate-limit counter unreachable, failing open: %s", error)
            return None
        return Usage(limit=0, remaining=0, reset_at=self.end, exceeded=True)


def current_window(*, group: str, key: str, rate: str) -> Window:
    """The window a call of `key` in `group` counts in now, against `rate` ("5/m")."""
    limit, period = parse_rate(rate)
    start, end = window(period)
    return Window(key=f"rl:{group}:{key}:{period}:{start}", ttl=period + 1, limit=limit, end=end)


# A counted call taken back (a call refused for another reason after it was counted); a counter
# already expired is left alone rather than recreated without an expiry.
UNCOUNT_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
"""


Checked = tuple[list[bool], list[Usage | None]]


@contextmanager
def checking(windows: Sequence[Window], keys: Sequence[str]) -> Iterator[Callable[[], Checked]]:
    """Count one call in each of `windows` and say which of the cache `keys` exist: on Redis
    in one round trip (EXISTS per key, then `COUNT_SCRIPT` per window), sent on entry and read
    by the callable the block is given, so that the caller does other I/O while Redis answers;
    on any other cache, call by call on entry. The API's authentication reads the token's user
    from PostgreSQL in between, so a request waits for one round trip instead of two
    (accounts/authentication.py; docs/PERFORMANCE.md, "Tenth round").

    The commands go out on a connection of the cache's own pool, as a pipeline would send them,
    and the connection goes back to the pool once its replies are read; leaving the block
    without reading them closes it instead, so no reply is left for another command to read.
    Redis unreachable (failing to send or to read): no key exists (as the cache's own reads,
    which ignore errors) and each window is `Window.unreachable`."""
    backend = caches["default"]
    client = _redis_client(backend)
    if client is None:
        present = [backend.has_key(key) for key in keys]
        counts = [_increment(backend, current.key, current.ttl) for current in windows]
        checked: Checked = (
            present,
            [current.usage(count) for current, count in zip(windows, counts, strict=True)],
        )
        yield lambda: checked
        return
    commands = [("EXISTS", backend.make_key(key)) for key in keys] + [
        ("EVAL", COUNT_SCRIPT, 1, backend.make_key(current.key), current.ttl) for current in windows
    ]

    def unreachable(error: Exception) -> Checked:
        logger.warning("Cache unreachable, its keys read as absent: %s", error)
        return [False] * len(keys), [current.unreachable(error) for current in windows]

    pool = client(write=True).connection_pool
    try:
        connection = pool.get_connection()
    except (RedisError, OSError) as error:
        failed = unreachable(error)
        yield lambda: failed
        return
    answered: list[Checked] = []

    def answer() -> Checked:
        if not answered:
            try:
                replies = [connection.read_response() for _ in commands]
            except (RedisError, OSError) as error:
                connection.disconnect()  # a reply may be left unread
                answered.append(unreachable(error))
            else:
                counts = replies[len(keys) :]
                answered.append(
                    (
                        [bool(found) for found in replies[: len(keys)]],
                        [
                            current.usage(int(count))
                            for current, count in zip(windows, counts, strict=True)
                        ],
                    )
                )
        return answered[0]

    try:
        try:
            connection.send_packed_command(connection.pack_commands(commands))
        except (RedisError, OSError) as error:
            connection.disconnect()
            answered.append(unreachable(error))
        yield answer
    finally:
        if not answered:
            connection.disconnect()  # its replies were never read
        pool.release(connection)


def uncount(windows: Sequence[Window]) -> None:
    """Take back one counted call in each of `windows` (calls refused for another reason after
    they were counted); best effort: an unreachable counter keeps the count."""
    if not windows:
        return
    backend = caches["default"]
    client = _redis_client(backend)
    try:
        if client is None:
            for current in windows:
                if backend.has_key(current.key):
                    backend.decr(current.key)
            return
        pipe = client(write=True).pipeline(transaction=False)
        for current in windows:
            pipe.eval(UNCOUNT_SCRIPT, 1, backend.make_key(current.key))
        pipe.execute()
    except (RedisError, OSError, ValueError) as error:  # ValueError: expired in between
        logger.warning("Rate-limit counter unreachable, a refused call stays counted: %s", error)


def hit(*, group: str, key: str, rate: str) -> Usage | None:
    """Count one call of `key` in `group` against `rate` ("5/m"); None when the counter is
    unreachable (fail open)."""
    current = current_window(group=group, key=key, rate=rate)
    try:
        count = _increment(caches["default"], current.key, current.ttl)
    except (RedisError, OSError) as error:
        return current.unreachable(error)
    return current.usage(count)


class LocalCounter:
    """One caller's counter in this process's memory, in the same windows as `hit` (the
    epoch-aligned `window`), for what lives in one process only — a WebSocket's frames
    (chat/consumers.py) — and so needs no shared counter and no round trip."""

    def __init__(self, rate: str) -> None:
        self.limit, self.period = parse_rate(rate)
        self.window_start: int | None = None
        self.count = 0

    def hit(self, now: int | None = None) -> Usage:
        """Count one call now (or at epoch second `now`)."""
        start, end = window(self.period, now)
        if start != self.window_start:
            self.window_start, self.count = start, 0
        self.count += 1
        return Usage(
            limit=self.limit,
            remaining=max(self.limit - self.count, 0),
            reset_at=end,
            exceeded=self.count > self.limit,
        )


def enforce(*, group: str, key: str, rate: str) -> Usage | None:
    """`hit()`, then raise `RateLimitExceeded` (with `retry_after`) when over the limit."""
    usage = hit(group=group, key=key, rate=rate)
    if usage is not None and usage.exceeded:
        raise RateLimitExceeded(retry_after=usage.retry_after)
    return usage
