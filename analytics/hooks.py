"""Analytics' answers to the hooks of the apps below it: the detail pages of profiles and
castings announce a view, analytics counts it (docs/ARCHITECTURE.md, "Layers")."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from analytics.services import view_record_casting, view_record_profile
from castings.signals import casting_viewed
from profiles.signals import model_profile_viewed


@receiver(model_profile_viewed, dispatch_uid="analytics.model_profile_viewed")
def model_profile_viewed_count(sender: Any, *, profile: Any, viewer: Any, address: str, **_: Any):
    view_record_profile(profile=profile, viewer=viewer, address=address)


@receiver(casting_viewed, dispatch_uid="analytics.casting_viewed")
def casting_viewed_count(sender: Any, *, casting: Any, viewer: Any, address: str, **_: Any):
    view_record_casting(casting=casting, viewer=viewer, address=address)
