"""How the API writes a datetime: UTC, second precision, `Z` (ISO 8601; docs/API.md §3).

`REST_FRAMEWORK["DATETIME_FORMAT"]` is this format, so DRF's `DateTimeField` and the plain-dict
builders of the hot paths (castings, profiles, chat, notifications, billing) write the same
text. `format_datetime` is DRF's rendering without its per-call field machinery (25 µs a value
through `DateTimeField().to_representation`, 1.5 ms of a castings page of 20 cards).
"""

from __future__ import annotations

from datetime import UTC, datetime

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_datetime(value: datetime | None) -> str | None:
    """`value` in UTC as DATETIME_FORMAT writes it, through `isoformat` (C, ~0.3 µs) rather
    than `strftime` (~3.5 µs: a tenth of a history page's Python); years before 1000, where
    the two differ in padding, through `strftime` as DRF writes them."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    if utc.year < 1000:
        return utc.strftime(DATETIME_FORMAT)
    return utc.isoformat(timespec="seconds")[:-6] + "Z"  # "+00:00" -> "Z"
