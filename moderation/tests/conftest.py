"""Builders for the objects of other apps that moderation acts on.

Models are looked up with `apps.get_model` and created with the fewest fields, so these tests
depend on the other apps' models only, not on their factories.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from mwork.tests.security.fixtures import media_root, no_ratelimit  # noqa: F401 - fixtures


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        pytest.skip(f"{label} is not available yet")


@pytest.fixture
def make_model_profile(make_user):
    def _make(user=None, **fields):
        ModelProfile = _model("profiles.ModelProfile")
        user = user or make_user(role="model")
        values = {"name": "Aruzhan Model", "age": 24, "gender": "female", **fields}
        return ModelProfile.objects.create(user=user, **values)

    return _make


@pytest.fixture
def make_employer_profile(make_user):
    def _make(user=None, **fields):
        EmployerProfile = _model("profiles.EmployerProfile")
        user = user or make_user(role="employer")
        return EmployerProfile.objects.create(user=user, company_name="Steppe Studio", **fields)

    return _make


@pytest.fixture
def make_casting(make_employer_profile):
    def _make(owner=None, **fields):
        Casting = _model("castings.Casting")
        owner = owner or make_employer_profile().user
        values = {
            "title": "Spring collection shoot",
            "description": "Looking for two models for a lookbook.",
            "category": "fashion",
            "city": "Almaty",
            "shoot_date": timezone.now() + timedelta(days=7),
            "status": "active",
            **fields,
        }
        return Casting.objects.create(owner=owner, **values)

    return _make


@pytest.fixture
def make_message():
    def _make(sender, other, content="Send me your passport photo"):
        Room = _model("chat.Room")
        Membership = _model("chat.Membership")
        Message = _model("chat.Message")
        from chat.models import room_pair_key

        room = Room.objects.create(
            pair_key=room_pair_key(user_a_id=sender.id, user_b_id=other.id, casting_id=None)
        )
        Membership.objects.create(room=room, user=sender)
        Membership.objects.create(room=room, user=other)
        return Message.objects.create(room=room, sender=sender, content=content)

    return _make


@pytest.fixture
def make_photo(make_model_profile):
    def _make(profile=None, **fields):
        Photo = _model("media.Photo")
        profile = profile or make_model_profile()
        values = {
            "image": f"photos/{profile.pk}/a.jpg",
            "thumbnail": f"photos/{profile.pk}/a_thumb.jpg",
            "width": 800,
            "height": 1200,
            "is_main": True,
            **fields,
        }
        return Photo.objects.create(profile=profile, **values)

    return _make


@pytest.fixture
def make_staff(make_user):
    """`make_staff("Moderators")`: a staff user in one of the staff groups."""
    from django.contrib.auth.models import Group

    from moderation.staff_groups import staff_groups_sync

    def _make(group: str | None = None, **fields):
        user = make_user(role="admin", is_staff=True, **fields)
        if group:
            if not Group.objects.filter(name=group).exists():
                staff_groups_sync()  # a transactional test's flush removed them
            user.groups.add(Group.objects.get(name=group))
        return user

    return _make
