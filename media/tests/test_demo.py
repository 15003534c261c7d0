"""Demo placeholders: through the real upload service, only demo profiles, idempotent."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from media.demo import initials, load_demo, placeholder_jpeg
from media.models import Photo
from media.tests.helpers import stored_files
from profiles.models import ModelProfile

pytestmark = pytest.mark.django_db


def test_load_demo_gives_demo_profiles_two_to_four_photos(make_user, make_profile, local_storage):
    demo = [
        make_profile(user=make_user(email=f"model{i}@demo.mwork.kz"), name=name)
        for i, name in enumerate(["Аружан Сейткали", "Dana Omarova", "Әлия Нұрланқызы"], 1)
    ]
    real = make_profile(user=make_user(email="someone@example.kz"))

    load_demo(rng=random.Random(7))

    for profile in demo:
        photos = list(Photo.objects.filter(profile=profile))
        assert 2 <= len(photos) <= 4
        assert [p.is_main for p in photos] == [True] + [False] * (len(photos) - 1)
        assert [p.order for p in photos] == list(range(len(photos)))
        refreshed = ModelProfile.objects.get(pk=profile.pk)
        assert refreshed.main_photo == photos[0].image
        image = Image.open(local_storage / photos[0].image)
        assert (image.format, image.size) == ("JPEG", (600, 800))
    assert not Photo.objects.filter(profile=real).exists()
    files = stored_files(local_storage)
    assert len(files) == 2 * Photo.objects.count()

    load_demo(rng=random.Random(8))  # again: nothing new

    assert stored_files(local_storage) == files


def test_placeholder_has_a_gradient_and_initials():
    image = Image.open(io.BytesIO(placeholder_jpeg(name="Аружан Сейткали", rng=random.Random(1))))

    assert image.size == (600, 800)
    assert image.getpixel((5, 5)) != image.getpixel((5, 795))  # a gradient, not a flat fill
    assert initials("Аружан Сейткали") == "\u0410\u0421"  # Cyrillic A and Es
    assert initials("dana") == "D"
    assert initials("  ") == "M"
