"""Writes of portfolio photos: upload, update, delete, reorder (docs/API.md §9).

Invariants kept here and by the database:
- a profile with photos has exactly one main photo (partial unique constraint for "at most
  one"; the services for "at least one": the first photo becomes main, deleting the main
  promotes the next in display order);
- the photo count never exceeds the plan's quota: counted under a row lock on the profile, so
  concurrent uploads cannot slip past it;
- files and rows go together: a failed upload deletes what it wrote, a deleted photo's files are
  removed only after the transaction commits.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from agencies.selectors import roster_profile_for_agency
from billing.entitlements import check_photo_quota
from media.images import process_photo
from media.models import Photo
from media.selectors import agency_manages_photos
from mwork.api.exceptions import PermissionDenied, ProfileRequired, ValidationFailed
from profiles.models import ModelProfile
from profiles.services import model_profile_refresh_completeness, model_profile_set_main_photo

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _model_profile_of(actor: Any) -> Any:
    """The caller's model profile; 403 PERMISSION_DENIED for other roles, PROFILE_REQUIRED."""
    if getattr(actor, "role", None) != "model":
        raise PermissionDenied(_("Only models have portfolio photos."))
    profile = ModelProfile.objects.filter(user_id=actor.pk).first()
    if profile is None:
        raise ProfileRequired(_("Create your model profile before uploading photos."))
    return profile


def _lock_profile(profile_id: uuid.UUID) -> Any:
    return ModelProfile.objects.select_for_update().get(pk=profile_id)


def _ensure_may_change(*, actor: Any, photo: Photo) -> None:
    if actor.is_staff:
        return
    if photo.profile.user_id != actor.pk and not agency_manages_photos(
        actor=actor, profile=photo.profile
    ):
        raise PermissionDenied(_("You can change only your own photos."))


