"""Two clients racing with the same refresh token: exactly one gets the new pair (PostgreSQL)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from accounts import services
from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import tokens_for_user
from mwork.api.exceptions import InvalidToken

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_concurrent_refreshes_of_one_token_let_exactly_one_win():
    user = UserFactory()
    raw = str(tokens_for_user(user))

    def attempt(_):
        try:
            services.token_refresh(refresh_token=raw)
            return "ok"
        except InvalidToken:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = sorted(pool.map(attempt, range(4)))

    assert results == ["ok", "refused", "refused", "refused"]
    # the losers presented a token that had just been rotated: reuse, everything revoked
    assert User.objects.get(pk=user.pk).token_version >= 1
