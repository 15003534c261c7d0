"""The one rate counter (`mwork.ratelimits`): the same windows on Redis and in local memory."""

import datetime as dt
import time
import uuid

import pytest
import time_machine
from django.core.cache import caches
from django.test import override_settings

from mwork.ratelimits import (
    LocalCounter,
    checking,
    current_window,
    hit,
    parse_rate,
    uncount,
    window,
)

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
START = dt.datetime(2026, 3, 2, 10, 0, 0, tzinfo=dt.UTC)  # a minute boundary


@pytest.fixture(params=["redis", "locmem"])
def backend(request, settings):
    """A fresh counter group on the default cache of the test settings (Redis), or on a
    local-memory one."""
    group = f"test-{uuid.uuid4()}"  # other tests may share the Redis database: nothing cleared
    if request.param == "redis":
        if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
            pytest.skip("the test settings have no Redis")
        yield group
        return
    with override_settings(CACHES=LOCAL_MEMORY):
        yield group
    caches["default"].clear()


def _counts(group: str, calls: list[tuple[int, str]], rate: str) -> list[tuple[int, bool, int]]:
    """(remaining, exceeded, reset_at - start) of a hit at each (seconds after START, key)."""
    out = []
    for offset, key in calls:
        with time_machine.travel(START + dt.timedelta(seconds=offset), tick=False):
            usage = hit(group=group, key=key, rate=rate)
        assert usage is not None
        out.append((usage.remaining, usage.exceeded, usage.reset_at - int(START.timestamp())))
    return out


def test_windows_are_aligned_to_the_epoch_on_every_backend(backend):
    calls = [(0, "a"), (10, "a"), (59, "a"), (59, "b"), (60, "a"), (61, "a"), (119, "a")]

    assert _counts(backend, calls, "2/m") == [
        (1, False, 60),
        (0, False, 60),
        (0, True, 60),  # the third call in the first minute
        (1, False, 60),  # another key counts apart
        (1, False, 120),  # a new window at the minute, whoever calls
        (0, False, 120),
        (0, True, 120),
    ]


def test_multi_second_periods_on_every_backend(backend):
    calls = [(0, "a"), (4, "a"), (9, "a"), (10, "a")]

    assert _counts(backend, calls, "2/10s") == [
        (1, False, 10),
        (0, False, 10),
        (0, True, 10),
        (1, False, 20),
    ]


def test_retry_after_is_the_rest_of_the_window(backend):
    for offset in (0, 1):
        with time_machine.travel(START + dt.timedelta(seconds=offset), tick=False):
            hit(group=backend, key="k", rate="1/m")
    with time_machine.travel(START + dt.timedelta(seconds=45), tick=False):
        usage = hit(group=backend, key="k", rate="1/m")

        assert usage.exceeded
        assert usage.retry_after == 15


@pytest.mark.parametrize("rate", ["2/m", "2/10s", "3/h"])
def test_the_in_memory_counter_has_the_shared_counters_windows(backend, rate):
    # given the same calls of one key at the same moments
    offsets = [0, 4, 9, 10, 59, 60, 61, 119, 3599, 3600]
    local = LocalCounter(rate)

    # when counted by the one rate counter and by a socket's in-memory counter
    shared = _counts(backend, [(offset, "a") for offset in offsets], rate)
    in_memory = []
    for offset in offsets:
        with time_machine.travel(START + dt.timedelta(seconds=offset), tick=False):
            usage = local.hit()
        in_memory.append((usage.remaining, usage.exceeded, usage.reset_at - int(START.timestamp())))

    # then both see the same windows and counts (chat's per-socket frame limit uses the latter)
    assert in_memory == shared


def test_the_in_memory_counter_says_how_long_to_wait():
    local = LocalCounter("1/m")
    with time_machine.travel(START + dt.timedelta(seconds=45), tick=False):
        assert not local.hit().exceeded
        usage = local.hit()

        assert usage.exceeded
        assert usage.retry_after == 15


@pytest.mark.parametrize(
    ("rate", "parsed"), [("100/m", (100, 60)), ("5/10s", (5, 10)), ("3/h", (3, 3600))]
)
def test_parse_rate(rate, parsed):
    assert parse_rate(rate) == parsed


def test_parse_rate_refuses_nonsense():
    with pytest.raises(ValueError, match="not like"):
        parse_rate("100 per minute")


def test_window():
    assert window(60, now=125) == (120, 180)
    assert window(10, now=120) == (120, 130)