def delete_files(names: Iterable[str]) -> None:
    """Remove stored files; a missing file or a storage hiccup is logged, never raised."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("Could not delete stored file %s", name)


def _sync_profile(profile: Any) -> None:
    """Mirror the main photo and the photo count on the profile (profiles owns the fields)."""
    photos = list(Photo.objects.filter(profile=profile).only("image", "thumbnail", "is_main"))
    main = next((photo for photo in photos if photo.is_main), None)
    model_profile_set_main_photo(
        profile=profile,
        photo_name=main.image if main else "",
        thumbnail_name=main.thumbnail if main else "",
    )
    model_profile_refresh_completeness(profile=profile, photo_count=len(photos))


def _check_quota(*, actor: Any, current_count: int) -> None:
    check_photo_quota(actor, current_count)


# ---------------------------------------------------------------------------------------------
# services
# ---------------------------------------------------------------------------------------------
def photo_upload(
    *,
    actor: Any,
    file: IO[bytes] | Any,
    is_main: bool = False,
    order: int | None = None,
    model_id: uuid.UUID | None = None,
) -> Photo:
    """Store a new portfolio photo of the actor's model profile.

    The image is decoded, checked, oriented, stripped and resized by `media.images` before
    anything is written; the files go to `photos/<profile id>/<uuid>.jpg` and
    `thumbnails/<profile id>/<uuid>.jpg`. The first photo becomes main; `is_main=True` moves the
    main mark to the new photo. `order` defaults to after the last photo.

    Raises `PermissionDenied` (not a model), `ProfileRequired`, `SubscriptionLimitExceeded`
    (quota of the plan, counted under a lock on the profile), `ValidationFailed` (details.file)
    and `FileTooLarge`. On any failure no file and no row remain.

    With `model_id`, an agency uploads for a model of its roster who gave photo consent
    (PermissionDenied otherwise); the quota is the model's plan.
    """
    if model_id is not None:
        profile = roster_profile_for_agency(
            actor=actor, model_profile_id=model_id, purpose="photos"
        )
        actor = profile.user  # the portfolio and its quota are the model's
    else:
        profile = _model_profile_of(actor)
    # Cheap early refusal before the image work; the authoritative check is under the lock.
    _check_quota(actor=actor, current_count=Photo.objects.filter(profile=profile).count())

    processed = process_photo(file)
    photo_id = uuid.uuid4()
    written: list[str] = []
    try:
        written.append(
            default_storage.save(
                f"photos/{profile.pk}/{photo_id}.jpg", ContentFile(processed.image)
            )
        )
        written.append(
            default_storage.save(
                f"thumbnails/{profile.pk}/{photo_id}.jpg", ContentFile(processed.thumbnail)
            )
        )
        with transaction.atomic():
            profile = _lock_profile(profile.pk)
            existing = Photo.objects.filter(profile=profile)
            count = existing.count()
            _check_quota(actor=actor, current_count=count)
            make_main = is_main or count == 0
            if make_main:
                existing.filter(is_main=True).update(is_main=False)
            if order is None:
                last = existing.aggregate(last=Max("order"))["last"]
                order = 0 if last is None else last + 1
            photo = Photo.objects.create(
                id=photo_id,
                profile=profile,
                image=written[0],
                thumbnail=written[1],
                is_main=make_main,
                order=order,
                width=processed.width,
                height=processed.height,
            )
            _sync_profile(profile)
    except BaseException:
        # The row never committed (or never existed): the files must not outlive it.
        delete_files(written)
        raise
    return photo


@transaction.atomic
def photo_update(
    *, actor: Any, photo: Photo, is_main: bool | None = None, order: int | None = None
) -> Photo:
    """Change the main mark and/or the display order of a photo.

    `is_main=True` moves the main mark to this photo. `is_main=False` on the main photo is
    refused (400, details.is_main): a profile with photos always has a main one, so mark another
    photo as main instead.

    Raises `PermissionDenied` (someone else's photo) and `ValidationFailed`.
    """
    _ensure_may_change(actor=actor, photo=photo)
    profile = _lock_profile(photo.profile_id)
    photo = Photo.objects.select_for_update().get(pk=photo.pk)
    fields: list[str] = []
    if is_main is False and photo.is_main:
        raise ValidationFailed.for_field(
            "is_main", _("A profile always has a main photo; mark another photo as main instead.")
        )
    if is_main and not photo.is_main:
        Photo.objects.filter(profile=profile, is_main=True).update(is_main=False)
        photo.is_main = True
        fields.append("is_main")
    if order is not None and order != photo.order:
        photo.order = order
        fields.append("order")
    if fields:
        photo.save(update_fields=fields)
        if "is_main" in fields:
            _sync_profile(profile)
    return photo


@transaction.atomic
def photo_delete(*, actor: Any, photo: Photo) -> None:
    """Delete a photo; its files are removed after commit. Deleting the main photo promotes
    the next one in display order.

    Raises `PermissionDenied` (someone else's photo; staff may delete any).
    """
    _ensure_may_change(actor=actor, photo=photo)
    profile = _lock_profile(photo.profile_id)
    current = Photo.objects.filter(pk=photo.pk).first()
    if current is None:  # deleted concurrently: nothing left to do
        return
    photo = current
    names = [photo.image, photo.thumbnail]
    was_main = photo.is_main
    photo.delete()
    if was_main:
        successor = (
            Photo.objects.filter(profile=profile).order_by("order", "created_at", "id").first()
        )
        if successor is not None:
            successor.is_main = True
            successor.save(update_fields=["is_main"])
    _sync_profile(profile)
    transaction.on_commit(lambda: delete_files(names))


@transaction.atomic
def photos_reorder(*, actor: Any, photo_ids: Sequence[uuid.UUID]) -> list[Photo]:
    """Set the display order of all the actor's photos: `order` becomes the list position.

    The list must name every photo of the caller's profile exactly once and nothing else;
    otherwise `ValidationFailed` (details.photo_ids) and nothing changes. Also raises
    `PermissionDenied` / `ProfileRequired` like `photo_upload`.
    """
    profile = _lock_profile(_model_profile_of(actor).pk)
    photos = {photo.pk: photo for photo in Photo.objects.filter(profile=profile)}
    if len(set(photo_ids)) != len(photo_ids):
        raise ValidationFailed.for_field("photo_ids", _("Each photo may be listed only once."))
    unknown = [str(pk) for pk in photo_ids if pk not in photos]
    if unknown:
        raise ValidationFailed.for_field(
            "photo_ids",
            _("Not photos of your profile: {ids}.").format(ids=", ".join(unknown)),
        )
    missing = [str(pk) for pk in photos if pk not in set(photo_ids)]
    if missing:
        raise ValidationFailed.for_field(
            "photo_ids",
            _("Every photo of your profile must be listed; missing: {ids}.").format(
                ids=", ".join(missing)
            ),
        )
    ordered = [photos[pk] for pk in photo_ids]
    changed = []
    for position, photo in enumerate(ordered):
        if photo.order != position:
            photo.order = position
            changed.append(photo)
    if changed:
        Photo.objects.bulk_update(changed, ["order"])
    return ordered
