from __future__ import annotations

import pytest
from django.utils import timezone

from castings.tests.factories import EmployerProfileFactory, ModelProfileFactory
from chat.selectors import membership_list_with_room_state, rooms_from_memberships
from profiles.selectors import user_display

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "profile"),
    [
        ("model", "model_with_thumbnail"),
        ("model", "model_with_photo_only"),
        ("model", None),
        ("employer", "employer_with_avatar"),
        ("agency", "employer_without_avatar"),
        ("employer", None),
        ("admin", None),
        ("model", "employer_with_avatar"),  # a profile of another role is not shown
        ("model", "deleted"),  # a purged account's tombstone (docs/PRIVACY.md)
    ],
)
def test_participants_from_the_rooms_json_follow_user_display(make_user, make_room, role, profile):
    user = make_user(role=role, plan="PRO")
    if profile == "model_with_thumbnail":
        ModelProfileFactory(user=user, main_photo="p/full.jpg", main_thumbnail="p/thumb.jpg")
    elif profile == "model_with_photo_only":
        ModelProfileFactory(user=user, main_photo="p/full.jpg", main_thumbnail="")
    elif profile == "employer_with_avatar":
        EmployerProfileFactory(user=user, company_name="Studio", avatar="a/logo.png")
    elif profile == "employer_without_avatar":
        EmployerProfileFactory(user=user, company_name="Agency", avatar="")
    elif profile == "deleted":
        type(user).objects.filter(pk=user.pk).update(deleted_at=timezone.now())
    other = make_user(role="model", plan="PRO")
    room = make_room(other, user)

    rows = list(membership_list_with_room_state(user=other).filter(room_id=room.id))
    (listed,) = rooms_from_memberships(rows)

    display = user_display(type(user).objects.get(pk=user.pk))
    assert [p["id"] for p in listed["participants"]] == [str(other.id), str(user.id)]
    assert listed["participants"][1] == {
        "id": str(user.id),
        "name": display["name"],
        "avatar": display["avatar"],
        "role": role,
    }
    # and in the user's own list, where its entry is its own membership and its display is
    # read once for all its rooms (`me`), the room shows the same participants, in order
    rows = list(membership_list_with_room_state(user=user).filter(room_id=room.id))
    (own,) = rooms_from_memberships(rows)
    assert own["participants"] == listed["participants"]


def test_read_by_others_answers_the_read_rule_for_every_message():
    """The per-sender thresholds give the rule's answer — read when every member other than
    the sender has read up to the message, and there is one — for members with and without
    read marks ahead of each message, one to three members, either sender."""
    import itertools
    import random
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace
    from uuid import uuid4

    from chat.selectors import read_by_others

    def rule(message, memberships):
        others = [m for m in memberships if m.user_id != message.sender_id]
        return bool(others) and all(m.last_read_at >= message.created_at for m in others)

    rng = random.Random(7)
    start = datetime(2026, 12, 7, tzinfo=UTC)
    for size in (1, 2, 3):
        users = [uuid4() for _ in range(size)]
        for marks in itertools.product(range(4), repeat=size):
            memberships = [
                SimpleNamespace(user_id=user, last_read_at=start + timedelta(minutes=mark))
                for user, mark in zip(users, marks, strict=True)
            ]
            messages = [
                SimpleNamespace(
                    sender_id=rng.choice(users),
                    created_at=start + timedelta(minutes=rng.randrange(4)),
                )
                for _ in range(12)
            ]
            is_read = read_by_others(memberships)
            assert [is_read(m) for m in messages] == [rule(m, memberships) for m in messages]
