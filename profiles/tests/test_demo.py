"""Demo catalogue: realistic, searchable, idempotent, with working sign-in."""

from __future__ import annotations

import random

import pytest
from django.contrib.auth import authenticate

from accounts.models import User
from profiles.demo import DEMO_PASSWORD, load_demo
from profiles.models import EmployerProfile, ModelProfile
from profiles.tests.helpers import list_url, promoted_url

pytestmark = pytest.mark.django_db


def test_demo_catalogue(api_client):
    load_demo(rng=random.Random(42))

    models = ModelProfile.objects.filter(user__email__endswith="@demo.mwork.kz")
    employers = EmployerProfile.objects.filter(user__email__endswith="@demo.mwork.kz")
    assert 30 <= models.count() <= 40
    assert employers.count() == 6
    assert {p.user.role for p in employers} == {"employer", "agency"}
    assert {"Almaty", "Astana", "Shymkent"} <= set(models.values_list("city", flat=True))
    assert authenticate(email="model1@demo.mwork.kz", password=DEMO_PASSWORD) is not None
    assert authenticate(email="employer1@demo.mwork.kz", password=DEMO_PASSWORD) is not None
    assert all(0 < p.completeness <= 70 for p in models)  # photos come from media's loader

    listing = api_client.get(list_url(limit=100)).json()["data"]
    assert listing["pagination"]["total"] == models.count()
    cyrillic = api_client.get(list_url(search="Аружан")).json()["data"]["models"]
    latin = api_client.get(list_url(search="Nurzhanova")).json()["data"]["models"]
    assert [m["name"] for m in cyrillic] == ["Аружан Сейткали"]
    assert [m["name"] for m in latin] == ["Aisha Nurzhanova"]
    assert api_client.get(promoted_url()).json()["data"]["models"]


def test_demo_is_idempotent():
    load_demo(rng=random.Random(1))
    counts = (User.objects.count(), ModelProfile.objects.count(), EmployerProfile.objects.count())

    load_demo(rng=random.Random(2))

    assert counts == (
        User.objects.count(),
        ModelProfile.objects.count(),
        EmployerProfile.objects.count(),
    )


def test_demo_leaves_existing_users_alone(make_user):
    existing = make_user(role="model", email="model1@demo.mwork.kz")

    load_demo(rng=random.Random(3))

    assert not ModelProfile.objects.filter(user=existing).exists()
    assert ModelProfile.objects.filter(user__email="model2@demo.mwork.kz").exists()


def test_demo_then_media_photos(media_root):
    from media.demo import load_demo as load_demo_photos

    load_demo(rng=random.Random(4))
    load_demo_photos(rng=random.Random(4))

    profile = ModelProfile.objects.get(user__email="model1@demo.mwork.kz")
    assert profile.main_photo
    assert profile.completeness > 70
