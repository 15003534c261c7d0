"""The bounds of numbers and dates the API accepts (docs/RELIABILITY.md, "Numbers and dates within
bounds"; docs/API.md §2).

Every integer of a request body has a minimum and a maximum that fit its column (PostgreSQL
`integer` is 32-bit; `smallint` 16-bit) and make sense for the business; every date has a
window. A value outside is a 400 `VALIDATION_ERROR` naming the field, never a database error.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

INT32_MAX = 2**31 - 1

# Pay in whole tenge: 100 million ₸ is far above any shoot and far below the column's 2^31 - 1.
PAY_MAX = 100_000_000
# Shoot dates: in the future and at most this many years ahead.
SHOOT_DATE_MAX_YEARS = 5
# Every other date (work experience, ...): from this day to this many years ahead.
DATE_MIN = date(1900, 1, 1)
DATE_MAX_YEARS_AHEAD = 5


def years_ahead(years: int) -> datetime:
    return timezone.now() + timedelta(days=365 * years + years // 4)


def check_date_window(value: date | datetime, *, years_ahead_max: int = DATE_MAX_YEARS_AHEAD):
    """Raise a field `ValidationError` for a date outside [DATE_MIN, today + years]."""
    day = value.date() if isinstance(value, datetime) else value
    if day < DATE_MIN:
        raise serializers.ValidationError(
            _("Must be on or after {date}.").format(date=DATE_MIN.isoformat())
        )
    if day > years_ahead(years_ahead_max).date():
        raise serializers.ValidationError(
            _("Must be at most {years} years ahead.").format(years=years_ahead_max)
        )
    return value


class BoundedDateField(serializers.DateField):
    """A date within [DATE_MIN, today + DATE_MAX_YEARS_AHEAD]."""

    def to_internal_value(self, value):
        return check_date_window(super().to_internal_value(value))


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time within [DATE_MIN, now + `years_ahead_max` years] (default 5)."""

    def __init__(self, *args, years_ahead_max: int = DATE_MAX_YEARS_AHEAD, **kwargs):
        self.years_ahead_max = years_ahead_max
        super().__init__(*args, **kwargs)

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        return check_date_window(parsed, years_ahead_max=self.years_ahead_max)
