from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from castings.tests.factories import CastingFactory, EmployerProfileFactory, ModelProfileFactory
from searches.models import MatchWatermark, SearchKind


@pytest.fixture
def model_user():
    """A model (FREE) with a profile."""
    return ModelProfileFactory().user


@pytest.fixture
def employer():
    return EmployerProfileFactory().user


@pytest.fixture
def scan_from():
    """Start both watermarks 10 minutes ago; returns "now" for the matching run."""
    now = timezone.now()
    for kind in SearchKind.values:
        MatchWatermark.objects.update_or_create(
            kind=kind, defaults={"scanned_until": now - timedelta(minutes=10), "last_id": None}
        )
    return now


@pytest.fixture
def published():
    """`published(**fields)`: an active casting published 2 minutes ago (inside the window)."""

    def _make(**fields):
        at = timezone.now() - timedelta(minutes=2)
        return CastingFactory(published_at=at, **fields)

    return _make
