"""Reads of portfolio photos."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.selectors import roster_profile_for_agency
from media.models import Photo
from mwork.api.exceptions import NotFound, PermissionDenied
from profiles.models import ModelProfile
from profiles.selectors import visible_model_profiles


def _profile_visible_to(*, profile: Any, user: Any) -> bool:
    if user is not None and user.is_authenticated and profile.user_id == user.pk:
        return True
    return visible_model_profiles().filter(pk=profile.pk).exists()


def photo_list_for_profile(*, profile_id: uuid.UUID, user: Any = None) -> QuerySet[Photo]:
    """Photos of a profile in display order (`order`, then upload time).

    Raises `NotFound` when the profile does not exist or is invisible to `user` (hidden profile,
    banned owner); the owner always sees their own photos. One query for the check.
    """
    profiles = ModelProfile.objects.all()
    if user is not None and user.is_authenticated:
        visible = visible_model_profiles().filter(pk=profile_id) | profiles.filter(
            pk=profile_id, user_id=user.pk
        )
    else:
        visible = visible_model_profiles().filter(pk=profile_id)
    if not visible.exists():
        raise NotFound(_("Profile not found."))
    return Photo.objects.filter(profile_id=profile_id).order_by("order", "created_at", "id")


def agency_manages_photos(*, actor: Any, profile: Any) -> bool:
    """The actor's agency represents the profile's model, who consented to photo management
    ."""
    if getattr(actor, "role", None) not in ("agency", "employer"):
        return False
    try:
        roster_profile_for_agency(actor=actor, model_profile_id=profile.pk, purpose="photos")
    except (PermissionDenied, NotFound):
        return False
    return True


def photo_get_for_owner(*, user: Any, photo_id: uuid.UUID) -> Photo:
    """The photo `user` may change.

    Raises `NotFound` when it does not exist or belongs to a profile the caller cannot see, and
    `PermissionDenied` when the photo is publicly visible but someone else's.
    """
    photo = Photo.objects.select_related("profile").filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(_("Photo not found."))
    if photo.profile.user_id == user.pk:
        return photo
    if agency_manages_photos(actor=user, profile=photo.profile):
        return photo  # the model's agency, with the model's photo consent
    if _profile_visible_to(profile=photo.profile, user=user):
        raise PermissionDenied(_("You can change only your own photos."))
    raise NotFound(_("Photo not found."))
