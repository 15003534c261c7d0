"""In-process cost of a request against the raw cost of its SQL.

For each scenario, requests go through Django's test client in this process (whole middleware
stack, no network, no server). Three numbers per scenario, medians over the samples:
- `view_ms`: wall time of the request in process, queries not captured;
- `queries`: SQL statements per request (CaptureQueriesContext);
- `sql_ms`: the captured statements executed again straight on the psycopg cursor (execute +
  fetchall), i.e. what the database and the driver cost without the ORM, DRF or Django.
`view_to_sql` = view_ms / sql_ms is informative; the targets are x the floor (bench/run.py).
Writes (apply) run inside a rolled-back transaction, so their after-commit notification is not
included. Each sample's access token has been verified once in this process before it is timed
(`_Scenario`), as the token of every request of a session but its first in each server
process has (`accounts.tokens._verified`); the HTTP load, which sends each token many times,
measures the same. The connection keeps its prepared statements through the samples' rollbacks
(`_prepared_statements_kept`), as a connection whose applies commit keeps them.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tokens import access_token_decoded
from bench.load import Request

HEADERS = {
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_ACCEPT": "application/json",
    "HTTP_HOST": "127.0.0.1",
}


class _Rollback(Exception):
    pass


def _send(client: Client, request: Request) -> Any:
    extra = dict(HEADERS)
    if request.token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {request.token}"
    if request.method == "GET":
        return client.get(request.path, **extra)
    return client.generic(
        request.method,
        request.path,
        data=json.dumps(request.body or {}),
        content_type="application/json",
        **extra,
    )


def _timed(client: Client, request: Request, *, write: bool) -> tuple[float, Any]:
    started = time.perf_counter()
    if write:
        try:
            with transaction.atomic():
                response = _send(client, request)
                raise _Rollback
        except _Rollback:
            pass
    else:
        response = _send(client, request)
    return (time.perf_counter() - started) * 1000, response


def _raw_sql_ms(statements: list[str], *, write: bool, repeat: int = 3) -> float:
    """Best of `repeat` replays of the statements on the driver's cursor."""
    best = float("inf")
    raw = connection.connection  # the psycopg connection (autocommit, as Django keeps it)
    for _ in range(repeat):
        with raw.cursor() as cursor:
            if write:
                cursor.execute("BEGIN")
            try:
                started = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()
                best = min(best, time.perf_counter() - started)
            finally:
                if write:
                    cursor.execute("ROLLBACK")
    return best * 1000


@contextlib.contextmanager
def _prepared_statements_kept() -> Iterator[None]:
    """psycopg forgets a connection's prepared statements after every ROLLBACK (and sends
    `DEALLOCATE ALL`), in case the transaction changed what they read; PostgreSQL itself keeps
    them through a rollback. The bench's rollbacks (a write sample undone, its statements
    replayed) change no table's definition, and an apply that commits keeps the connection's
    statements prepared; forgotten, every apply sample ran its reads unprepared, planned anew
    each time (the casting read: 0.6-0.9 ms of planning for 0.12 ms of execution), which a
    server's apply does not (docs/PERFORMANCE.md, "Tenth round")."""
    prepared = connection.connection._prepared  # psycopg's PrepareManager
    prepared.clear = lambda: False  # the instance's own, in front of the class's method
    try:
        yield
    finally:
        del prepared.clear


