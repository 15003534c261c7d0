"""`mwork.db.prepared_statements`: the compiled reads by id bind on the server and PostgreSQL
keeps them prepared on the connection; compiled lists, Django's own queries, recorded queries
and the setting turned off stay on the client."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.models import F
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.tests.factories import UserFactory
from mwork.db import compiled_list, compiled_once, compiled_values_once

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
    ),
]

RUNS = 6  # past psycopg's prepare_threshold (5, mwork/settings.py)


# Each test's marker is a column alias, so its statements can be found by their text.
@compiled_once
def _user_query(marker: str, *, user_id: uuid.UUID):
    return User.objects.filter(id=user_id).annotate(**{marker: F("email")})


@compiled_values_once
def _user_values(marker: str, *, user_id: uuid.UUID):
    return User.objects.filter(id=user_id).values("email", "created_at", **{marker: F("role")})


@compiled_list
def _users_list(marker: str, *, role: str | None = None):
    users = User.objects.filter(email__endswith="@example.com")
    if role is not None:
        users = users.filter(role=role)
    return users.order_by("email").values("email", **{marker: F("role")})


def _prepared_containing(marker: str) -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"%{marker}%"],
        )
        return cursor.fetchall()


def _marker() -> str:
    return f"prepared_{uuid.uuid4().hex}"


def test_compiled_reads_are_prepared_past_the_threshold_and_answer_the_same():
    user = UserFactory(role="model")
    marker = _marker()

    for _ in range(RUNS):
        assert _user_query(marker).first(user_id=user.id).email == user.email
        assert _user_values(marker).rows(user_id=user.id) == [
            {"email": user.email, "created_at": user.created_at, marker: user.role}
        ]

    prepared = _prepared_containing(marker)
    assert len(prepared) == 2  # the model read and the values read
    assert all("$1" in statement for statement, _ in prepared)
    assert all(runs >= 1 for _, runs in prepared)


def test_a_compiled_list_is_not_prepared():
    # A filter's value changes the best plan; a prepared statement's generic plan would not.
    UserFactory(role="model", email="m1@example.com")
    UserFactory(role="model", email="m2@example.com")
    UserFactory(role="employer", email="e1@example.com")
    marker = _marker()

    for _ in range(RUNS):
        listed = _users_list(marker, role="model")
        assert [row["email"] for row in listed.rows(0, 10)] == [
            "m1@example.com",
            "m2@example.com",
        ]
        assert listed.count(1001) == 2

    assert _prepared_containing(marker) == []
    assert _prepared_containing('"accounts_user"."role" = $2) LIMIT 1001) subquery') == []


def test_recorded_queries_stay_bound_on_the_client_so_they_can_be_run_again():
    user = UserFactory()
    marker = _marker()

    with CaptureQueriesContext(connection) as captured:
        for _ in range(RUNS):
            _user_query(marker).first(user_id=user.id)

    assert all("$1" not in q["sql"] and str(user.id.hex) in q["sql"] for q in captured)
    assert _prepared_containing(marker) == []
    with connection.cursor() as cursor:
        cursor.execute(captured.captured_queries[0]["sql"])
        assert len(cursor.fetchall()) == 1


@override_settings(DB_PREPARED_STATEMENTS=False)
def test_turned_off_nothing_is_prepared():
    user = UserFactory()
    marker = _marker()

    for _ in range(RUNS):
        assert _user_query(marker).first(user_id=user.id) == user

    assert _prepared_containing(marker) == []


def test_django_queries_are_never_prepared():
    marker = _marker()

    for _ in range(RUNS):
        assert not User.objects.annotate(**{marker: F("email")}).filter(role="nobody").exists()

    assert _prepared_containing(marker) == []
