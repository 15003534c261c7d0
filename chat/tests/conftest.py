from __future__ import annotations

import pytest

from castings.tests.factories import EmployerProfileFactory, ModelProfileFactory
from chat.services import chat_room_get_or_create


@pytest.fixture
def employer(make_user):
    """A PRO employer with a company profile."""
    user = make_user(role="employer", plan="PRO")
    EmployerProfileFactory(user=user, company_name="Studio Aurora")
    return user


@pytest.fixture
def model_user(make_user):
    """A PRO model with a profile."""
    user = make_user(role="model", plan="PRO")
    ModelProfileFactory(user=user, name="Aigerim Nurlanovna")
    return user


@pytest.fixture
def outsider(make_user):
    user = make_user(role="model", plan="PRO")
    ModelProfileFactory(user=user, name="Someone Else")
    return user


@pytest.fixture
def make_room():
    def _make(user_a, user_b, casting=None):
        room, _created = chat_room_get_or_create(
            actor=user_a, participant_id=user_b.id, casting_id=casting.id if casting else None
        )
        return room

    return _make


@pytest.fixture
def room(make_room, employer, model_user):
    return make_room(employer, model_user)
