"""`mwork.ids.parse_uuid`: the one parser of ids from outside."""

import uuid

import pytest

from mwork.ids import parse_uuid

ID = uuid.UUID("0b0f5a3e-8f4d-4c1e-9a53-7e2d6f1c9b20")


@pytest.mark.parametrize("value", [ID, str(ID), str(ID).upper(), ID.hex])
def test_a_uuid_in_any_spelling_is_parsed(value):
    assert parse_uuid(value) == ID


@pytest.mark.parametrize("value", [None, "", "not-a-uuid", "1", 42, object(), str(ID) + "0"])
def test_anything_else_is_none(value):
    assert parse_uuid(value) is None
