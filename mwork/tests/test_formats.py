"""mwork.api.formats: `format_datetime` writes what DRF's DateTimeField writes with the
project's DATETIME_FORMAT, for every kind of value."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from rest_framework.fields import DateTimeField

from mwork.api.formats import DATETIME_FORMAT, format_datetime


def _values() -> list[datetime]:
    rng = random.Random(2026)
    zones = [UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-3, minutes=-30)),
             ZoneInfo("Asia/Almaty"), ZoneInfo("Europe/Moscow")]  # fmt: skip
    edges = [datetime(1, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
             datetime(1000, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 12, tzinfo=UTC),
             datetime(2026, 12, 7, 8, 0, 0, 999999, tzinfo=UTC)]  # fmt: skip
    made = [
        datetime(1970, 1, 1, tzinfo=UTC)
        + timedelta(seconds=rng.randrange(0, 3 * 10**9), microseconds=rng.randrange(10**6))
        for _ in range(300)
    ]
    return edges + [value.astimezone(rng.choice(zones)) for value in made]


@pytest.mark.parametrize("value", _values(), ids=str)
def test_format_datetime_writes_what_drf_writes(value):
    drf = DateTimeField(format=DATETIME_FORMAT, default_timezone=UTC)

    assert format_datetime(value) == drf.to_representation(value.astimezone(UTC))
    assert format_datetime(value) == value.astimezone(UTC).strftime(DATETIME_FORMAT)


def test_none_stays_none():
    assert format_datetime(None) is None
