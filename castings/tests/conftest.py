from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from castings.tests.factories import EmployerProfileFactory, ModelProfileFactory


@pytest.fixture
def employer():
    """An employer user with an employer profile."""
    return EmployerProfileFactory().user


@pytest.fixture
def other_employer():
    return EmployerProfileFactory().user


@pytest.fixture
def model_user():
    """A model user (FREE plan) with a model profile."""
    return ModelProfileFactory().user


@pytest.fixture
def casting_body() -> dict[str, Any]:
    return {
        "title": "Fashion Editorial Shoot",
        "description": "Looking for female models for an editorial fashion shoot.",
        "category": "fashion",
        "city": "Almaty",
        "address": "Dostyk Avenue 123",
        "shoot_date": (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_days": 1,
        "pay_min": 50000,
        "pay_max": 100000,
        "requirements": {
            "gender": "female",
            "min_age": 18,
            "max_age": 30,
            "min_height": 170,
            "max_height": 185,
            "experience": "experienced",
        },
    }
