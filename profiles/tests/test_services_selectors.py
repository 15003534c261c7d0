"""Services and selectors: completeness, main photo, display names, visibility, indexes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mwork.api.exceptions import Conflict, PermissionDenied, ValidationFailed
from mwork.storage import storage_url
from profiles import services
from profiles.models import ModelProfile, Review
from profiles.selectors import (
    user_display,
    visible_model_profiles,
)
from profiles.tests.factories import EmployerProfileFactory, ModelProfileFactory, ReviewFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL-only indexes and planner"
)


# --- completeness ----------------------------------------------------------------------------
def test_completeness_bounds():
    bare = ModelProfile(name="", age=None, gender="", languages=[], categories=[], bio="")
    full = ModelProfileFactory.build(
        bio="x",
        weight=58,
        bust=86,
        waist=62,
        hips=90,
        shoe_size=38,
        clothing_size="S",
        hair_color="brown",
        eye_color="brown",
        skin_tone="fair",
    )

    assert services.compute_completeness(profile=bare, photo_count=0) == 0
    assert services.compute_completeness(profile=full, photo_count=0) == 70
    assert services.compute_completeness(profile=full, photo_count=1) == 80
    assert services.compute_completeness(profile=full, photo_count=3) == 100
    assert services.compute_completeness(profile=full, photo_count=20) == 100
    assert services.compute_completeness(profile=bare, photo_count=3) == 30


def test_refresh_completeness_stores_the_value():
    profile = ModelProfileFactory(completeness=0)

    services.model_profile_refresh_completeness(profile=profile, photo_count=3)

    stored = ModelProfile.objects.get(pk=profile.pk).completeness
    assert stored == services.compute_completeness(profile=profile, photo_count=3)
    assert stored > 30


def test_set_main_photo_stores_and_clears_names(media_root):
    profile = ModelProfileFactory()

    services.model_profile_set_main_photo(
        profile=profile, photo_name="photos/a.jpg", thumbnail_name="thumbnails/a.jpg"
    )
    stored = ModelProfile.objects.get(pk=profile.pk)
    assert (stored.main_photo, stored.main_thumbnail) == ("photos/a.jpg", "thumbnails/a.jpg")
    assert user_display(stored.user)["avatar"] == "/media/thumbnails/a.jpg"

    services.model_profile_set_main_photo(profile=profile, photo_name="", thumbnail_name="")
    stored = ModelProfile.objects.get(pk=profile.pk)
    assert (stored.main_photo, stored.main_thumbnail) == ("", "")


def test_storage_url(media_root):
    assert storage_url("") is None
    assert storage_url(None) is None
    assert storage_url("photos/x.jpg") == "/media/photos/x.jpg"


# --- user_display ----------------------------------------------------------------------------
def test_user_display_without_queries(django_assert_num_queries, make_user):
    from accounts.models import User

    model = ModelProfileFactory(name="Dana Omarova").user
    employer = EmployerProfileFactory(company_name="Steppe Studio").user
    bare = make_user(role="agency", email="bare@example.kz")
    ids = [model.id, employer.id, bare.id]
    users = {
        u.id: u
        for u in User.objects.filter(id__in=ids).select_related("model_profile", "employer_profile")
    }

    with django_assert_num_queries(0):
        shown = [user_display(users[i]) for i in ids]

    assert shown == [
        {"name": "Dana Omarova", "avatar": None},
        {"name": "Steppe Studio", "avatar": None},
        {"name": "MWork user", "avatar": None},
    ]


def test_user_display_never_uses_the_email(make_user):
    assert user_display(make_user(role="model", email="secret@example.kz")) == {
        "name": "MWork user",
        "avatar": None,
    }
    assert user_display(None)["name"] == "MWork user"


# --- visibility ------------------------------------------------------------------------------
def test_visible_model_profiles_excludes_hidden_and_banned():
    shown = ModelProfileFactory()
    ModelProfileFactory(is_hidden=True)
    banned = ModelProfileFactory()
    banned.user.is_active = False
    banned.user.save(update_fields=["is_active"])

    assert list(visible_model_profiles()) == [shown]


# --- services: rules -------------------------------------------------------------------------
def test_create_refuses_wrong_role_and_duplicates(make_user):
    employer = make_user(role="employer")
    model = make_user(role="model")
    services.model_profile_create(user=model, name="Dana", age=20, gender="female")

    with pytest.raises(PermissionDenied):
        services.model_profile_create(user=employer, name="Dana", age=20, gender="female")
    with pytest.raises(Conflict):
        services.model_profile_create(user=model, name="Dana", age=20, gender="female")
    with pytest.raises(PermissionDenied):
        services.employer_profile_create(user=model, company_name="X Y")


def test_database_refuses_out_of_range_values():
    profile = ModelProfileFactory()

    for field, value in [("age", 17), ("height", 251), ("gender", "robot"), ("rating", 6)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            ModelProfile.objects.filter(pk=profile.pk).update(**{field: value})


def test_review_constraints_hold_in_the_database():
    review = ReviewFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            profile=review.profile, author=review.author, casting_id=review.casting_id, rating=3
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(rating=6)


def test_grant_promotion_refuses_the_past_and_can_end():
    profile = ModelProfileFactory()
    until = timezone.now() + dt.timedelta(days=5)

    with pytest.raises(ValidationFailed):
        services.model_profile_grant_promotion(
            profile=profile, until=timezone.now() - dt.timedelta(days=1)
        )
    services.model_profile_grant_promotion(profile=profile, until=until)
    assert ModelProfile.objects.get(pk=profile.pk).promoted_until == until
    services.model_profile_grant_promotion(profile=profile, until=None)
    assert ModelProfile.objects.get(pk=profile.pk).promoted_until is None


def test_review_delete_keeps_rating_in_sync():
    profile = ModelProfileFactory()
    keep = ReviewFactory(profile=profile, rating=5)
    gone = ReviewFactory(profile=profile, rating=1)
    ModelProfile.objects.filter(pk=profile.pk).update(rating=3, reviews_count=2)

    services.review_delete(review=gone)

    stored = ModelProfile.objects.get(pk=profile.pk)
    assert (float(stored.rating), stored.reviews_count) == (5.0, 1)
    assert Review.objects.get() == keep


@postgres_only
def test_search_vector_is_maintained_by_the_database():
    profile = ModelProfileFactory(name="Аружан Сейткали", bio="Fashion")

    ModelProfile.objects.filter(pk=profile.pk).update(bio="Runway in Astana")
    vector = str(ModelProfile.objects.values_list("search_vector", flat=True).get(pk=profile.pk))

    # Name words weigh A, bio words B; the old bio is gone.
    assert vector == "'astana':5B 'in':4B 'runway':3B 'аружан':1A 'сейткали':2A"