class _Scenario:
    """One scenario's samples as they are taken, round after round (`profile_interleaved`)."""

    def __init__(self, requests: list[Request], *, samples: int, warmup: int, write: bool):
        self.write = write
        self.warm = requests[:warmup]
        self.chosen = requests[warmup : warmup + samples] or requests[:samples]
        for request in self.chosen:
            if request.token:
                access_token_decoded(request.token)
        self.taken = 0
        self.statuses: dict[int, int] = {}
        self.view_times: list[float] = []
        self.sql_times: list[float] = []
        self.counts: list[int] = []

    def sample(self, client: Client) -> None:
        request = self.chosen[self.taken % len(self.chosen)]
        self.taken += 1
        elapsed, response = _timed(client, request, write=self.write)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        self.view_times.append(elapsed)
        with CaptureQueriesContext(connection) as captured:
            _timed(client, request, write=self.write)
        statements = [
            q["sql"]
            for q in captured.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))
        ]
        self.counts.append(len(captured.captured_queries))
        self.sql_times.append(_raw_sql_ms(statements, write=self.write))

    def result(self) -> dict[str, Any]:
        view_ms = statistics.median(self.view_times)
        sql_ms = statistics.median(self.sql_times)
        return {
            "samples": len(self.view_times),
            "statuses": self.statuses,
            "view_ms": round(view_ms, 3),
            "view_ms_p90": round(statistics.quantiles(self.view_times, n=10)[-1], 3),
            "sql_ms": round(sql_ms, 3),
            "queries": round(statistics.median(self.counts), 1),
            "queries_max": max(self.counts),
            # a request without SQL (the floor) has no ratio
            "view_to_sql": round(view_ms / sql_ms, 2) if max(self.counts) and sql_ms else None,
        }


def profile_interleaved(
    scenarios: dict[str, tuple[list[Request], bool]],
    *,
    samples: int = 60,
    warmup: int = 10,
    rounds: int = 6,
) -> dict[str, dict[str, Any]]:
    """The in-process profile of several scenarios (name: (requests, write)), taken in
    `rounds` turns, each turn a warm-up and a share of every scenario's samples in order.
    The targets are ratios to the floor's time: a machine that slows down or speeds up during
    the run (other work on it, its memory being reclaimed) then weighs on the floor and on
    every scenario alike, instead of on whichever ran at that moment."""
    client = Client(raise_request_exception=True)
    connection.ensure_connection()
    with _prepared_statements_kept():
        return _profiled(client, scenarios, samples=samples, warmup=warmup, rounds=rounds)


def _profiled(
    client: Client,
    scenarios: dict[str, tuple[list[Request], bool]],
    *,
    samples: int,
    warmup: int,
    rounds: int,
) -> dict[str, dict[str, Any]]:
    taken = {
        name: _Scenario(requests, samples=samples, warmup=warmup, write=write)
        for name, (requests, write) in scenarios.items()
    }
    rounds = max(min(rounds, samples), 1)
    for turn in range(rounds):
        share = samples * (turn + 1) // rounds - samples * turn // rounds
        for scenario in taken.values():
            # Warmed in every turn: the compiled reads are prepared only after
            # `prepare_threshold` runs (mwork.db.prepared_statements), and each scenario's
            # rows are read back into the caches the scenarios before it displaced.
            for request in scenario.warm:
                _timed(client, request, write=scenario.write)
            for _ in range(share):
                scenario.sample(client)
    return {name: scenario.result() for name, scenario in taken.items()}


def quietest(passes: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Each scenario's profile from the pass in which its median view time was lowest, with
    every pass's median beside it (`view_ms_passes`). The floor is chosen the same way, and the
    targets are ratios of the chosen medians.

    This machine's speed moves in spells of seconds to minutes that no load average shows, and
    they slow the scenarios more than the floor (the same code's rooms list read 11.7 and 6.0
    times its floor in two passes a minute apart, its floor 0.64 and 0.68 ms): work that is not
    the code's only ever adds time, so, as `timeit` does with its repeats, the lowest of the
    passes is the estimate of what the code costs (docs/PERFORMANCE.md, "Tenth round")."""
    chosen: dict[str, dict[str, Any]] = {}
    for name in passes[0]:
        medians = [profile[name]["view_ms"] for profile in passes]
        best = min(range(len(passes)), key=lambda index: medians[index])
        chosen[name] = {**passes[best][name], "view_ms_passes": medians}
    return chosen
