"""The hot paths' dict builders render exactly what the documented serializers render.

The catalogue and the model detail are built as plain dicts; the serializer classes
remain the contract's documented shape (OpenAPI) and the agencies roster's base. These tests
pin the two to each other, key order included, so neither can drift.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Role
from agencies.models import RosterMembership
from media.models import Photo
from profiles import selectors
from profiles.models import ModelProfile
from profiles.serializers import (
    ModelProfileDetailSerializer,
    ModelProfileListItemSerializer,
    model_card_list_data,
    model_profile_detail_data,
)
from profiles.tests.factories import (
    EmployerProfileFactory,
    ModelProfileFactory,
    WorkExperienceFactory,
)

pytestmark = pytest.mark.django_db


def as_json(data):
    return json.dumps(data)  # ordered comparison, as the client receives it


@pytest.fixture
def profiles(media_root):
    full = ModelProfileFactory(
        name="Aisha Nurzhanova",
        bust=86,
        waist=62,
        hips=90,
        weight=58,
        shoe_size=38,
        clothing_size="S",
        experience="experienced",
        languages=["Kazakh", "Russian"],
        categories=["fashion", "runway"],
        main_photo="photos/a/main.jpg",
        main_thumbnail="thumbnails/a/main.jpg",
        rating="4.75",
        reviews_count=4,
        promoted_until=timezone.now() + dt.timedelta(days=3),
    )
    for index in range(3):
        Photo.objects.create(
            profile=full,
            image=f"photos/a/{index}.jpg",
            thumbnail=f"thumbnails/a/{index}.jpg",
            is_main=index == 0,
            order=2 - index,
            width=800,
            height=1066,
        )
    WorkExperienceFactory(profile=full)
    WorkExperienceFactory(profile=full, start_date=dt.date(2024, 1, 1), end_date=None)
    agency = EmployerProfileFactory(user__role=Role.AGENCY, company_name="Silk Road Models")
    RosterMembership.objects.create(agency=agency.user, model_profile=full)
    bare = ModelProfileFactory(
        height=None,
        experience="",
        clothing_size="",
        categories=[],
        languages=[],
        promoted_until=timezone.now() - dt.timedelta(days=1),
    )
    return [full, bare]


def test_detail_dict_matches_the_serializer(profiles):
    for profile in profiles:
        instance = (
            selectors.with_promotion(ModelProfile.objects.all())
            .select_related(selectors.AGENCY_RELATED)
            .prefetch_related(
                "work_experience",
                Prefetch("photos", queryset=Photo.objects.order_by("order", "created_at")),
            )
            .get(pk=profile.pk)
        )

        fast = model_profile_detail_data(selectors.model_profile_get(profile_id=profile.pk))

        assert as_json(fast) == as_json(ModelProfileDetailSerializer(instance).data)


def test_detail_dict_has_the_agency_and_ordered_children(profiles):
    data = model_profile_detail_data(selectors.model_profile_get(profile_id=profiles[0].pk))

    assert data["agency"]["company_name"] == "Silk Road Models"
    assert [photo["order"] for photo in data["photos"]] == [0, 1, 2]
    assert [item["end_date"] for item in data["work_experience"]] == [None, "2023-12-31"]
    assert data["is_promoted"] is True


def test_card_dicts_match_the_serializer(profiles):
    filters = selectors.ModelFilters()

    fast = model_card_list_data(selectors.model_profile_card_list(filters=filters))
    slow = ModelProfileListItemSerializer(
        selectors.model_profile_list(filters=filters), many=True
    ).data

    assert len(fast) == 2
    assert as_json(fast) == as_json(slow)


def test_the_card_serializer_declares_exactly_the_card_specification():
    from profiles.card import MODEL_CARD

    assert list(ModelProfileListItemSerializer().fields) == [field.key for field in MODEL_CARD]
