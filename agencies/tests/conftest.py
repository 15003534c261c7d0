from __future__ import annotations

import pytest

from accounts.models import Role
from agencies.models import RosterMembership
from castings.tests.factories import EmployerProfileFactory, ModelProfileFactory


@pytest.fixture
def agency():
    """An agency user with its company profile."""
    return EmployerProfileFactory(user__role=Role.AGENCY, company_name="Silk Road Models").user


@pytest.fixture
def other_agency():
    return EmployerProfileFactory(user__role=Role.AGENCY, company_name="Steppe Faces").user


@pytest.fixture
def employer():
    return EmployerProfileFactory(company_name="Almaty Studio").user


@pytest.fixture
def model_profile():
    return ModelProfileFactory()


@pytest.fixture
def link():
    """`link(agency, profile, consent=False)`: put a model on an agency's roster."""

    def _link(agency, profile, photo_consent=False):
        return RosterMembership.objects.create(
            agency=agency, model_profile=profile, photo_consent=photo_consent
        )

    return _link
