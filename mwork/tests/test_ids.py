"""`mwork.ids`: `parse_uuid`, the one parser of ids from outside, and `uuid7`."""

import time
import uuid

import pytest

from chat.models import Message
from mwork.ids import parse_uuid, uuid7
from notifications.models import Notification

ID = uuid.UUID("0b0f5a3e-8f4d-4c1e-9a53-7e2d6f1c9b20")


@pytest.mark.parametrize("value", [ID, str(ID), str(ID).upper(), ID.hex])
def test_a_uuid_in_any_spelling_is_parsed(value):
    assert parse_uuid(value) == ID


@pytest.mark.parametrize("value", [None, "", "not-a-uuid", "1", 42, object(), str(ID) + "0"])
def test_anything_else_is_none(value):
    assert parse_uuid(value) is None


def test_uuid7_is_a_version_7_uuid_of_this_millisecond():
    before = time.time_ns() // 1_000_000
    made = uuid7()
    after = time.time_ns() // 1_000_000

    assert (made.version, made.variant) == (7, uuid.RFC_4122)
    assert before <= made.int >> 80 <= after


def test_uuid7s_sort_by_their_millisecond_and_differ_within_one():
    made = []
    for _ in range(3):
        made += [uuid7() for _ in range(50)]
        time.sleep(0.002)

    assert len(set(made)) == len(made)
    assert [u.int >> 80 for u in sorted(made)] == sorted(u.int >> 80 for u in made)
    assert made[0] < made[-1]


@pytest.mark.parametrize("model", [Message, Notification])
def test_the_rows_written_at_a_high_rate_have_time_ordered_ids(model):
    first = model()
    time.sleep(0.002)
    second = model()

    assert (first.id.version, second.id.version) == (7, 7)
    assert first.id < second.id
