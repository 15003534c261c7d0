import uuid

import pytest

from castings.models import ResponseStatus
from castings.selectors import accepted_response_exists, users_linked_by_casting
from castings.tests.factories import CastingFactory, ModelProfileFactory, ResponseFactory

pytestmark = pytest.mark.django_db


def test_users_linked_by_casting_owner_and_applicant_either_order():
    response = ResponseFactory()
    owner_id = response.casting.owner_id
    model_user_id = response.model_profile.user_id

    assert users_linked_by_casting(
        casting_id=response.casting_id, user_a_id=owner_id, user_b_id=model_user_id
    )
    assert users_linked_by_casting(
        casting_id=response.casting_id, user_a_id=model_user_id, user_b_id=owner_id
    )


def test_users_linked_by_casting_refuses_strangers_and_bad_ids():
    response = ResponseFactory()
    stranger = ModelProfileFactory().user
    other_casting = CastingFactory(owner=response.casting.owner)

    assert not users_linked_by_casting(
        casting_id=response.casting_id, user_a_id=response.casting.owner_id, user_b_id=stranger.id
    )
    assert not users_linked_by_casting(
        casting_id=other_casting.id,
        user_a_id=response.casting.owner_id,
        user_b_id=response.model_profile.user_id,
    )
    assert not users_linked_by_casting(
        casting_id=response.casting_id,
        user_a_id=response.model_profile.user_id,
        user_b_id=stranger.id,
    )
    assert not users_linked_by_casting(
        casting_id="not-a-uuid", user_a_id=stranger.id, user_b_id=stranger.id
    )
    assert not users_linked_by_casting(
        casting_id=uuid.uuid4(), user_a_id=stranger.id, user_b_id=stranger.id
    )


def test_accepted_response_exists_only_for_accepted_and_the_owner():
    accepted = ResponseFactory(status=ResponseStatus.ACCEPTED)
    pending = ResponseFactory()

    assert accepted_response_exists(
        casting_id=accepted.casting_id,
        owner_id=accepted.casting.owner_id,
        model_profile_id=accepted.model_profile_id,
    )
    assert not accepted_response_exists(
        casting_id=pending.casting_id,
        owner_id=pending.casting.owner_id,
        model_profile_id=pending.model_profile_id,
    )
    assert not accepted_response_exists(
        casting_id=accepted.casting_id,
        owner_id=pending.casting.owner_id,
        model_profile_id=accepted.model_profile_id,
    )
    assert not accepted_response_exists(
        casting_id="nope", owner_id=accepted.casting.owner_id, model_profile_id="nope"
    )
