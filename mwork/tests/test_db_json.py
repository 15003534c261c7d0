"""JSON columns of compiled reads are read by orjson (`mwork.db._fast_json`): the same values
as Django's `JSONField.from_db_value`, which reads them with the standard library."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.models import JSONField

from mwork.db import _fast_json, json_loads

TEXTS = [
    "null",
    "{}",
    "[]",
    '{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
    '"Алматы — Қазақстан 🇰🇿"',
    '"escapes: \\" \\\\ \\n \\u0000 \\ud83d\\ude00"',
    "12345678901234567890123",  # past 64 bits: orjson reads a float, json an integer
    "18446744073709551615",
    "-9223372036854775809",
    '{"n": [1, 18446744073709551616]}',
    "0.1234567890123456789012",
    "1.5e300",
    "0.1",
    '[{"user_id": "6f1c2d7e-3a4b-4c5d-8e9f-0a1b2c3d4e5f", "last_read_at": '
    '"2026-12-07T04:49:20.123456+00:00"}]',
    "not json at all",  # JSONField hands the text back
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_json_column_reads_as_jsonfield_reads_it(text):
    field = JSONField()
    (fast,) = _fast_json([field.from_db_value])

    assert fast(text, None, connection) == field.from_db_value(text, None, connection)


def test_null_stays_none():
    (fast,) = _fast_json([JSONField().from_db_value])

    assert fast(None, None, connection) is None


def test_only_a_plain_jsonfield_is_swapped():
    class Decoder(json.JSONDecoder):
        pass

    own = JSONField(decoder=Decoder).from_db_value
    other = str.strip

    assert _fast_json([own, other]) == (own, other)
    assert _fast_json([JSONField().from_db_value])[0] is not JSONField().from_db_value


@pytest.mark.parametrize("text", [t for t in TEXTS if t != "not json at all"])
def test_json_loads_reads_as_the_standard_library(text):
    assert json_loads(text) == json.loads(text)
