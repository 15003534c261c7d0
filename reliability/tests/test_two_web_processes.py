"""Two server processes behind one address share what must be global (docs/SCALING.md): the
rate limits and a logout are held in Redis, so a client alternating between processes gets
no more calls than from one, and a token logged out on one is refused by the other. (Chat
across processes: chat/tests/test_two_processes.py.)"""

from __future__ import annotations

import contextlib
import time

import pytest
import requests

from accounts.tests.factories import UserFactory
from accounts.tokens import tokens_for_user
from reliability.tests.conftest import needs_redis_server
from reliability.tests.servers import app_server, server_database_url


def _start_of_a_window() -> None:
    """Rate limits count in fixed minute windows: start a burst with 20 s of its window ahead
    (the servers' clocks, unlike the test's, cannot be frozen)."""
    second = time.time() % 60
    if second > 40:
        time.sleep(60 - second + 0.5)


@pytest.mark.slow
@pytest.mark.timeout(90)
@pytest.mark.django_db(transaction=True)
@needs_redis_server
def test_rate_limits_and_logout_hold_across_processes(private_redis):
    user = UserFactory(email="two@example.kz")
    token = str(tokens_for_user(user).access_token)
    private_redis.start()
    limits = {"RATELIMIT_ENABLE": "1", "RATELIMIT_AUTH": "4/m"}
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                app_server(
                    database_url=server_database_url(),
                    redis_url=private_redis.url,
                    extra_env=limits,
                )
            )
            for _ in range(2)
        ]
        bases = [f"http://127.0.0.1:{server.port}/api/v1" for server in servers]
        auth = {"Authorization": f"Bearer {token}"}
        before = [requests.get(f"{base}/auth/me", headers=auth, timeout=10) for base in bases]
        logout = requests.post(f"{bases[0]}/auth/logout", json={}, headers=auth, timeout=10)
        after = requests.get(f"{bases[1]}/auth/me", headers=auth, timeout=10)
        # Wrong passwords, alternating between the processes, inside one fixed minute window.
        _start_of_a_window()
        logins = [
            requests.post(
                f"{bases[attempt % 2]}/auth/login",
                json={"email": user.email, "password": "wrong-password-1"},
                timeout=10,
            ).status_code
            for attempt in range(6)
        ]

    assert [answer.status_code for answer in before] == [200, 200]
    assert logout.status_code == 200
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "INVALID_TOKEN"
    # 4 a minute from one address, counted together whichever process answers.
    assert logins == [401] * 4 + [429, 429]
