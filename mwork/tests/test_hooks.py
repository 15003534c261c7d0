"""`mwork.hooks.Slot` and the slots and signals the apps wire in AppConfig.ready()."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from mwork.hooks import Slot


def test_a_slot_calls_its_provider_and_refuses_when_empty():
    slot = Slot("example.answer")
    with pytest.raises(ImproperlyConfigured, match=r"example\.answer"):
        slot(x=1)

    @slot.provide
    def answer(*, x: int) -> int:
        return x + 1

    assert slot(x=1) == 2


def test_the_upper_apps_are_plugged_into_the_lower_ones():
    from accounts.selectors import ME_SECTIONS
    from accounts.serializers import ME_SECTION_SERIALIZERS
    from agencies.signals import organization_member_removed
    from castings.signals import casting_viewed
    from profiles.signals import model_profile_viewed, review_allowed

    assert review_allowed._provider is not None  # castings.hooks
    assert set(ME_SECTIONS) == set(ME_SECTION_SERIALIZERS) == {"subscription"}  # billing.hooks
    for signal in (organization_member_removed, casting_viewed, model_profile_viewed):
        assert signal.has_listeners()  # chat.hooks, analytics.hooks
