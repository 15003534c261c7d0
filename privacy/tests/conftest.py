"""Fixtures of the privacy tests: isolated local storages (photos, export archives) and a
user with something of every kind of personal data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import User
from accounts.tests.factories import BlockFactory, UserFactory
from billing.tests.factories import SubscriptionPaymentFactory
from castings.models import CastingStatus
from castings.tests.factories import CastingFactory, ResponseFactory, SavedCastingFactory
from chat.models import Membership, Room, room_pair_key
from chat.tests.factories import MessageFactory
from media.models import Photo
from moderation.tests.factories import ReportFactory
from notifications.tests.factories import DeviceFactory, NotificationFactory
from profiles.tests.factories import (
    EmployerProfileFactory,
    ModelProfileFactory,
    ReviewFactory,
    WorkExperienceFactory,
)


@pytest.fixture(autouse=True)
def local_storages(settings, tmp_path) -> dict[str, Path]:
    roots = {"default": tmp_path / "media", "exports": tmp_path / "exports"}
    for root in roots.values():
        root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(roots["default"]), "base_url": "/media/"},
        },
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(roots["exports"]), "base_url": None},
        },
    }
    return roots


def stored(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@dataclass
class World:
    model: User  # the person who deletes or exports
    employer: User  # the other party: owns a casting, chats with the model, reviews her
    profile: Any
    photo: Photo
    pending: Any  # the model's pending response to the employer's casting
    own_casting: Any  # an active casting the model's account also owns (agency-like use)
    room: Room
    message_from_model: Any
    review_given: Any
    payment: Any


@pytest.fixture
def world(make_user) -> World:
    model = make_user(role="model", plan="PRO")
    employer = UserFactory(role="employer")
    EmployerProfileFactory(user=employer)
    profile = ModelProfileFactory(user=model)
    WorkExperienceFactory(profile=profile)
    image = default_storage.save(f"photos/{profile.pk}/a.jpg", ContentFile(b"jpeg-bytes"))
    thumbnail = default_storage.save(f"photos/{profile.pk}/a_t.jpg", ContentFile(b"thumb"))
    photo = Photo.objects.create(
        profile=profile, image=image, thumbnail=thumbnail, is_main=True, width=10, height=10
    )
    profile.main_photo, profile.main_thumbnail = image, thumbnail
    profile.save(update_fields=["main_photo", "main_thumbnail"])
    casting = CastingFactory(owner=employer)
    pending = ResponseFactory(casting=casting, model_profile=profile)
    own_casting = CastingFactory(owner=model, status=CastingStatus.ACTIVE)
    SavedCastingFactory(user=model, casting=casting)
    room = Room.objects.create(
        pair_key=room_pair_key(user_a_id=model.pk, user_b_id=employer.pk, casting_id=None)
    )
    Membership.objects.create(room=room, user=model)
    Membership.objects.create(room=room, user=employer)
    message = MessageFactory(room=room, sender=model, content="Hello from the model")
    MessageFactory(room=room, sender=employer, content="Hello back")
    ReviewFactory(profile=profile, author=employer)
    other_profile = ModelProfileFactory()
    review_given = ReviewFactory(profile=other_profile, author=model, comment="Kind colleague")
    NotificationFactory(user=model)
    DeviceFactory(user=model)
    BlockFactory(blocker=model, blocked=UserFactory())
    ReportFactory(reporter=model, target_user=employer)
    payment = SubscriptionPaymentFactory(user=model, status="paid")
    return World(
        model=model,
        employer=employer,
        profile=profile,
        photo=photo,
        pending=pending,
        own_casting=own_casting,
        room=room,
        message_from_model=message,
        review_given=review_given,
        payment=payment,
    )
