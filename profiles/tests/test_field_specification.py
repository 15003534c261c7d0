"""The profiles' serializers follow the one field specification (`profiles.card`), and the
employer builder answers exactly what the documented serializer renders.

The card's and the detail's builders are pinned to their serializers in test_output_parity.py.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from profiles import selectors
from profiles.card import (
    COMPLETENESS_FIELDS,
    EMPLOYER_EDITABLE_FIELDS,
    EMPLOYER_PROFILE,
    MEASUREMENTS,
    MODEL_DETAIL,
    MODEL_EDITABLE_FIELDS,
)
from profiles.serializers import (
    EmployerProfileCreateInputSerializer,
    EmployerProfileOutputSerializer,
    MeasurementsSerializer,
    ModelProfileCreateInputSerializer,
    ModelProfileDetailSerializer,
    employer_profile_data,
)
from profiles.tests.factories import EmployerProfileFactory


def _top_level_keys(fields) -> list[str]:
    keys: list[str] = []
    for field in fields:
        key = field.group or field.key
        if key not in keys:
            keys.append(key)
    return keys


def test_the_detail_serializer_declares_exactly_the_detail_specification():
    assert list(ModelProfileDetailSerializer().fields) == _top_level_keys(MODEL_DETAIL)
    assert list(MeasurementsSerializer().fields) == [
        field.key for field in MODEL_DETAIL if field.group == MEASUREMENTS
    ]


def test_the_input_serializers_accept_exactly_the_editable_fields():
    assert list(ModelProfileCreateInputSerializer().fields) == list(MODEL_EDITABLE_FIELDS)
    assert list(EmployerProfileCreateInputSerializer().fields) == list(EMPLOYER_EDITABLE_FIELDS)
    assert set(COMPLETENESS_FIELDS) < set(MODEL_EDITABLE_FIELDS)


def test_the_employer_serializer_declares_exactly_the_employer_specification():
    assert list(EmployerProfileOutputSerializer().fields) == [f.key for f in EMPLOYER_PROFILE]


@pytest.mark.django_db
@pytest.mark.parametrize("show_contacts", [True, False])
@pytest.mark.parametrize(
    "fields",
    [
        {"avatar": "avatars/logo.jpg", "response_rate": Decimal("0.75"), "rating": Decimal("4.5")},
        {"avatar": "", "response_rate": None, "contact_person": "", "phone": "", "website": ""},
    ],
)
def test_the_employer_builder_answers_what_the_serializer_renders(
    media_root, fields, show_contacts
):
    created = EmployerProfileFactory(is_verified=True, castings_posted=3, **fields)
    profile = selectors.employer_profile_get(profile_id=created.pk)

    built = employer_profile_data(profile, show_contacts=show_contacts)
    rendered = EmployerProfileOutputSerializer(
        profile, context={"show_contacts": show_contacts}
    ).data

    assert json.dumps(built) == json.dumps(rendered)  # key order included, as clients read it
    assert (built["phone"] is None) is not show_contacts
