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
