"""Redis down: the REST API keeps serving, health names what is down, WebSockets are refused
cleanly and work again when Redis returns (docs/RELIABILITY.md §3).

Failure directions (chosen, documented): the rate limiter fails OPEN (no limits while Redis is
away), the access-token denylist fails OPEN (a token logged out during the outage, or before it
with the entry lost, works until its own expiry, at most ACCESS_TOKEN_LIFETIME = 15 min; bans,
password resets and refresh-token reuse still revoke through `token_version` in PostgreSQL).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import requests
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.test import override_settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from accounts.tests.factories import UserFactory
from accounts.tokens import tokens_for_user
from chat.consumers import CLOSE_SERVICE_UNAVAILABLE
from notifications.realtime import user_group
from reliability.faults import PrivateRedis
from reliability.tests.conftest import needs_redis_server
from reliability.tests.servers import app_server, server_database_url

PASSWORD = "Str0ng-Passw0rd!"
WS_TIMEOUT = 10.0


@pytest.fixture
def dead_cache():
    """The default cache on a port where nothing listens, configured as in settings.py."""
    dead = PrivateRedis()  # reserved port, never started
    caches = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": dead.url,
            "KEY_PREFIX": "mwork",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": settings.CACHES["default"]
                .get("OPTIONS", {})
                .get("IGNORE_EXCEPTIONS", True),
            },
        }
    }
    with override_settings(CACHES=caches, RATELIMIT_ENABLE=True, RATELIMIT_AUTH="2/m"):
        yield


@pytest.mark.django_db
@pytest.mark.skipif(not settings.REDIS_URL, reason="production cache options apply with REDIS_URL")
def test_settings_make_the_cache_fail_open():
    assert settings.CACHES["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert settings.RATELIMIT_FAIL_OPEN is True


@pytest.mark.django_db
def test_rest_api_keeps_serving_and_the_rate_limiter_fails_open(dead_cache, api_client):
    user = UserFactory(email="down@example.kz")

    # RATELIMIT_AUTH is 2/m here: with the counters unreachable, 5 logins all pass.
    answers = [
        api_client.post(
            "/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json"
        )
        for _ in range(5)
    ]

    assert [answer.status_code for answer in answers] == [200] * 5
    token = answers[-1].json()["data"]["access_token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = api_client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["data"]["user"]["email"] == user.email
    assert api_client.get("/api/v1/castings").status_code == 200
    health = api_client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.json()["error"]["details"]["cache"] == ["down"]


@pytest.mark.django_db
def test_with_fail_open_off_an_unreachable_counter_refuses(dead_cache, api_client, settings):
    settings.RATELIMIT_FAIL_OPEN = False

    answer = api_client.post(
        "/api/v1/auth/login", {"email": "x@example.kz", "password": PASSWORD}, format="json"
    )

    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"


@pytest.mark.django_db
def test_the_denylist_fails_open_but_token_version_still_revokes(dead_cache, api_client):
    user = UserFactory()
    token = str(tokens_for_user(user).access_token)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert api_client.post("/api/v1/auth/logout", {}, format="json").status_code == 200
    # The denylist entry could not be written: the token works until it expires (documented).
    assert api_client.get("/api/v1/auth/me").status_code == 200

    # A ban (or password reset) bumps token_version in PostgreSQL: refused at once.
    user.token_version += 1
    user.save(update_fields=["token_version"])
    refused = api_client.get("/api/v1/auth/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "INVALID_TOKEN"


# --- a real server process (uvicorn, as /ws runs) on a private Redis, killed and restarted ----


async def _ws_pong(url: str) -> dict:
    async with connect(url, open_timeout=WS_TIMEOUT, close_timeout=2) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        return json.loads(await asyncio.wait_for(ws.recv(), WS_TIMEOUT))


async def _ws_refused_code(url: str) -> int | None:
    """Connect while the layer is down: the server must close quickly with a code."""
    try:
        async with connect(url, open_timeout=WS_TIMEOUT, close_timeout=2) as ws:
            await ws.send(json.dumps({"type": "ping"}))
            await asyncio.wait_for(ws.recv(), WS_TIMEOUT)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


async def _held_socket_closed_code(ws) -> int | None:
    try:
        await asyncio.wait_for(ws.recv(), WS_TIMEOUT)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


async def _frame_through_the_layer(url: str, redis_url: str, user_id) -> dict:
    """A frame group_sent from another process (this one) reaches the user's socket."""
    layer = RedisChannelLayer(hosts=[redis_url], prefix="mwork")
    async with connect(url, open_timeout=WS_TIMEOUT, close_timeout=2) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), WS_TIMEOUT)) == {"type": "pong"}
        frame = {"type": "notification", "notification": {"title": "back"}}
        await layer.group_send(user_group(user_id), {"type": "client.frame", "frame": frame})
        received = json.loads(await asyncio.wait_for(ws.recv(), WS_TIMEOUT))
    await layer.flush()
    return received


