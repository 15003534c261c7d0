"""In-process cost of a request against the raw cost of its SQL.

For each scenario, requests go through Django's test client in this process (whole middleware
stack, no network, no server). Three numbers per scenario, medians over the samples:
- `view_ms`: wall time of the request in process, queries not captured;
- `queries`: SQL statements per request (CaptureQueriesContext);
- `sql_ms`: the captured statements executed again straight on the psycopg cursor (execute +
  fetchall), i.e. what the database and the driver cost without the ORM, DRF or Django.
`view_to_sql` = view_ms / sql_ms is informative; the targets are x the floor (bench/run.py).
Writes (apply) run inside a rolled-back transaction, so their after-commit notification is not
included.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

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


def profile(
    requests: list[Request], *, samples: int = 60, warmup: int = 10, write: bool = False
) -> dict[str, Any]:
    client = Client(raise_request_exception=True)
    connection.ensure_connection()
    statuses: dict[int, int] = {}
    for request in requests[:warmup]:
        _timed(client, request, write=write)
    view_times, sql_times, counts = [], [], []
    chosen = requests[warmup : warmup + samples] or requests[:samples]
    for index in range(samples):
        request = chosen[index % len(chosen)]
        elapsed, response = _timed(client, request, write=write)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        view_times.append(elapsed)
        with CaptureQueriesContext(connection) as captured:
            _timed(client, request, write=write)
        statements = [
            q["sql"]
            for q in captured.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))
        ]
        counts.append(len(captured.captured_queries))
        sql_times.append(_raw_sql_ms(statements, write=write))
    view_ms = statistics.median(view_times)
    sql_ms = statistics.median(sql_times)
    return {
        "samples": samples,
        "statuses": statuses,
        "view_ms": round(view_ms, 3),
        "view_ms_p90": round(statistics.quantiles(view_times, n=10)[-1], 3),
        "sql_ms": round(sql_ms, 3),
        "queries": round(statistics.median(counts), 1),
        "queries_max": max(counts),
        # a request without SQL (the floor) has no ratio
        "view_to_sql": round(view_ms / sql_ms, 2) if max(counts) and sql_ms else None,
    }
