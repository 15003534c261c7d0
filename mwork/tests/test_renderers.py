"""The API's JSON renderer (mwork/api/renderers.py) writes the bytes DRF's renderer writes."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from mwork.api.renderers import JSONRenderer

ALMATY = dt.timezone(dt.timedelta(hours=5))


@dataclass
class _Point:
    x: int
    y: int


class _Mapping:  # DRF's encoder writes anything with keys() and __getitem__ as an object
    def keys(self):
        return ["a", "b"]

    def __getitem__(self, key):
        return key.upper()


VALUES = [
    None,
    True,
    0,
    -1,
    2**63 - 1,
    2**64,  # past orjson's integers: DRF's renderer writes it
    -(2**70),
    0.5,
    1.25,
    -3.75,
    "",
    "plain",
    "Алматы — Қазақстан",
    "emoji 🎉 and \u00e9",
    'quotes " and \\ backslash',
    "control \n\t\r\x00\x1f",
    "separators \u2028 and \u2029",
    "</script><script>",
    [],
    {},
    [1, "a", None, [2, [3, {}]]],
    (1, 2, 3),
    {"b": 1, "a": 2},
    {1: "int key", 2: "two"},
    OrderedDict([("z", 1), ("a", 2)]),
    ReturnDict({"x": 1}, serializer=None),
    ReturnList([{"y": 2}], serializer=None),
    dt.datetime(2026, 12, 7, 10, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 7, 10, 0, 0, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 7, 15, 0, 0, 1000, tzinfo=ALMATY),
    dt.datetime(2026, 12, 7, 10, 0, 0),  # naive
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.date(2026, 12, 7),
    dt.time(10, 30, 5, 250),
    dt.timedelta(days=1, seconds=5),
    decimal.Decimal("12.50"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    gettext_lazy("Room not found."),
    {"message": gettext_lazy("Room not found."), "details": {"field": [gettext_lazy("Bad.")]}},
    _Point(1, 2),
    _Mapping(),
    b"bytes",
    {
        "status": "success",
        "data": {"items": [{"id": str(uuid.uuid4()), "n": n} for n in range(30)]},
    },
]


@pytest.mark.parametrize(
    "value", VALUES, ids=[f"{i}-{type(v).__name__}" for i, v in enumerate(VALUES)]
)
def test_the_same_bytes_as_drf(value):
    try:
        expected = DRFJSONRenderer().render(value)
    except (TypeError, ValueError) as error:  # what DRF cannot write fails the same way
        with pytest.raises(type(error)):
            JSONRenderer().render(value)
        return
    assert JSONRenderer().render(value) == expected


@pytest.mark.parametrize("accept", ["application/json; indent=4", "application/json; indent=0"])
def test_indented_bodies_as_drf_writes_them(accept):
    value = {"a": [1, {"b": "c"}], "d": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}

    assert JSONRenderer().render(value, accept, {}) == DRFJSONRenderer().render(value, accept, {})


def test_nothing_is_an_empty_body():
    assert JSONRenderer().render(None) == b""


def test_text_that_is_not_unicode_fails_as_in_drf():
    with pytest.raises(UnicodeEncodeError):
        DRFJSONRenderer().render({"a": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        JSONRenderer().render({"a": "\ud800"})


def test_the_api_answers_with_it(api_client):
    response = api_client.get("/api/v1/ping")

    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response.content == DRFJSONRenderer().render(response.data)
