"""The serving setups under test, started the way production starts them (Dockerfile).

Each server runs with DEBUG off and production settings; the bench only adds what a reverse
proxy would (`X-Forwarded-Proto: https` on every request) and raises the rate limits so the
counters still run but never refuse the load generator.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CPUS = os.cpu_count() or 2


@dataclass(frozen=True)
class ServerSpec:
    name: str
    kind: str  # "wsgi" or "asgi"
    argv: tuple[str, ...]
    pool: bool  # psycopg pool (ASGI) instead of persistent connections (WSGI)
    description: str


def specs(port: int) -> dict[str, ServerSpec]:
    bind = f"127.0.0.1:{port}"
    sync_workers = 2 * CPUS + 1  # gunicorn's own rule of thumb
    return {
        "gunicorn-sync": ServerSpec(
            "gunicorn-sync",
            "wsgi",
            (
                str(BIN / "gunicorn"),
                "mwork.wsgi:application",
                "-b",
                bind,
                "-k",
                "sync",
                "-w",
                str(sync_workers),
                "--backlog",
                "2048",
            ),
            False,
            f"gunicorn {sync_workers} sync workers (WSGI)",
        ),
        "gunicorn-gthread": ServerSpec(
            "gunicorn-gthread",
            "wsgi",
            (
                str(BIN / "gunicorn"),
                "mwork.wsgi:application",
                "-b",
                bind,
                "-k",
                "gthread",
                "-w",
                str(CPUS + 1),
                "--threads",
                "4",
                "--backlog",
                "2048",
            ),
            False,
            f"gunicorn {CPUS + 1} gthread workers x 4 threads (WSGI)",
        ),
        "uvicorn": ServerSpec(
            "uvicorn",
            "asgi",
            (
                str(BIN / "uvicorn"),
                "mwork.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(CPUS),
                "--no-access-log",
                "--log-level",
                "warning",
                "--backlog",
                "4096",
            ),
            True,
            f"uvicorn {CPUS} workers, uvloop + httptools (ASGI)",
        ),
        "uvicorn-x2": ServerSpec(
            "uvicorn-x2",
            "asgi",
            (
                str(BIN / "uvicorn"),
                "mwork.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(2 * CPUS),
                "--no-access-log",
                "--log-level",
                "warning",
                "--backlog",
                "4096",
            ),
            True,
            f"uvicorn {2 * CPUS} workers, uvloop + httptools (ASGI)",
        ),
        "daphne": ServerSpec(
            "daphne",
            "asgi",
            (
                str(BIN / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "-v",
                "0",
                "mwork.asgi:application",
            ),
            True,
            "daphne, one process (ASGI)",
        ),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(*, database_url: str, redis_url: str, pool: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mwork.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-" + "x" * 50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ROBOKASSA_SIMULATOR": "1",
        # DEBUG off with the checkout simulator: allowed only for a declared non-production run.
        "MWORK_NON_PRODUCTION": "1",
        "LOG_LEVEL": "WARNING",
        # The counters run on every request; the limits are out of the load generator's reach.
        "RATELIMIT_API": "100000000/m",
        "RATELIMIT_CHAT_MESSAGE": "100000000/m",
        "DB_POOL": "1" if pool else "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_DEBUG_TOOLBAR", None)
    return env


class Server:
    def __init__(self, spec: ServerSpec, port: int, env: dict[str, str], log_path: Path):
        self.spec = spec
        self.port = port
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own argv
            self.spec.argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.spec.name} exited at start-up:\n{self.log_path.read_text()[-3000:]}"
                )
            try:
                request = urllib.request.Request(  # noqa: S310 - loopback
                    f"{self.base_url}/api/v1/health", headers={"X-Forwarded-Proto": "https"}
                )
                with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.spec.name} did not answer /api/v1/health in {timeout} s")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server's process group (master and workers)."""
        if self.process is None:
            return 0.0
        total = 0
        pgid = self.process.pid
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:  # field 5 of stat: process group
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class Worker(Server):
    """The Celery worker as production runs it (docker-compose.yml), for the WebSocket steps:
    chat's `new_message` notifications are made there, and its CPU counts as the server's."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int = 2):
        spec = ServerSpec(
            "celery-worker",
            "worker",
            (
                str(BIN / "celery"),
                "-A",
                "mwork",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                str(concurrency),
                "--without-gossip",
                "--without-mingle",
            ),
            False,
            f"celery worker, {concurrency} processes",
        )
        super().__init__(spec, 0, env, log_path)

    def start(self, timeout: float = 60.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own argv
            self.spec.argv,
            cwd=ROOT,
            env={**self.env, "CELERY_TASK_ALWAYS_EAGER": "0"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        time.sleep(3)  # its processes fork and connect; the first task waits in Redis anyway
        if self.process.poll() is not None:
            raise RuntimeError(f"celery worker exited:\n{self.log_path.read_text()[-3000:]}")
