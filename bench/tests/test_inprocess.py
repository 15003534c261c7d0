"""The in-process bench times each request as a server's connection and a session's later
request find it: the token already verified, the connection's prepared statements kept through
the bench's own rollbacks."""

from __future__ import annotations

import contextlib

import psycopg
import pytest
from django.db import connection, transaction

from accounts.tokens import _verified
from bench.inprocess import _prepared_statements_kept, _Rollback, _Scenario, quietest
from bench.load import Request
from conftest import access_token_for


def test_each_sample_token_is_verified_before_it_is_timed(make_user):
    tokens = [access_token_for(make_user()) for _ in range(3)]
    requests = [Request("GET", "/api/v1/chat/rooms", token=token) for token in tokens]
    _verified.cache_clear()

    scenario = _Scenario(requests, samples=2, warmup=1, write=False)

    assert [r.token for r in scenario.chosen] == tokens[1:]
    assert _verified.cache_info().currsize == 2
    for token in tokens[1:]:
        hits = _verified.cache_info().hits
        _verified(token)
        assert _verified.cache_info().hits == hits + 1


def _rolled_back() -> None:
    with contextlib.suppress(_Rollback), transaction.atomic():
        connection.cursor().execute("SELECT 1")
        raise _Rollback


def test_the_profile_keeps_prepared_statements_through_its_rollbacks(db):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    connection.ensure_connection()
    raw = connection.connection
    psycopg.Cursor(raw).execute("SELECT %s::int", [1], prepare=True)  # bound on the server
    prepared = dict(raw._prepared._names)
    assert prepared

    with _prepared_statements_kept():
        _rolled_back()
        assert dict(raw._prepared._names) == prepared
        still = psycopg.Cursor(raw).execute("SELECT %s::int", [2], prepare=True).fetchone()
        assert still == (2,)
        assert dict(raw._prepared._names) == prepared

    _rolled_back()
    assert not raw._prepared._names  # psycopg's own way again once the profile is done


def test_each_scenario_keeps_its_quietest_pass():
    passes = [
        {"floor": {"view_ms": 0.6, "sql_ms": 0.0}, "rooms": {"view_ms": 7.4, "sql_ms": 2.4}},
        {"floor": {"view_ms": 0.7, "sql_ms": 0.0}, "rooms": {"view_ms": 4.1, "sql_ms": 2.1}},
        {"floor": {"view_ms": 0.65, "sql_ms": 0.0}, "rooms": {"view_ms": 5.0, "sql_ms": 2.0}},
    ]

    chosen = quietest(passes)

    assert chosen == {
        "floor": {"view_ms": 0.6, "sql_ms": 0.0, "view_ms_passes": [0.6, 0.7, 0.65]},
        "rooms": {"view_ms": 4.1, "sql_ms": 2.1, "view_ms_passes": [7.4, 4.1, 5.0]},
    }
