"""When a notification's e-mail and push go out: frequency, quiet hours, daily digest.

Pure functions of the user's preferences and a moment, so the rules are tested with fixed
times (docs/NOTIFICATIONS.md). In-app notifications (the stored row and the WebSocket frame)
never wait; only e-mail and push do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    INSTANT = "instant", _("Instant")
    DAILY = "daily", _("Daily digest")
    OFF = "off", _("Off")


# Audition changes and payment events are never held or digested; nor are the other
# transactional types (an expiring plan, a data export whose link expires).
BYPASS_PREFIXES = ("audition_", "payment_")
BYPASS_TYPES = frozenset({"subscription_expiring", "data_export_ready"})

DIGEST_TIME = time(9, 0)  # local time of the daily digest (moved to the end of quiet hours)


def bypasses_schedule(type: str) -> bool:
    return type in BYPASS_TYPES or type.startswith(BYPASS_PREFIXES)


def default_time_zone() -> str:
    return getattr(settings, "PLATFORM_TIME_ZONE", "Asia/Almaty")


def zone(name: str | None) -> ZoneInfo:
    """The user's zone; the platform's (Asia/Almaty) when empty or unknown."""
    try:
        return ZoneInfo(name or default_time_zone())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default_time_zone())


def in_quiet_hours(moment: time, *, start: time, end: time) -> bool:
    """[start, end) on a clock; start after end means the window crosses midnight."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def _at(day: date, moment: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def quiet_hours_release(
    now: datetime, *, tz: ZoneInfo, start: time | None, end: time | None
) -> datetime | None:
    """The UTC moment the quiet hours containing `now` end, or None when `now` is not quiet."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(tz)
    if not in_quiet_hours(local.time(), start=start, end=end):
        return None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return _at(day, end, tz).astimezone(UTC)


def next_digest_at(
    now: datetime, *, tz: ZoneInfo, start: time | None, end: time | None
) -> datetime:
    """The next daily digest moment after `now` (UTC): DIGEST_TIME local, or the end of the
    quiet hours when DIGEST_TIME falls inside them."""
    local = now.astimezone(tz)
    candidate = _at(local.date(), DIGEST_TIME, tz)
    if candidate <= local:
        candidate = _at(local.date() + timedelta(days=1), DIGEST_TIME, tz)
    release = quiet_hours_release(candidate, tz=tz, start=start, end=end)
    return (release or candidate).astimezone(UTC)


@dataclass(frozen=True)
class Schedule:
    """`frequency` of the type for this user, and `at`: None = now; for instant a moment =
    held until the quiet hours end; for daily the digest moment."""

    frequency: str
    at: datetime | None = None


def schedule_for(*, preference, type: str, now: datetime) -> Schedule:
    """How `type` reaches the user of `preference` (a NotificationPreference) at `now`."""
    if bypasses_schedule(type):
        return Schedule(Frequency.INSTANT)
    frequency = preference.frequency_for(type)
    tz = zone(preference.time_zone)
    start, end = preference.quiet_hours_start, preference.quiet_hours_end
    if frequency == Frequency.DAILY:
        return Schedule(Frequency.DAILY, next_digest_at(now, tz=tz, start=start, end=end))
    if frequency == Frequency.OFF:
        return Schedule(Frequency.OFF)
    return Schedule(Frequency.INSTANT, quiet_hours_release(now, tz=tz, start=start, end=end))
