from __future__ import annotations

import random

import pytest

from accounts.models import User
from agencies import demo
from castings.models import Casting

pytestmark = pytest.mark.django_db


def test_demo_colleague_is_an_employer_without_castings_idempotent():
    demo.load_demo(rng=random.Random(1))
    demo.load_demo(rng=random.Random(2))

    colleague = User.objects.get(email=demo.COLLEAGUE_EMAIL)
    assert (colleague.role, colleague.email_verified) == ("employer", True)
    assert colleague.check_password("demo12345")
    assert colleague.employer_profile.company_name
    assert not Casting.objects.filter(owner=colleague).exists()
