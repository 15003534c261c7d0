"""A Redis that hangs (SIGSTOP) instead of dying costs a request about a second at most.

A killed Redis refuses connections at once; a stopped one accepts them (the kernel completes
the handshake) and never answers, which is what a stalled host or a network partition looks
like. Every Redis command on a request path has a deadline (REDIS_COMMAND_TIMEOUT: cache, rate
counters, the token denylist, channel-layer sends and group_add, Celery publishing), so while
Redis is paused requests answer — degraded, never stalled — and the server's threads stay free.
docs/RELIABILITY.md, "Redis that hangs".
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from accounts.tokens import tokens_for_user
from castings.models import Casting, Response
from castings.tests.factories import CastingFactory, EmployerProfileFactory, ModelProfileFactory
from chat.consumers import CLOSE_SERVICE_UNAVAILABLE
from reliability.tests.conftest import needs_redis_server
from reliability.tests.servers import app_server, server_database_url

PAUSE_SECONDS = 5.0
# The promise is "about a second"; the margin covers a loaded 2-core CI machine.
REQUEST_BUDGET_SECONDS = 1.5


def _bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens_for_user(user).access_token}"}


async def _handshake_while_paused(url: str) -> tuple[int | None, float]:
    started = time.monotonic()
    try:
        async with connect(url, open_timeout=10, close_timeout=2) as ws:
            await ws.send(json.dumps({"type": "ping"}))
            await asyncio.wait_for(ws.recv(), 10)
    except ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else None), time.monotonic() - started
    return None, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True)
@needs_redis_server
def test_requests_stay_bounded_while_redis_hangs(private_redis):
    employer = EmployerProfileFactory().user
    casting = CastingFactory(owner=employer)
    models = [ModelProfileFactory().user for _ in range(40)]
    private_redis.start()
    extra_env = {"TEST_CELERY_EAGER": "0"}  # publish to the (paused) broker as production does
    with app_server(
        database_url=server_database_url(), redis_url=private_redis.url, extra_env=extra_env
    ) as server:
        base = f"http://127.0.0.1:{server.port}/api/v1"
        session = requests.Session()
        assert session.get(f"{base}/health", timeout=10).status_code == 200

        timings: list[tuple[str, int, float]] = []
        lock = threading.Lock()
        next_model = iter(models)

        def call(name: str, method: str, path: str, **kwargs) -> None:
            started = time.monotonic()
            try:
                status = requests.request(method, base + path, timeout=10, **kwargs).status_code
            except requests.RequestException:
                status = -1  # a client-side timeout: the server stalled
            with lock:
                timings.append((name, status, time.monotonic() - started))

        def one_round() -> None:
            call("health", "GET", "/health")
            call("me", "GET", "/auth/me", headers=_bearer(employer))
            call("castings", "GET", "/castings")
            with lock:
                model = next(next_model, None)
            if model is not None:
                call(
                    "apply",  # notifies the owner: a group_send and an outbox publish
                    "POST",
                    f"/castings/{casting.id}/responses",
                    json={"message": "Available all week."},
                    headers=_bearer(model),
                )

        private_redis.pause()
        try:
            paused_at = time.monotonic()
            ws_url = (
                f"ws://127.0.0.1:{server.port}/ws?token={tokens_for_user(models[-1]).access_token}"
            )
            handshake = asyncio.run(_handshake_while_paused(ws_url))
            with ThreadPoolExecutor(max_workers=4) as pool:
                while time.monotonic() - paused_at < PAUSE_SECONDS:
                    list(pool.map(lambda _: one_round(), range(4)))
        finally:
            private_redis.resume()

        recovered = [session.get(f"{base}/health", timeout=10) for _ in range(2)]
        log = server.log_tail()

    slowest = max(timings, key=lambda timing: timing[2])
    assert slowest[2] <= REQUEST_BUDGET_SECONDS, (slowest, log)
    statuses = {name: {status for n, status, _ in timings if n == name} for name, *_ in timings}
    assert statuses["health"] == {503}, log  # says what is down, promptly
    assert statuses["me"] == {200}, log  # the denylist fails open (docs/RELIABILITY.md)
    assert statuses["castings"] == {200}, log
    assert statuses["apply"] == {201}, log
    # Every acknowledged application is stored; none was stored twice.
    applied = sum(1 for name, status, _ in timings if name == "apply" and status == 201)
    assert Response.objects.filter(casting=casting).count() == applied
    assert Casting.objects.filter(pk=casting.pk).exists()
    # A socket opened during the pause is refused with 4503 quickly instead of hanging.
    code, seconds = handshake
    assert code == CLOSE_SERVICE_UNAVAILABLE, log
    assert seconds <= REQUEST_BUDGET_SECONDS * 2, log
    assert recovered[-1].status_code == 200, log
