"""Apply reads the casting and the applicant's profile in one statement
(`selectors.casting_get_to_apply`): the same rows as `casting_get` and
`applicant_profile_get` read apart, the same NotFound."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory
from castings.models import CastingStatus
from castings.selectors import applicant_profile_get, casting_get, casting_get_to_apply
from castings.tests.factories import CastingFactory, ModelProfileFactory, ResponseFactory
from mwork.api.exceptions import NotFound

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def _read_apart(user, casting_id):
    casting = casting_get(user=user, casting_id=casting_id)
    profile = applicant_profile_get(user=user, casting_id=casting_id)
    return casting, profile


@pytest.mark.parametrize("applied", [False, True])
def test_same_casting_and_profile_as_read_apart(applied):
    profile = ModelProfileFactory()
    casting = CastingFactory()
    other = CastingFactory()
    ResponseFactory(casting=other, model_profile=profile)  # another casting's response
    ResponseFactory(casting=casting)  # another model's response
    if applied:
        ResponseFactory(casting=casting, model_profile=profile)

    with CaptureQueriesContext(connection) as captured:
        got_casting, got_profile = casting_get_to_apply(user=profile.user, casting_id=casting.id)
    want_casting, want_profile = _read_apart(profile.user, casting.id)

    assert len(captured) == 1
    assert _fields(got_casting) == _fields(want_casting)
    assert got_profile is not None and want_profile is not None
    assert (got_profile.id, got_profile.user_id, got_profile.name) == (
        want_profile.id,
        want_profile.user_id,
        want_profile.name,
    )
    assert got_profile.already_applied is want_profile.already_applied is applied
    assert got_profile.get_deferred_fields() == want_profile.get_deferred_fields()


@pytest.mark.parametrize("role", [Role.MODEL, Role.EMPLOYER, Role.AGENCY])
def test_no_profile_reads_none(role):
    user = UserFactory(role=role)
    casting = CastingFactory()

    got_casting, got_profile = casting_get_to_apply(user=user, casting_id=casting.id)

    assert got_casting.id == casting.id
    assert got_profile is None is applicant_profile_get(user=user, casting_id=casting.id)


def test_own_draft_visible_others_not_found():
    owner_casting = CastingFactory(status=CastingStatus.DRAFT)
    profile = ModelProfileFactory()

    got, _profile = casting_get_to_apply(user=owner_casting.owner, casting_id=owner_casting.id)
    assert got.id == owner_casting.id
    with pytest.raises(NotFound) as raised:
        casting_get_to_apply(user=profile.user, casting_id=owner_casting.id)
    with pytest.raises(NotFound) as apart:
        casting_get(user=profile.user, casting_id=owner_casting.id)
    assert str(raised.value) == str(apart.value)


def test_apply_reads_casting_and_profile_in_one_statement(auth_client):
    profile = ModelProfileFactory()
    casting = CastingFactory()
    url = reverse("castings:casting-responses", args=[casting.id])

    with CaptureQueriesContext(connection) as captured:
        response = auth_client(profile.user).post(url, {"message": "Hello"}, format="json")

    assert response.status_code == 201, response.content
    reads = [q["sql"] for q in captured if "profiles_modelprofile" in q["sql"]]
    assert len(reads) == 1
    assert "castings_casting" in reads[0]