def hit_and_check(windows, keys):
    """`checking` answered at once."""
    with checking(windows, keys) as answer:
        return answer()


def test_hit_and_check_counts_as_hit_does_and_reads_whether_keys_exist(backend):
    cache = caches["default"]
    cache.set(f"{backend}:present", 1, timeout=60)
    first = current_window(group=backend, key="a", rate="3/m")
    second = current_window(group=backend, key="b", rate="1/m")

    present, usages = hit_and_check([first, second], [f"{backend}:present", f"{backend}:absent"])
    after = hit(group=backend, key="a", rate="3/m")
    _, again = hit_and_check([second], [])

    assert present == [True, False]
    assert [(u.remaining, u.exceeded) for u in usages] == [(2, False), (0, False)]
    assert after is not None and after.remaining == 1  # one counter, whoever counts
    assert again[0] is not None and again[0].exceeded


def _redis_pool():
    return caches["default"].client.get_client(write=True).connection_pool


def _in_use() -> int:
    return sum(
        count
        for count, attributes in _redis_pool().get_connection_count()
        if attributes.get("db.client.connection.state") == "used"
    )


def test_checking_sends_on_entry_and_answers_as_hit_and_check_does(backend):
    """The counts are made before the answer is asked for (other I/O runs in between), and
    the answer is what it is asked at once."""
    cache = caches["default"]
    cache.set(f"{backend}:present", 1, timeout=60)
    first = current_window(group=backend, key="a", rate="3/m")

    with checking([first], [f"{backend}:present", f"{backend}:absent"]) as answer:
        deadline = time.monotonic() + 2
        while cache.get(first.key) is None and time.monotonic() < deadline:
            time.sleep(0.001)  # Redis counts while the caller is busy elsewhere
        counted_before_the_answer = cache.get(first.key)
        present, usages = answer()
        assert answer() == (present, usages)  # read once, kept

    assert counted_before_the_answer == 1
    assert present == [True, False]
    assert [(u.remaining, u.exceeded) for u in usages] == [(2, False)]


def test_checking_returns_its_connection_to_the_pool_answered_or_not(settings):
    """Read: the connection goes back to the pool. Left unread (the other I/O failed): it is
    closed, so the replies it never read cannot be taken by the next command as its own."""
    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("the test settings have no Redis")
    backend = f"test-{uuid.uuid4()}"
    cache = caches["default"]
    cache.set(f"{backend}:present", "value", timeout=60)
    current = current_window(group=backend, key="a", rate="5/m")
    in_use = _in_use()

    with checking([current], [f"{backend}:present"]) as answer:
        assert _in_use() == in_use + 1
        answer()
    assert _in_use() == in_use

    with pytest.raises(RuntimeError), checking([current], [f"{backend}:present"]):
        raise RuntimeError("the database read failed")
    assert _in_use() == in_use
    for _ in range(3):  # every pooled connection answers its own command
        assert cache.get(f"{backend}:present") == "value"
        assert hit_and_check([], [f"{backend}:present"]) == ([True], [])
    assert hit(group=backend, key="a", rate="5/m").remaining == 2  # both blocks counted


def test_uncount_takes_back_one_call(backend):
    current = current_window(group=backend, key="a", rate="5/m")
    hit_and_check([current], [])
    hit_and_check([current], [])

    uncount([current])
    usage = hit(group=backend, key="a", rate="5/m")

    assert usage is not None and usage.remaining == 3


def test_uncount_leaves_an_expired_counter_alone(backend):
    uncount([current_window(group=backend, key="never-counted", rate="5/m")])

    usage = hit(group=backend, key="never-counted", rate="5/m")

    assert usage is not None and usage.remaining == 4


@pytest.mark.parametrize("fail_open", [True, False])
def test_hit_and_check_with_redis_unreachable(settings, fail_open):
    """No key reads as present (as the cache's own reads) and each window is as `hit` says
    when its counter cannot be reached."""
    settings.RATELIMIT_FAIL_OPEN = fail_open
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "IGNORE_EXCEPTIONS": True},
        }
    }
    with override_settings(CACHES=unreachable):
        present, usages = hit_and_check([current_window(group="g", key="k", rate="5/m")], ["x"])
        uncount([current_window(group="g", key="k", rate="5/m")])  # no error either

    assert present == [False]
    if fail_open:
        assert usages == [None]
    else:
        assert usages[0] is not None and usages[0].exceeded
