"""The card builder renders exactly what the declared serializer fields render.

`CastingOutputSerializer` documents the casting card field by field (the OpenAPI schema reads
those fields) while `casting_card` builds it from a value row. The generic DRF
rendering of the declared fields over the model is the reference the builder must match.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone
from rest_framework import serializers

from accounts.tests.factories import UserFactory
from castings.card import (
    CASTING_CARD,
    CREATOR,
    EDITABLE_FIELDS,
    REQUIREMENT_COLUMNS,
    REQUIREMENTS,
)
from castings.models import Casting
from castings.selectors import casting_get_card
from castings.serializers import CastingInputSerializer, CastingOutputSerializer, casting_card
from castings.tests.factories import CastingFactory, EmployerProfileFactory, ResponseFactory

pytestmark = pytest.mark.django_db


def declared_rendering(casting: Casting) -> dict:
    """The casting rendered field by field by DRF, as before the card builder."""
    instance = (
        Casting.objects.select_related("owner", "owner__employer_profile")
        .annotate(responses_count=Count("responses", filter=~Q(responses__status="withdrawn")))
        .get(id=casting.id)
    )
    return serializers.Serializer.to_representation(CastingOutputSerializer(), instance)


@pytest.mark.parametrize(
    ("owner_kind", "fields"),
    [
        ("profile with avatar", {}),
        (
            "profile without avatar",
            {
                "pay_min": None,
                "pay_max": None,
                "address": "",
                "required_gender": "female",
                "min_age": 20,
                "max_age": 30,
                "min_height": 170,
                "max_height": 190,
                "required_experience": "intermediate",
            },
        ),
        ("no employer profile", {"shoot_date": timezone.now() + timedelta(days=3, hours=5)}),
    ],
)
def test_card_matches_the_declared_fields(owner_kind, fields):
    if owner_kind == "no employer profile":
        owner = UserFactory(role="employer")
    else:
        avatar = "avatars/logo.jpg" if owner_kind == "profile with avatar" else ""
        owner = EmployerProfileFactory(avatar=avatar).user
    casting = CastingFactory(owner=owner, **fields)
    ResponseFactory(casting=casting)
    ResponseFactory(casting=casting, status="withdrawn")

    card = casting_get_card(user=owner, casting_id=casting.id)

    assert casting_card(card) == declared_rendering(casting)
    assert CastingOutputSerializer(card).data == declared_rendering(casting)
    assert card["responses_count"] == 1


# --- the serializers follow the card's one field specification (castings.card) --------------
def _keys(fields, group: str | None) -> set[str]:
    return {field.key for field in CASTING_CARD if field.group == group and fields(field)}


def test_the_output_serializer_declares_exactly_the_cards_fields():
    declared = CastingOutputSerializer().fields

    # review_note is derived from status (docs/SAFETY.md), not a column of the card
    assert set(declared) == _keys(lambda f: True, None) | {REQUIREMENTS, CREATOR, "review_note"}
    assert set(declared[REQUIREMENTS].fields) == _keys(lambda f: True, REQUIREMENTS)
    assert set(declared[CREATOR].fields) == _keys(lambda f: True, CREATOR)


def test_the_input_serializer_accepts_exactly_the_editable_fields():
    declared = CastingInputSerializer().fields

    assert set(declared) - {"status"} == _keys(lambda f: f.editable, None) | {REQUIREMENTS}
    assert set(declared[REQUIREMENTS].fields) == _keys(lambda f: f.editable, REQUIREMENTS)
    assert {*_keys(lambda f: f.editable, None), *REQUIREMENT_COLUMNS.values()} == set(
        EDITABLE_FIELDS
    )


@pytest.mark.parametrize("changed", [False, True])
def test_response_data_renders_what_the_response_serializer_renders(changed):
    """Apply answers with `response_data` (no serializer pass); the serializer documents it."""
    from castings.serializers import ResponseOutputSerializer, response_data

    response = ResponseFactory(
        message="Available", portfolio_links=["https://example.com/book"], status="pending"
    )
    if changed:
        response.status = "accepted"
        response.status_changed_at = timezone.now() - timedelta(hours=3)

    assert response_data(response) == ResponseOutputSerializer(response).data
