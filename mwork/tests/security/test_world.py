"""The shared world builds, and each party owns what the matrix needs."""

import pytest

pytestmark = pytest.mark.django_db


def test_world_has_two_complete_parties(world):
    for party in (world.a, world.b):
        assert party.response.status == "accepted"
        assert party.invitation.status == "pending"
        assert party.room.memberships.count() == 2
    assert world.staff.is_staff
    assert all(len(ids) >= 2 for ids in world.pools.values())