@pytest.mark.slow
@pytest.mark.timeout(90)
@pytest.mark.django_db(transaction=True)
@needs_redis_server
def test_real_server_while_redis_is_killed_and_restarted(private_redis):
    user = UserFactory(email="ws@example.kz")
    token = str(tokens_for_user(user).access_token)
    private_redis.start()
    with app_server(database_url=server_database_url(), redis_url=private_redis.url) as server:
        base = f"http://127.0.0.1:{server.port}"
        ws_url = f"ws://127.0.0.1:{server.port}/ws?token={token}"
        auth = {"Authorization": f"Bearer {token}"}

        async def scenario() -> dict:
            results: dict = {"pong_before": await _ws_pong(ws_url)}
            held = await connect(ws_url, open_timeout=WS_TIMEOUT, close_timeout=2)
            await held.send(json.dumps({"type": "ping"}))
            await asyncio.wait_for(held.recv(), WS_TIMEOUT)

            private_redis.kill()
            started = time.monotonic()
            results["held_code"] = await _held_socket_closed_code(held)
            results["held_seconds"] = time.monotonic() - started
            started = time.monotonic()
            results["refused_code"] = await _ws_refused_code(ws_url)
            results["refused_seconds"] = time.monotonic() - started

            loop = asyncio.get_running_loop()
            results["rest_down"] = [
                await loop.run_in_executor(
                    None, lambda p=path: requests.get(base + p, headers=auth, timeout=10)
                )
                for path in ("/api/v1/auth/me", "/api/v1/castings", "/api/v1/health")
            ]

            private_redis.start()  # same port
            results["pong_after"] = await _ws_pong(ws_url)
            results["frame_after"] = await _frame_through_the_layer(
                ws_url, private_redis.url, user.id
            )
            results["health_after"] = await loop.run_in_executor(
                None, lambda: requests.get(base + "/api/v1/health", timeout=10)
            )
            return results

        results = asyncio.run(asyncio.wait_for(scenario(), 60))
        log = server.log_tail()

    assert results["pong_before"] == {"type": "pong"}
    # Redis killed: the open socket is closed with 4503 at once, a new one too; no hang.
    assert results["held_code"] == CLOSE_SERVICE_UNAVAILABLE, log
    assert results["held_seconds"] < 5
    assert results["refused_code"] == CLOSE_SERVICE_UNAVAILABLE, log
    assert results["refused_seconds"] < 5
    me, castings, health = results["rest_down"]
    assert me.status_code == 200, me.text
    assert me.json()["data"]["user"]["email"] == "ws@example.kz"
    assert castings.status_code == 200, castings.text
    assert health.status_code == 503
    error = health.json()["error"]
    assert "cache" in error["message"] and "channel_layer" in error["message"]
    assert error["details"] == {"database": ["ok"], "cache": ["down"], "channel_layer": ["down"]}
    # Redis back on the same port: the very first socket works, group frames arrive again.
    assert results["pong_after"] == {"type": "pong"}
    assert results["frame_after"]["notification"] == {"title": "back"}
    assert results["health_after"].status_code == 200
