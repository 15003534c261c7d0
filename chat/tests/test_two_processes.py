"""Scale-out proof: two real daphne processes share the Redis channel layer.

A message sent over a socket held by process A reaches a socket held by process B. Both
processes use the test database pytest-django created (the test runs with committed
transactions) and the same REDIS_URL.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from accounts.tokens import tokens_for_user

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL) for the layer"),
]

BASE_DIR = Path(settings.BASE_DIR)
START_TIMEOUT = 40.0
FRAME_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _test_database_url() -> str:
    """A DATABASE_URL for the database this test runs in (pytest-django's test database)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        return f"postgres://{credentials}@{host}/{db['NAME']}"
    name = str(db["NAME"])
    if connection.vendor != "sqlite" or "memory" in name:
        pytest.skip("the test database must be reachable from another process")
    return f"sqlite:///{name}"


def _wait_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"daphne on {port} exited:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"daphne on {port} did not start:\n{log.read_text()[-3000:]}")


async def _next_message(ws, timeout: float = FRAME_TIMEOUT) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), deadline - loop.time()))
        if frame["type"] == "message":
            return frame


async def _converse(url_a: str, url_b: str, room_id: str) -> tuple[dict, dict, dict]:
    from websockets.asyncio.client import connect

    async with connect(url_a) as on_a, connect(url_b) as on_b:
        for ws in (on_a, on_b):  # both sockets are in their groups once they answer
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT)) == {"type": "pong"}

        await on_a.send(
            json.dumps(
                {"type": "message", "room_id": room_id, "content": "Across", "client_id": "a1"}
            )
        )
        ack_on_a = await _next_message(on_a)
        received_on_b = await _next_message(on_b)

        await on_b.send(json.dumps({"type": "message", "room_id": room_id, "content": "Back"}))
        received_on_a = await _next_message(on_a)
    return ack_on_a, received_on_b, received_on_a


def test_a_message_sent_through_process_a_reaches_a_socket_on_process_b(room, employer, model_user):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mwork.test_settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DB_CONN_MAX_AGE": "0",
    }
    ports = [_free_port(), _free_port()]
    processes: list[subprocess.Popen] = []
    logs: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for port in ports:
                log = Path(tmp) / f"daphne-{port}.log"
                logs.append(log)
                processes.append(
                    subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                        [
                            sys.executable,
                            "-m",
                            "daphne",
                            "-b",
                            "127.0.0.1",
                            "-p",
                            str(port),
                            "mwork.asgi:application",
                        ],
                        cwd=BASE_DIR,
                        env=env,
                        stdout=log.open("w"),
                        stderr=subprocess.STDOUT,
                    )
                )
            for port, process, log in zip(ports, processes, logs, strict=True):
                _wait_listening(port, process, log)

            employer_token = str(tokens_for_user(employer).access_token)
            model_token = str(tokens_for_user(model_user).access_token)
            ack, on_b, on_a = asyncio.run(
                _converse(
                    f"ws://127.0.0.1:{ports[0]}/ws?token={employer_token}",
                    f"ws://127.0.0.1:{ports[1]}/ws?token={model_token}",
                    str(room.id),
                )
            )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

    assert processes[0].pid != processes[1].pid
    assert ack["client_id"] == "a1"
    assert ack["message"]["sender_id"] == str(employer.id)
    assert on_b["message"] == ack["message"]
    assert "client_id" not in on_b
    assert on_a["message"]["content"] == "Back"
    assert on_a["message"]["sender_id"] == str(model_user.id)
    assert room.messages.count() == 2
