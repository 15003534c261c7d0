"""Django's PostgreSQL backend, reading timestamps with Python's C ISO parser.

Django registers its own `timestamptz` loader (so a value carries Django's time zone object),
a subclass of psycopg's pure-Python loader: the C loader of psycopg's binary package is then
not used, and each timestamp costs ~3.3 µs to parse instead of ~0.6 (a history page of 50
messages: 0.17 ms; docs/PERFORMANCE.md, "Timestamps parsed in C"). `FastTzLoader` keeps Django's
semantics — the session's clock time with Django's time zone — and parses PostgreSQL's ISO
output with `datetime.fromisoformat` (C); anything else (infinity, years past 9999, another
DateStyle) goes to Django's loader as before. `mwork/tests/test_postgresql_backend.py` compares
both loaders over edge values.

Set as the ENGINE by mwork/settings.py whenever the database is PostgreSQL.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader


class FastTzLoader(BaseTzLoader):
    """Django's loader (`BaseTzLoader`) for the ISO text of a `timestamptz`."""

    def load(self, data: Any) -> datetime.datetime:
        try:
            value = datetime.datetime.fromisoformat(bytes(data).decode())
        except ValueError:  # not ISO 8601 as fromisoformat reads it: Django's own parse
            return super().load(data)
        if value.tzinfo is self.timezone:  # UTC both (datetime.timezone.utc): as replaced
            return value
        return value.replace(tzinfo=self.timezone)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        context = params.get("context")
        if context is not None:  # psycopg 3: Django's adapters, ours for timestamptz
            params["context"] = _adapters(context, self.timezone)
        return params


@functools.cache
def _adapters(django_adapters: Any, timezone: datetime.tzinfo | None) -> Any:
    """Django's adapters map (itself cached per time zone) with `FastTzLoader` for
    `timestamptz`: made once per map and zone, not per connection."""
    loader = type("SpecificFastTzLoader", (FastTzLoader,), {"timezone": timezone})
    adapters = type(django_adapters)(django_adapters)
    adapters.register_loader("timestamptz", loader)
    return adapters
