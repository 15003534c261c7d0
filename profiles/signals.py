"""Hooks of profiles for the apps above it, which plug in from their `hooks.py` (imported by
their AppConfig.ready(); docs/ARCHITECTURE.md, "Layers").
"""

from __future__ import annotations

from django.dispatch import Signal

from mwork.hooks import Slot

# May `owner_id` review that model for `casting_id`? (keyword arguments: casting_id, owner_id,
# model_profile_id → bool). Castings' rule: an accepted response on the owner's casting.
review_allowed = Slot("profiles.signals.review_allowed")

# Sent after a model profile's public page is built; kwargs: profile, viewer, address.
# Receivers never raise (a view count may not turn a good page into an error).
model_profile_viewed = Signal()
