"""mwork/postgresql/base.py: timestamps read with the C ISO parser equal Django's own reading."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import register_tzloader

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's timestamptz loader"
)

VALUES = [
    "2026-12-07 08:15:30.123456+00",
    "2026-12-07 08:15:30+00",
    "2026-12-07 08:15:30.5+00",
    "1999-01-01 00:00:00+00",
    "0001-01-01 00:00:00+00",
    "2026-06-16 02:25:50.000001+05:30",
    "9999-12-31 23:59:59.999999+00",
    "infinity",
    "-infinity",
    "10000-01-01 00:00:00+00",
    "0044-03-15 12:00:00+00 BC",
]


def _read(cursor, text):
    try:
        with transaction.atomic():  # a refused value leaves the test's transaction usable
            cursor.execute("SELECT %s::timestamptz", [text])
            return cursor.fetchone()[0]
    except Exception as error:  # noqa: BLE001 - out of Python's range: both must refuse it
        return type(error)


@pytest.mark.django_db
@pytest.mark.parametrize("text", VALUES)
def test_a_timestamp_reads_as_djangos_loader_reads_it(text):
    with connection.cursor() as cursor:
        ours = _read(cursor, text)
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's, on this cursor
        djangos = _read(cursor, text)

    assert ours == djangos
    if isinstance(ours, datetime.datetime):
        assert ours.tzinfo is djangos.tzinfo


@pytest.mark.django_db
def test_the_connection_reads_timestamps_with_the_fast_loader():
    from mwork.postgresql.base import FastTzLoader

    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text

    assert issubclass(loader, FastTzLoader)
    assert loader.timezone == connection.timezone
