"""Writes of the profiles app: keyword-only, annotated, one transaction each."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils.translation import gettext_lazy as _

from mwork.api.exceptions import Conflict, PermissionDenied, ValidationFailed
from profiles import signals
from profiles.card import COMPLETENESS_FIELDS, EMPLOYER_EDITABLE_FIELDS, MODEL_EDITABLE_FIELDS
from profiles.models import EmployerProfile, ModelProfile, Review, WorkExperience
from safety.models import TargetKind
from safety.services import content_scan, flag_record, trust_facts_set

# Completeness: COMPLETENESS_FIELDS (profiles.card) filled, and the photos.
FIELDS_SHARE = 70  # percent earned by filling every field of COMPLETENESS_FIELDS
PHOTOS_SHARE = 30  # percent earned by photos
PHOTOS_FOR_FULL_SHARE = 3  # a portfolio of three photos earns the whole photo share


# ---------------------------------------------------------------------------------------------
# Completeness and photos (also called by media)
# ---------------------------------------------------------------------------------------------
def compute_completeness(*, profile: ModelProfile, photo_count: int) -> int:
    """0 to 100: 70 for the filled fields of docs/API.md §5, 30 for up to three photos."""
    filled = sum(
        1 for field in COMPLETENESS_FIELDS if getattr(profile, field) not in (None, "", [])
    )
    fields_part = FIELDS_SHARE * filled / len(COMPLETENESS_FIELDS)
    photos_part = (
        PHOTOS_SHARE * min(max(photo_count, 0), PHOTOS_FOR_FULL_SHARE) / PHOTOS_FOR_FULL_SHARE
    )
    return max(0, min(100, round(fields_part + photos_part)))


def photo_count(profile: ModelProfile) -> int:
    """How many portfolio photos the profile has (0 while media is not installed)."""
    photos = getattr(profile, "photos", None)  # the reverse manager exists once media does
    return photos.count() if photos is not None else 0


def model_profile_refresh_completeness(*, profile: ModelProfile, photo_count: int) -> ModelProfile:
    """Recompute and store `completeness` given the profile's current number of photos.

    Media calls this whenever photos are added or removed. Raises nothing.
    """
    profile.completeness = compute_completeness(profile=profile, photo_count=photo_count)
    ModelProfile.objects.filter(pk=profile.pk).update(completeness=profile.completeness)
    return profile


def model_profile_set_main_photo(
    *, profile: ModelProfile, photo_name: str, thumbnail_name: str
) -> ModelProfile:
    """Store the storage names of the main photo and its thumbnail ("" clears them).

    Media calls this when the main photo changes or the last photo goes. Raises nothing.
    """
    profile.main_photo = photo_name or ""
    profile.main_thumbnail = thumbnail_name or ""
    ModelProfile.objects.filter(pk=profile.pk).update(
        main_photo=profile.main_photo, main_thumbnail=profile.main_thumbnail
    )
    return profile


def _safety_scan(*, kind: str, profile: Any, text: str) -> None:
    # Profiles are flagged, never held (docs/SAFETY.md): a `hold` rule queues them for staff.
    result = content_scan(kind=kind, text=text)
    flag_record(
        kind=kind,
        target_id=profile.pk,
        target_user=profile.user,
        text=text,
        result=result,
        held=False,
    )


# ---------------------------------------------------------------------------------------------
# Model profiles
# ---------------------------------------------------------------------------------------------
def model_profile_create(*, user: Any, **fields: Any) -> ModelProfile:
    """Create the caller's model profile.

    Raises PermissionDenied for a role other than model and Conflict when the user already
    has one (a one-to-one key also holds it under races).
    """
    if user.role != "model":
        raise PermissionDenied(_("Only models can create a model profile."))
    values = {key: value for key, value in fields.items() if key in MODEL_EDITABLE_FIELDS}
    with transaction.atomic():
        if ModelProfile.objects.filter(user=user).exists():
            raise Conflict(_("You already have a model profile."))
        profile = ModelProfile(user=user, **values)
        profile.completeness = compute_completeness(profile=profile, photo_count=0)
        try:
            with transaction.atomic():
                profile.save()
        except IntegrityError:
            raise Conflict(_("You already have a model profile.")) from None
        _safety_scan(kind=TargetKind.MODEL_PROFILE, profile=profile, text=profile.bio)
    return profile


def model_profile_update(*, profile: ModelProfile, **fields: Any) -> ModelProfile:
    """Partial update by the owner (the caller checked ownership); completeness recomputed.

    The search vector follows name and bio through the database trigger on PostgreSQL. A bio
    the safety rules fire on is queued for staff (flagged, still shown).
    """
    with transaction.atomic():
        profile = ModelProfile.objects.select_for_update().get(pk=profile.pk)
        for key, value in fields.items():
            if key in MODEL_EDITABLE_FIELDS:
                setattr(profile, key, value)
        profile.completeness = compute_completeness(
            profile=profile, photo_count=photo_count(profile)
        )
        profile.save()
        if "bio" in fields:
            _safety_scan(kind=TargetKind.MODEL_PROFILE, profile=profile, text=profile.bio)
    return profile


def model_profile_set_hidden(*, profile: ModelProfile, is_hidden: bool) -> ModelProfile:
    """Staff: hide a profile from every list and detail (or show it again)."""
    ModelProfile.objects.filter(pk=profile.pk).update(is_hidden=is_hidden)
    profile.is_hidden = is_hidden
    return profile


def model_profile_grant_promotion(
    *, profile: ModelProfile, until: dt.datetime | None
) -> ModelProfile:
    """Staff: promote a profile until `until` (None ends a staff promotion).

    Raises ValidationFailed for a moment in the past.
    """
    from django.utils import timezone

    if until is not None and until <= timezone.now():
        raise ValidationFailed.for_field("promoted_until", _("Must be in the future."))
    ModelProfile.objects.filter(pk=profile.pk).update(promoted_until=until)
    profile.promoted_until = until
    return profile


# ---------------------------------------------------------------------------------------------
# Employer profiles
# ---------------------------------------------------------------------------------------------
def employer_profile_create(*, user: Any, **fields: Any) -> EmployerProfile:
    """Create the caller's employer profile (employer or agency).

    Raises PermissionDenied for another role and Conflict for a second profile.
    """
    if user.role not in ("employer", "agency"):
        raise PermissionDenied(_("Only employers and agencies can create an employer profile."))
    values = {key: value for key, value in fields.items() if key in EMPLOYER_EDITABLE_FIELDS}
    with transaction.atomic():
        if EmployerProfile.objects.filter(user=user).exists():
            raise Conflict(_("You already have an employer profile."))
        try:
            with transaction.atomic():
                profile = EmployerProfile.objects.create(user=user, **values)
        except IntegrityError:
            raise Conflict(_("You already have an employer profile.")) from None
        text = _employer_text(profile)
        _safety_scan(kind=TargetKind.EMPLOYER_PROFILE, profile=profile, text=text)
    return profile


def _employer_text(profile: EmployerProfile) -> str:
    return f"{profile.company_name}\n{profile.description}"


def employer_profile_update(*, profile: EmployerProfile, **fields: Any) -> EmployerProfile:
    """Partial update by the owner (the caller checked ownership)."""
    with transaction.atomic():
        profile = EmployerProfile.objects.select_for_update().get(pk=profile.pk)
        for key, value in fields.items():
            if key in EMPLOYER_EDITABLE_FIELDS:
                setattr(profile, key, value)
        profile.save()
        if {"company_name", "description"} & set(fields):
            _safety_scan(
                kind=TargetKind.EMPLOYER_PROFILE, profile=profile, text=_employer_text(profile)
            )
    return profile


def employer_profile_set_verified(
    *, profile: EmployerProfile, is_verified: bool
) -> EmployerProfile:
    """Staff: mark a company verified (or not); a verified company is a trusted account
    (docs/SAFETY.md)."""
    EmployerProfile.objects.filter(pk=profile.pk).update(is_verified=is_verified)
    trust_facts_set(user_id=profile.user_id, verified_company=is_verified)
    profile.is_verified = is_verified
    return profile


# ---------------------------------------------------------------------------------------------
# Work experience
# ---------------------------------------------------------------------------------------------
def work_experience_add(
    *,
    profile: ModelProfile,
    company: str,
    position: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> WorkExperience:
    """Add an entry to the owner's profile (the caller checked ownership).

    Raises ValidationFailed when `end_date` is before `start_date`.
    """
    if end_date is not None and end_date < start_date:
        raise ValidationFailed.for_field("end_date", _("Must not be before start_date."))
    return WorkExperience.objects.create(
        profile=profile,
        company=company,
        position=position,
        start_date=start_date,
        end_date=end_date,
    )


def work_experience_delete(*, item: WorkExperience) -> None:
    item.delete()


# ---------------------------------------------------------------------------------------------
# Reviews
# ---------------------------------------------------------------------------------------------
def _refresh_rating(profile_id: Any) -> None:
    stats = Review.objects.filter(profile_id=profile_id).aggregate(
        average=Avg("rating"), count=Count("id")
    )
    average = Decimal(str(stats["average"] or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    ModelProfile.objects.filter(pk=profile_id).update(rating=average, reviews_count=stats["count"])


def review_create(
    *, author: Any, profile: ModelProfile, casting_id: Any, rating: int, comment: str = ""
) -> Review:
    """A casting owner reviews a model whose response to that casting they accepted.

    Raises PermissionDenied when the author does not own such a casting (or reviews their own
    profile) and Conflict for a second review of the same model on the same casting. The
    profile's `rating` and `reviews_count` are updated in the same transaction, with the
    profile row locked so concurrent reviews cannot lose an update.
    """
    if profile.user_id == author.id:
        raise PermissionDenied(_("You cannot review yourself."))
    if not signals.review_allowed(
        casting_id=casting_id, owner_id=author.id, model_profile_id=profile.id
    ):
        raise PermissionDenied(
            _("Only the owner of a casting that accepted this model can review them.")
        )
    with transaction.atomic():
        ModelProfile.objects.select_for_update().filter(pk=profile.pk).first()
        if Review.objects.filter(profile=profile, casting_id=casting_id).exists():
            raise Conflict(_("This model has already been reviewed for this casting."))
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    profile=profile,
                    author=author,
                    casting_id=casting_id,
                    rating=rating,
                    comment=comment,
                )
        except IntegrityError:
            raise Conflict(_("This model has already been reviewed for this casting.")) from None
        _refresh_rating(profile.pk)
    profile.refresh_from_db(fields=["rating", "reviews_count"])
    return review


def review_delete(*, review: Review) -> None:
    """Staff: remove a review; the profile's rating and count follow in the same transaction."""
    with transaction.atomic():
        ModelProfile.objects.select_for_update().filter(pk=review.profile_id).first()
        review.delete()
        _refresh_rating(review.profile_id)
