"""No credential of `/ws?token=…` / `?ticket=…` lands in a log (docs/RELIABILITY.md, "No
credential in a logged URL").

The real processes as we deploy them: nginx with `deploy/nginx.conf` (Debian's nginx; `.ci/run`
installs it), uvicorn with the `ws` command of `docker-compose.yml`, and `manage.py runserver`
(`make run`). Each gets requests carrying secrets in the query of `/ws`; their logs must hold
the requests but never the secrets.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from mwork.api.middleware import WebSocketQueryRedactFilter

BASE_DIR = Path(settings.BASE_DIR)
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)
SECRET_TICKET = "TICKETSECRET0a1b2c3d"
SECRET_TOKEN = "TOKENSECRET4e5f6a7b8"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, log: Path, timeout: float = 40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    pytest.fail(f"not listening on {port}:\n{log.read_text()[-3000:]}")


def _get(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - a local test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _handshake(port: int, query: str) -> None:
    """A WebSocket handshake on `/ws?<query>` (refused or accepted, either is fine here)."""
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            (
                f"GET /ws?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        with contextlib.suppress(OSError):
            connection.recv(4096)


# --- nginx ----------------------------------------------------------------------------------


def _nginx_config(tmp: Path, port: int, web_port: int, ws_port: int) -> Path:
    """deploy/nginx.conf as the proxy container includes it (inside `http {}`), with local
    upstreams, port and log paths."""
    site = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    site = site.replace("server web:8000", f"server 127.0.0.1:{web_port}")
    site = site.replace("server ws:8001", f"server 127.0.0.1:{ws_port}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("/var/log/nginx/", f"{tmp}/").replace("/srv/static/", f"{tmp}/static/")
    (tmp / "site.conf").write_text(site)
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = f"""
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/default-access.log;
{temp_paths}
    include {tmp}/site.conf;
}}
"""
    (tmp / "nginx.conf").write_text(main)
    return tmp / "nginx.conf"


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run installs nginx-light)")
def test_nginx_logs_ws_without_its_query_string(tmp_path):
    port, web_port, ws_port = _free_port(), _free_port(), _free_port()
    # Nothing listens on the upstreams: every request is a 502, which makes nginx write error
    # lines too — the other place a request line could leak.
    config = _nginx_config(tmp_path, port, web_port, ws_port)
    log = tmp_path / "nginx.out"
    nginx = subprocess.Popen(  # noqa: S603 - the system nginx with our test config
        [NGINX, "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_listening(port, nginx, log)
        base = f"http://127.0.0.1:{port}"
        for path in ("/ws", "//ws", "/ws/", "/wsx"):
            _get(f"{base}{path}?ticket={SECRET_TICKET}&token={SECRET_TOKEN}")
        _handshake(port, f"ticket={SECRET_TICKET}&token={SECRET_TOKEN}")
        _get(f"{base}/api/v1/castings?city=Almaty")
    finally:
        nginx.send_signal(signal.SIGQUIT)  # graceful: logs are flushed
        nginx.wait(timeout=10)

    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    lines = access.splitlines()
    assert len(lines) == 6, access
    ws_lines = [line for line in lines if '"GET /ws' in line]
    assert [re.search(r'"GET (\S+) HTTP/1.1" 502', line)[1] for line in ws_lines] == [
        "/ws",
        "/ws",  # //ws, normalized
        "/ws/",
        "/wsx",
        "/ws",  # the handshake
    ], access
    assert '"GET /api/v1/castings?city=Almaty HTTP/1.1" 502' in access  # others keep queries
    assert not (tmp_path / "default-access.log").read_text()
    for secret in (SECRET_TICKET, SECRET_TOKEN):
        assert secret not in access
        assert secret not in errors
    assert "/api/v1/castings" in errors  # error lines are written: /ws's are held back


# --- the servers -----------------------------------------------------------------------


def _compose_ws_command(port: int) -> list[str]:
    """The `ws` service's command from docker-compose.yml, on a local port, one worker."""
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    command = list(compose["services"]["ws"]["command"])
    assert command[0] == "uvicorn"
    for option, value in (("--host", "127.0.0.1"), ("--port", str(port)), ("--workers", "1")):
        command[command.index(option) + 1] = value
    return [sys.executable, "-m", *command]


def _dockerfile_web_command(port: int) -> list[str]:
    """The image's default command (gunicorn for /api and /admin), on a local port."""
    text = (BASE_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    command = json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)[1])
    assert command[0] == "gunicorn"
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    return [sys.executable, "-m", *command]


def _server_env(tmp: Path) -> dict[str, str]:
    # The embedded defaults: the handshakes below are refused before any query.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mwork.test_settings", "LOG_LEVEL": "INFO"}
    env["DATABASE_URL"] = f"sqlite:///{tmp}/db.sqlite3"
    env.pop("REDIS_URL", None)
    return env


def _runserver_command(port: int) -> list[str]:
    """`make run`'s server (daphne's runserver)."""
    return [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"{port}"]


SERVERS = {
    "uvicorn (compose ws)": _compose_ws_command,
    "runserver (make run)": _runserver_command,
    "gunicorn (Dockerfile web)": _dockerfile_web_command,
}


@pytest.mark.slow
def test_servers_do_not_log_ws_queries(tmp_path):
    started = {}
    statuses = {}
    try:
        for name, command_for in SERVERS.items():  # all at once: starting is the slow part
            port, log = _free_port(), tmp_path / f"{name.split()[0]}.log"
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and commands
                command_for(port),
                cwd=BASE_DIR,
                env=_server_env(tmp_path),
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            started[name] = (port, process, log)
        for name, (port, process, log) in started.items():
            _wait_listening(port, process, log)
            _handshake(port, f"token={SECRET_TOKEN}")
            _handshake(port, f"ticket={SECRET_TICKET}")
            # a plain GET, not upgraded: answered (404 from Django), so it was seen
            statuses[name] = _get(f"http://127.0.0.1:{port}/ws?token={SECRET_TOKEN}")
        time.sleep(0.5)
    finally:
        for _, process, _ in started.values():
            process.terminate()
        for _, process, _ in started.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    for name, (_, _, log) in started.items():
        output = log.read_text()
        assert statuses[name] == 404, f"{name}: {output}"
        if not name.startswith("gunicorn"):  # gunicorn writes no access log at all
            assert re.search(r"/ws\b", output), f"{name}: {output}"  # logged, but...
        assert SECRET_TOKEN not in output, f"{name}: {output}"  # ...without the credentials
        assert SECRET_TICKET not in output, f"{name}: {output}"


@pytest.mark.parametrize(
    ("message", "args", "logged"),
    [
        ('%s - "WebSocket %s" [accepted]', ("1.2.3.4:5", "/ws?token=abc"), "/ws"),
        ('%s - "WebSocket %s" 403', ("1.2.3.4:5", "/ws/?ticket=x&token=y"), "/ws/"),
        ("HTTP %(method)s %(path)s", {"method": "GET", "path": "/ws?token=abc"}, "/ws"),
    ],
)
def test_the_filter_drops_the_query_of_ws_only(message, args, logged):
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, message, args, None)
    untouched = logging.LogRecord(
        "uvicorn.error", logging.INFO, __file__, 1, "GET %s", ("/api/v1/castings?city=x",), None
    )

    WebSocketQueryRedactFilter().filter(record)
    WebSocketQueryRedactFilter().filter(untouched)

    assert "abc" not in record.getMessage()
    assert "?" not in record.getMessage()
    assert logged in record.getMessage()
    assert untouched.getMessage() == "GET /api/v1/castings?city=x"
