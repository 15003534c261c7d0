from __future__ import annotations

import random

import pytest

from castings import demo
from castings.models import Casting, Response

pytestmark = pytest.mark.django_db


def test_demo_castings_for_demo_employers_idempotent():
    from profiles import demo as profiles_demo

    profiles_demo.load_demo(rng=random.Random(7))

    demo.load_demo(rng=random.Random(7))
    castings, responses = Casting.objects.count(), Response.objects.count()
    demo.load_demo(rng=random.Random(8))

    assert castings > 0 and responses > 0
    assert (Casting.objects.count(), Response.objects.count()) == (castings, responses)
    owners = set(Casting.objects.values_list("owner__email", flat=True))
    assert all(
        email.startswith("employer") and email.endswith("@demo.mwork.kz") for email in owners
    )
    assert Casting.objects.filter(status="active").exists()
    assert Casting.objects.filter(status="draft").exists()
    assert not Response.objects.filter(casting__status="draft").exists()
