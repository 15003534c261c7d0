"""A PostgreSQL restart under load costs only the in-flight requests (docs/RELIABILITY.md §3).

A real server process talks to PostgreSQL through a TCP proxy we own, in both database modes of
settings.py, each on the server docker-compose runs it with: gunicorn (the Dockerfile's web
server, /api) with persistent connections and CONN_HEALTH_CHECKS, and uvicorn (/ws) with the
psycopg pool (DB_POOL=1). (An ASGI server with persistent connections opens one per request
thread — up to ~40 measured with daphne — which is why settings.py pools them.)
Under a small concurrent load on database-backed endpoints, the proxy resets every connection
and refuses new ones for a moment — what clients see when PostgreSQL restarts — then accepts
again. Requests in flight at the cut, or sent while the database is away, may fail (counted and
bounded); every request sent after PostgreSQL is back must succeed: Django's CONN_HEALTH_CHECKS
(persistent connections) or the pool's check (DB_POOL=1) replaces the dead connections.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from accounts.tokens import tokens_for_user
from reliability.faults import TcpProxy, wait_http_ok
from reliability.load import run_load
from reliability.tests.servers import app_server, server_database_url

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.timeout(90),
]

CONCURRENCY = 6
WARM_SECONDS = 1.5
DOWN_SECONDS = 0.5  # refused, like a restart in progress
AFTER_SECONDS = 3.0


def _restart_under_load(kind: str, db_pool: bool) -> dict:
    user = UserFactory(email="pg-restart@example.kz")
    token = str(tokens_for_user(user).access_token)
    settings_dict = connection.settings_dict
    target = (settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432))
    with TcpProxy(target) as proxy:
        server = app_server(
            database_url=server_database_url(host="127.0.0.1", port=proxy.port),
            redis_url="",
            kind=kind,
            extra_env={
                "DB_POOL": "1" if db_pool else "0",
                "DB_POOL_MIN_SIZE": "2",
                "DB_POOL_MAX_SIZE": "4",  # the machine's PostgreSQL is shared: stay small
            },
        )
        with server:
            wait_http_ok(server.port, timeout=40)  # workers loaded, database reached
            paths = ["/api/v1/auth/me", "/api/v1/castings", "/api/v1/profiles/models"]
            stop = threading.Event()
            run, threads = run_load(
                port=server.port,
                paths=paths,
                headers={"Authorization": f"Bearer {token}"},
                concurrency=CONCURRENCY,
                stop=stop,
            )
            try:
                time.sleep(WARM_SECONDS)
                connections_before = proxy.open_connections
                cut_at = time.monotonic()
                proxy.down()  # every connection reset, new ones refused
                time.sleep(DOWN_SECONDS)
                proxy.up()
                up_at = time.monotonic()
                time.sleep(AFTER_SECONDS)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=15)
            log = server.log_tail()

    def failed(outcomes):
        return [o for o in outcomes if not 200 <= o.status < 300]

    phases = {
        "before": [o for o in run.outcomes if o.finished < cut_at],
        "in_flight": [o for o in run.outcomes if o.started < cut_at <= o.finished],
        "while_down": [o for o in run.outcomes if cut_at <= o.started < up_at],
        "after": [o for o in run.outcomes if o.started >= up_at],
    }
    return {
        "connections_before": connections_before,
        "down_seconds": up_at - cut_at,
        **{name: len(outcomes) for name, outcomes in phases.items()},
        **{f"{name}_failed": failed(outcomes) for name, outcomes in phases.items()},
        "after_first_second_failed": failed([o for o in phases["after"] if o.started < up_at + 1]),
        "log": log,
    }


@pytest.mark.parametrize(
    ("kind", "db_pool"),
    [("gunicorn", False), ("uvicorn", True)],
    ids=["gunicorn-persistent-connections", "uvicorn-psycopg-pool"],
)
def test_a_postgres_restart_costs_only_the_requests_in_flight(kind, db_pool, record_property):
    result = _restart_under_load(kind, db_pool)

    record_property(  # plain values: pytest-xdist sends the properties between processes
        "pg_restart",
        {
            key: [asdict(outcome) for outcome in value] if isinstance(value, list) else value
            for key, value in result.items()
            if key != "log"
        },
    )
    mode = f"{kind}, {'pool' if db_pool else 'persistent'}"
    print(  # noqa: T201 - the figures for docs/RELIABILITY.md (pytest -s)
        f"\npg restart ({mode}, down {result['down_seconds']:.2f} s):"
        + "".join(
            f" {name} {result[name]} ({len(result[name + '_failed'])} failed)"
            for name in ("before", "in_flight", "while_down", "after")
        )
    )
    assert result["connections_before"] >= 1  # the server really talked through the proxy
    assert result["before_failed"] == []
    assert result["after"] > 20
    # The cost: requests in flight at the cut (and, without a pool, those sent while
    # PostgreSQL was away), each answered at once with a 500 — never a hang.
    assert len(result["in_flight_failed"]) <= CONCURRENCY
    for outcome in result["in_flight_failed"] + result["while_down_failed"]:
        assert outcome.status == 500
        assert outcome.finished - outcome.started < 5
    # Every request sent after PostgreSQL is back succeeds.
    assert result["after_failed"] == [], result["log"]
