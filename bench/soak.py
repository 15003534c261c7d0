"""`make soak` / `python -m bench.soak`: a long run of mixed traffic against real processes.

What runs (the production topology of the Dockerfile and docker-compose.yml, DEBUG off):
- `web_http`: gunicorn gthread, 3 workers x 4 threads, `--max-requests 5000` (the Dockerfile's
  command, WEB_CONCURRENCY=3) for /api, persistent connections; `web_ws`: uvicorn with
  DB_POOL=1 for /ws (compose's `ws` service). `--topology daphne`: one daphne process for both
  (what `make run` serves with; DB_POOL as `--db-pool`);
- `worker`: a Celery worker (prefork, 2 children) consuming the tasks the traffic queues;
- a private `redis-server` on a free port (cache, channel layer, broker), so `INFO clients`
  counts only this run; PostgreSQL is DATABASE_URL (its own database: `pg_stat_activity` is
  filtered by database name).

Traffic, for `--duration` seconds:
- HTTP: `--http-concurrency` threads, `--http-rate` requests/s in total, a weighted mix of
  catalogue lists, details, /auth/me, notifications, chat lists and writes (REST chat messages,
  notifications read-all) with the tokens of seeded users. Every answer must be 2xx.
- WebSocket: `--sockets` sockets (two per chat room) stay open the whole run; `--msg-rate`
  chat messages/s are sent over them; every message must come back to its sender (the
  acknowledgement) and reach the other member. No socket may close.

Every `--sample-every` seconds: RSS of every process (web master and workers, Celery master
and children, redis-server), connections to the soak database in `pg_stat_activity`, and
`connected_clients` of the private Redis. At the end: `soak-<stamp>.json` (all samples and
figures), `soak-<stamp>.png` (the curves; matplotlib) and a markdown summary in `--out`.

Pass (exit 0) when: no HTTP error, no WebSocket message lost, no socket closed, RSS of each
process group flat (end of run within 10 % + 16 MiB of its value after warm-up), the PostgreSQL
connections of the second half never above their warm-up peak or the configured cap (pool size
+ worker processes), and the Redis clients of the
second half within 10 % of theirs (pool high-water marks; `redis_clients_detail` in the JSON
attributes every client to its process and last command).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import itertools
import json
import logging
import math
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reliability.faults import (  # noqa: E402
    PrivateRedis,
    ServerProcess,
    child_pids,
    free_port,
    rss_kib,
    running,
    server_command,
    wait_http_ok,
    wait_port,
)

SOAK_DOMAIN = "soak.mwork.kz"
GUNICORN_WORKERS = 3  # the Dockerfile's WEB_CONCURRENCY
logger = logging.getLogger("bench.soak")
MIB = 1024


@dataclass
class SoakConfig:
    duration: float = 600.0
    sockets: int = 500
    http_concurrency: int = 8
    http_rate: float = 40.0
    msg_rate: float = 5.0
    sample_every: float = 5.0
    warmup_fraction: float = 0.2
    topology: str = "compose"  # or "daphne"
    # daphne (ASGI) with the psycopg pool, as settings.py prescribes for ASGI servers. Without
    # it every request thread opens its own connection (measured in docs/RELIABILITY.md).
    db_pool: bool = True
    worker: bool = True
    database_url: str = ""
    secret_key: str = ""
    out: Path | None = None
    settings_module: str = "mwork.settings"
    castings: int = 40
    drain_seconds: float = 3.0
    chart: bool = True


@dataclass
class Counters:
    http_ok: int = 0
    http_errors: list[dict] = field(default_factory=list)
    ws_sent: int = 0
    ws_acks: int = 0
    ws_delivered: int = 0
    ws_connect_failures: int = 0
    ws_unexpected_closes: list[dict] = field(default_factory=list)
    ws_error_frames: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


# --- seed ----------------------------------------------------------------------------------------


def seed(*, pairs: int, castings: int) -> dict[str, Any]:
    """Soak users (PRO employers and models, two per chat room), castings and rooms; reused when
    they exist. Runs in the driver's Django (configured by the caller)."""
    from django.utils import timezone

    from accounts.models import User
    from billing.services import subscription_grant
    from castings.models import Casting, CastingStatus
    from chat.services import chat_room_get_or_create
    from profiles.models import EmployerProfile, ModelProfile

    def employer_profile(user: Any, index: int) -> None:
        EmployerProfile.objects.create(user=user, company_name=f"Studio {index}", city="Almaty")

    def model_profile(user: Any, index: int) -> None:
        ModelProfile.objects.create(
            user=user,
            name=f"Model Number {index}",
            age=24,
            gender="female",
            height=175,
            city="Almaty",
            experience="intermediate",
            categories=["fashion"],
        )

    employers, models_ = [], []
    for index in range(pairs):
        for role, bucket, make_profile in (
            ("employer", employers, employer_profile),
            ("model", models_, model_profile),
        ):
            email = f"{role}-{index}@{SOAK_DOMAIN}"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, None, role=role, email_verified=True)
                make_profile(user, index)
                subscription_grant(user=user, plan_name="PRO", days=30)
            bucket.append(user)
    owned = list(Casting.objects.filter(owner__email__endswith=f"@{SOAK_DOMAIN}")[:castings])
    owned += [
        Casting.objects.create(
            owner=employers[index % len(employers)],
            title=f"Casting call {index}",
            description="Looking for models for a photo shoot.",
            category="fashion",
            city="Almaty",
            address="Dostyk Avenue 123",
            shoot_date=timezone.now() + timedelta(days=10),
            duration_days=1,
            pay_min=50000,
            pay_max=100000,
            status=CastingStatus.ACTIVE,
        )
        for index in range(len(owned), castings)
    ]
    rooms = []
    for employer, model in zip(employers, models_, strict=True):
        room, _ = chat_room_get_or_create(actor=employer, participant_id=model.id)
        rooms.append((str(room.id), employer, model))
    profile_ids = [str(model.model_profile.id) for model in models_[:50]]
    return {
        "rooms": rooms,
        "users": employers + models_,
        "casting_ids": [str(casting.id) for casting in owned],
        "profile_ids": profile_ids,
    }


def access_token(user) -> str:
    from accounts.tokens import tokens_for_user

    return str(tokens_for_user(user).access_token)


# --- processes -----------------------------------------------------------------------------------


def server_env(config: SoakConfig, redis_url: str, *, pool: bool) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": config.settings_module,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": config.secret_key,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "ROBOKASSA_SIMULATOR": "1",
        # DEBUG off with the checkout simulator: allowed only for a declared non-production run.
        "MWORK_NON_PRODUCTION": "1",
        "DATABASE_URL": config.database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        # The counters still run on every request; the limits are out of the driver's reach.
        "RATELIMIT_API": "100000000/m",
        "RATELIMIT_AUTH": "100000000/m",
        "RATELIMIT_CHAT_MESSAGE": "100000000/m",
        "DB_POOL": "1" if pool else "0",
        "PYTHONUNBUFFERED": "1",
    }


def processes(config: SoakConfig, redis_url: str, log_dir: Path) -> dict[str, ServerProcess]:
    """name → process (not started). `web_http`/`web_ws` may be the same process."""
    procs: dict[str, ServerProcess] = {}
    if config.topology == "daphne":
        # `make run`'s server: `daphne mwork.asgi:application` for HTTP and WebSockets.
        port = free_port()
        web = ServerProcess(
            server_command("daphne", port),
            port=port,
            env=server_env(config, redis_url, pool=config.db_pool),
            log_dir=log_dir,
        )
        procs["web"] = web
    elif config.topology == "compose":
        http_port, ws_port = free_port(), free_port()
        procs["web_http"] = ServerProcess(
            server_command("gunicorn", http_port, workers=GUNICORN_WORKERS),
            port=http_port,
            env=server_env(config, redis_url, pool=False),
            log_dir=log_dir,
        )
        procs["web_ws"] = ServerProcess(
            server_command("uvicorn", ws_port),
            port=ws_port,
            env=server_env(config, redis_url, pool=True),
            log_dir=log_dir,
        )
    else:
        raise ValueError(f"unknown topology {config.topology!r}")
    if config.worker:
        procs["worker"] = ServerProcess(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mwork",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "2",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            port=0,
            env=server_env(config, redis_url, pool=False),
            log_dir=log_dir,
        )
    return procs


def start_worker(proc: ServerProcess, timeout: float = 40) -> None:
    """A worker listens on no port: started when its log says it is ready."""
    import subprocess

    proc._log = proc.log_path.open("w")
    proc.process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
        proc.command,
        cwd=ROOT,
        env=proc.env,
        stdout=proc._log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"celery worker exited:\n{proc.log_tail()}")
        if "ready" in proc.log_tail(20000).lower():
            return
        if len(child_pids(proc.process.pid)) >= 2:  # prefork children are up
            time.sleep(0.5)
            return
        time.sleep(0.2)
    raise TimeoutError(f"celery worker not ready in {timeout} s:\n{proc.log_tail()}")


# --- sampling ------------------------------------------------------------------------------------


def pg_connections(database_url: str, sampler) -> int:
    name = urlsplit(database_url).path.lstrip("/")
    with sampler.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        return int(cursor.fetchone()[0])


def redis_clients(client) -> int:
    return int(client.info("clients")["connected_clients"]) - 1  # minus this sampler


def _tcp_inode_ports() -> dict[str, int]:
    """socket inode → local TCP port, for every IPv4/IPv6 socket of this network namespace."""
    ports: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                ports[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    return ports


def redis_clients_by_process(client, procs: dict) -> dict[str, Any]:
    """Who holds the Redis connections: per process group, and by last command."""
    inode_ports = _tcp_inode_ports()
    owner_of_port: dict[int, str] = {}
    for name, proc in procs.items():
        for pid in proc.pids():
            with contextlib.suppress(OSError):
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    with contextlib.suppress(OSError):
                        target = os.readlink(fd)
                        if target.startswith("socket:["):
                            port = inode_ports.get(target[8:-1])
                            if port:
                                owner_of_port[port] = name
    by_owner: dict[str, int] = {}
    by_command: dict[str, int] = {}
    for entry in client.client_list():
        if entry.get("cmd") == "client|list":
            continue
        port = int(str(entry.get("addr", ":0")).rsplit(":", 1)[1])
        owner = owner_of_port.get(port, "other")
        by_owner[owner] = by_owner.get(owner, 0) + 1
        command = f"{owner}:{entry.get('cmd')}"
        by_command[command] = by_command.get(command, 0) + 1
    return {"by_owner": by_owner, "by_command": by_command}


class Sampler(threading.Thread):
    def __init__(self, config: SoakConfig, procs: dict, redis_server, redis_url: str, counters):
        super().__init__(daemon=True, name="soak-sampler")
        self.config = config
        self.procs = procs
        self.redis_server = redis_server
        self.redis_url = redis_url
        self.counters = counters
        self.samples: list[dict[str, Any]] = []
        self.stop_event = threading.Event()
        self.started_at = time.monotonic()

    def sample(self, pg, redis_client) -> None:
        rss: dict[str, int] = {}
        for name, proc in self.procs.items():
            if proc.process is None:
                continue
            values = [rss_kib(pid) for pid in proc.pids()]
            rss[name] = sum(v for v in values if v)
            rss[f"{name}.processes"] = sum(1 for v in values if v)
        if self.redis_server is not None and self.redis_server.process is not None:
            rss["redis"] = rss_kib(self.redis_server.process.pid) or 0
        with self.counters.lock:
            counts = {
                "http_ok": self.counters.http_ok,
                "http_errors": len(self.counters.http_errors),
                "ws_sent": self.counters.ws_sent,
                "ws_delivered": self.counters.ws_delivered,
                "ws_acks": self.counters.ws_acks,
            }
        self.samples.append(
            {
                "t": round(time.monotonic() - self.started_at, 2),
                "rss_kib": rss,
                "pg_connections": pg_connections(self.config.database_url, pg),
                "redis_clients": redis_clients(redis_client),
                "redis_clients_detail": redis_clients_by_process(redis_client, self.procs),
                **counts,
            }
        )

    def run(self) -> None:
        import psycopg
        import redis

        url = urlsplit(self.config.database_url)
        pg = psycopg.connect(
            host=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password or None,
            dbname="postgres",
            autocommit=True,
        )
        redis_client = redis.Redis.from_url(self.redis_url, socket_timeout=5)
        try:
            while True:
                self.sample(pg, redis_client)
                if self.stop_event.wait(self.config.sample_every):
                    break
            self.sample(pg, redis_client)
        finally:
            pg.close()
            redis_client.close()


# --- HTTP traffic --------------------------------------------------------------------------------


def http_requests(world: dict, tokens: dict[str, str]) -> list[tuple[int, Any]]:
    """(weight, factory() -> (method, path, token, body, expected statuses))."""
    users = world["users"]
    rooms = world["rooms"]
    casting_ids = world["casting_ids"]
    profile_ids = world["profile_ids"]
    counter = itertools.count()

    def token_of(user) -> str:
        return tokens[str(user.id)]

    def any_user():
        return random.choice(users)

    return [
        (20, lambda: ("GET", "/api/v1/castings?city=Almaty", token_of(any_user()), None)),
        (10, lambda: ("GET", f"/api/v1/castings/{random.choice(casting_ids)}", None, None)),
        (15, lambda: ("GET", "/api/v1/profiles/models?city=Almaty", None, None)),
        (10, lambda: ("GET", f"/api/v1/profiles/models/{random.choice(profile_ids)}", None, None)),
        (10, lambda: ("GET", "/api/v1/auth/me", token_of(any_user()), None)),
        (8, lambda: ("GET", "/api/v1/notifications", token_of(any_user()), None)),
        (8, lambda: ("GET", "/api/v1/chat/rooms", token_of(any_user()), None)),
        (
            6,
            lambda: (
                lambda room: (
                    "GET",
                    f"/api/v1/chat/rooms/{room[0]}/messages?limit=20",
                    token_of(room[1]),
                    None,
                )
            )(random.choice(rooms)),
        ),
        (
            4,
            lambda: (
                lambda room: (
                    "POST",
                    f"/api/v1/chat/rooms/{room[0]}/messages",
                    token_of(room[2]),
                    {"content": f"rest soak {next(counter)}"},
                )
            )(random.choice(rooms)),
        ),
        (3, lambda: ("POST", "/api/v1/notifications/read-all", token_of(any_user()), {})),
        (2, lambda: ("GET", "/api/v1/health", None, None)),
    ]


def http_worker(port: int, mix, counters: Counters, stop: threading.Event, interval: float):
    weights = [weight for weight, _ in mix]
    factories = [factory for _, factory in mix]
    conn: http.client.HTTPConnection | None = None
    next_at = time.monotonic() + random.random() * interval
    while not stop.is_set():
        delay = next_at - time.monotonic()
        if delay > 0 and stop.wait(delay):
            break
        next_at = max(next_at + interval, time.monotonic() - interval)
        method, path, token, body = random.choices(factories, weights)[0]()
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(method, path, body=payload, headers=headers)
            answer = conn.getresponse()
            content = answer.read()
            status = answer.status
        except (OSError, http.client.HTTPException) as error:
            status, content = 0, repr(error).encode()
            if conn is not None:
                conn.close()
            conn = None
        with counters.lock:
            if 200 <= status < 300:
                counters.http_ok += 1
            else:
                body_text = content[:300].decode("utf-8", "replace")
                counters.http_errors.append(
                    {"method": method, "path": path, "status": status, "body": body_text}
                )
    if conn is not None:
        conn.close()


# --- WebSocket traffic ---------------------------------------------------------------------------


async def websocket_traffic(
    *,
    port: int,
    world: dict,
    tokens: dict[str, str],
    config: SoakConfig,
    counters: Counters,
    stop: threading.Event,
    ready: threading.Event,
) -> dict[str, Any]:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    rooms = world["rooms"][: config.sockets // 2]
    expected: dict[str, set[str]] = {}  # client_id -> user ids still to receive it
    run_tag = f"{time.time_ns():x}"  # client_ids unique across runs: a reused one is a resend
    gate = asyncio.Semaphore(50)
    sockets: dict[str, Any] = {}
    closing = False

    async def open_socket(user) -> None:
        url = f"ws://127.0.0.1:{port}/ws?token={tokens[str(user.id)]}"
        async with gate:
            for attempt in range(3):
                try:
                    ws = await connect(url, open_timeout=20, close_timeout=5, max_queue=None)
                    sockets[str(user.id)] = ws
                    return
                except (TimeoutError, OSError, ConnectionClosed):
                    await asyncio.sleep(0.5 * (attempt + 1))
            with counters.lock:
                counters.ws_connect_failures += 1

    async def reader(user_id: str, ws) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    content = frame.get("message", {}).get("content", "")
                    if not content.startswith("ws soak "):
                        continue
                    key = content.removeprefix("ws soak ")
                    waiting = expected.get(key)
                    if waiting is not None and user_id in waiting:
                        waiting.discard(user_id)
                        with counters.lock:
                            if frame.get("client_id") == key:
                                counters.ws_acks += 1
                            else:
                                counters.ws_delivered += 1
                elif kind == "error":
                    with counters.lock:
                        counters.ws_error_frames.append(frame)
        except ConnectionClosed as closed:
            if not closing:
                with counters.lock:
                    counters.ws_unexpected_closes.append(
                        {"user": user_id, "code": closed.rcvd.code if closed.rcvd else None}
                    )

    users = [user for _, employer, model in rooms for user in (employer, model)]
    await asyncio.gather(*(open_socket(user) for user in users))
    readers = [asyncio.create_task(reader(uid, ws)) for uid, ws in sockets.items()]
    ready.set()

    sequence = itertools.count()
    interval = 1.0 / config.msg_rate if config.msg_rate > 0 else None
    started = time.monotonic()
    while interval and not stop.is_set():
        index = next(sequence)
        room_id, employer, model = rooms[index % len(rooms)]
        sender, recipient = (employer, model) if index % 2 == 0 else (model, employer)
        ws = sockets.get(str(sender.id))
        if ws is not None and str(recipient.id) in sockets:
            key = f"{run_tag}-{index}"
            expected[key] = {str(sender.id), str(recipient.id)}
            frame = {
                "type": "message",
                "room_id": room_id,
                "content": f"ws soak {key}",
                "client_id": key,
            }
            with contextlib.suppress(ConnectionClosed):
                await ws.send(json.dumps(frame))
                with counters.lock:
                    counters.ws_sent += 1
        await asyncio.sleep(max(0.0, started + (index + 1) * interval - time.monotonic()))
    await asyncio.sleep(config.drain_seconds)  # let the last frames arrive
    closing = True
    lost = sum(len(waiting) for waiting in expected.values())
    await asyncio.gather(*(ws.close() for ws in sockets.values()), return_exceptions=True)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return {"sockets_open": len(sockets), "lost_deliveries": lost}


# --- figures -------------------------------------------------------------------------------------


def _window(samples: list[dict], start: float, end: float) -> list[dict]:
    return [s for s in samples if start <= s["t"] <= end] or samples[-1:]


def pg_connection_cap(config: SoakConfig) -> int | None:
    """The most PostgreSQL connections the configuration allows (None: unbounded by design).

    A psycopg pool holds at most DB_POOL_MAX_SIZE per ASGI process; a WSGI thread or a Celery
    process holds one persistent connection; daphne without a pool opens one per thread.
    """
    pool_max = int(os.environ.get("DB_POOL_MAX_SIZE", "10"))
    worker = 3 if config.worker else 0  # prefork master + 2 children
    if config.topology == "daphne":
        return pool_max + worker if config.db_pool else None
    return GUNICORN_WORKERS * 4 + pool_max + worker  # gunicorn threads, uvicorn's pool


def evaluate(samples: list[dict], config: SoakConfig, names: list[str]) -> dict[str, Any]:
    # Only the traffic window: the last sample is taken while 500 sockets close, a burst of
    # group_discard calls that is shutdown, not steady state.
    samples = [s for s in samples if s["t"] <= config.duration + 1] or samples
    duration = samples[-1]["t"] if samples else 0
    warm_at = duration * config.warmup_fraction
    half = duration / 2
    memory: dict[str, Any] = {}
    for name in names:
        series = [(s["t"], s["rss_kib"].get(name, 0)) for s in samples]
        warm_end = warm_at + max(duration * 0.1, config.sample_every)
        warm_values = [v for t, v in series if warm_at <= t <= warm_end] or [series[-1][1]]
        warm = statistics.median(warm_values) if series else 0
        end = statistics.median(v for t, v in series if t >= duration * 0.9) if series else 0
        second_half = [(t, v) for t, v in series if t >= half]
        slope = 0.0
        if len(second_half) >= 3:
            xs = [t / 60 for t, _ in second_half]
            ys = [v / MIB for _, v in second_half]
            mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
            denominator = sum((x - mean_x) ** 2 for x in xs)
            if denominator:
                covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
                slope = covariance / denominator
        limit = warm * 1.10 + 16 * MIB
        memory[name] = {
            "start_mib": round(series[0][1] / MIB, 1) if series else 0,
            "after_warmup_mib": round(warm / MIB, 1),
            "end_mib": round(end / MIB, 1),
            "max_mib": round(max(v for _, v in series) / MIB, 1) if series else 0,
            "second_half_slope_mib_per_min": round(slope, 3),
            "flat": end <= limit,
        }
    first = [s for s in samples if warm_at <= s["t"] < half] or samples[:1]
    second = [s for s in samples if s["t"] >= half] or samples[-1:]
    pg = {
        "warmup_peak": max(s["pg_connections"] for s in first),
        "second_half_peak": max(s["pg_connections"] for s in second),
        "end": samples[-1]["pg_connections"],
    }
    # Pools fill up to their size when a concurrency peak asks for it: the second half may reach
    # the configured cap, never more; without a cap it may not exceed the warm-up peak.
    pg["cap"] = pg_connection_cap(config)
    pg["no_growth"] = pg["second_half_peak"] <= max(pg["warmup_peak"], pg["cap"] or 0)
    rc = {
        "warmup_peak": max(s["redis_clients"] for s in first),
        "second_half_peak": max(s["redis_clients"] for s in second),
        "end": samples[-1]["redis_clients"],
    }
    # Redis clients are pool connections (channel layer per event loop, django-redis, kombu's
    # producer pool): each pool keeps its high-water mark, which a rare concurrency peak can
    # raise by one or two long after warm-up. A leak grows with traffic; this allows 10 %.
    rc["no_growth"] = rc["second_half_peak"] <= math.ceil(rc["warmup_peak"] * 1.10)
    return {"memory": memory, "pg_connections": pg, "redis_clients": rc}


def plot(samples: list[dict], names: list[str], path: Path, title: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    minutes = [s["t"] / 60 for s in samples]
    figure, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 10), sharex=True)
    for name in names:
        top.plot(minutes, [s["rss_kib"].get(name, 0) / MIB for s in samples], label=name)
    top.set_ylabel("RSS (MiB)")
    top.set_title(title)
    top.legend(loc="upper left", fontsize="small")
    top.grid(alpha=0.3)
    middle.plot(minutes, [s["pg_connections"] for s in samples], label="PostgreSQL connections")
    middle.plot(minutes, [s["redis_clients"] for s in samples], label="Redis clients")
    middle.set_ylabel("connections")
    middle.legend(loc="upper left", fontsize="small")
    middle.grid(alpha=0.3)
    rate = [0.0]
    for before, after in itertools.pairwise(samples):
        elapsed = max(after["t"] - before["t"], 1e-6)
        rate.append((after["http_ok"] - before["http_ok"]) / elapsed)
    bottom.plot(minutes, rate, label="HTTP 2xx/s")
    bottom.plot(minutes, [s["http_errors"] for s in samples], label="HTTP errors (total)")
    bottom.set_xlabel("minutes")
    bottom.legend(loc="upper left", fontsize="small")
    bottom.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True


def markdown(result: dict[str, Any]) -> str:
    c = result["config"]
    pg = result["figures"]["pg_connections"]
    rc = result["figures"]["redis_clients"]
    lines = [
        f"Soak {result['started']}: {c['duration']:.0f} s, topology `{c['topology']}`, "
        f"{result['websocket']['sockets_open']} WebSockets, HTTP {c['http_rate']:g} req/s "
        f"over {c['http_concurrency']} connections, {c['msg_rate']:g} chat messages/s.",
        "",
        f"- HTTP: {result['http']['ok']} answers 2xx, **{result['http']['errors']} errors**.",
        f"- WebSocket: {result['websocket']['sent']} messages sent, "
        f"{result['websocket']['acks']} acknowledged, {result['websocket']['delivered']} "
        f"delivered, **{result['websocket']['lost_deliveries']} lost**, "
        f"{result['websocket']['unexpected_closes']} sockets closed, "
        f"{result['websocket']['connect_failures']} connect failures.",
        f"- PostgreSQL connections: warm-up peak {pg['warmup_peak']}, second-half peak "
        f"{pg['second_half_peak']}, end {pg['end']} (configured cap {pg['cap']}).",
        f"- Redis clients: warm-up peak {rc['warmup_peak']}, second-half peak "
        f"{rc['second_half_peak']}, end {rc['end']}.",
        "",
        "| process | start MiB | after warm-up | end | max | slope 2nd half MiB/min | flat |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m in result["figures"]["memory"].items():
        flat = "yes" if m["flat"] else "**no**"
        lines.append(
            f"| {name} | {m['start_mib']} | {m['after_warmup_mib']} | {m['end_mib']} | "
            f"{m['max_mib']} | {m['second_half_slope_mib_per_min']} | {flat} |"
        )
    lines.append("")
    lines.append(f"Verdict: **{'PASS' if result['passed'] else 'FAIL'}**.")
    return "\n".join(lines) + "\n"


# --- the run -------------------------------------------------------------------------------------


def run_soak(config: SoakConfig) -> dict[str, Any]:
    """Run one soak; Django must be set up on `config.database_url` (for seeding/tokens)."""
    from django.db import close_old_connections

    started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = config.out or ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    log_dir = out / f"soak-{started}-logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    world = seed(pairs=max(config.sockets // 2, 10), castings=config.castings)
    tokens = {str(user.id): access_token(user) for user in world["users"]}
    close_old_connections()
    logger.info("seeded %d users", len(world["users"]))

    redis_server = PrivateRedis()
    counters = Counters()
    with running(redis_server):
        procs = processes(config, redis_server.url, log_dir)
        web_procs = {k: v for k, v in procs.items() if k != "worker"}
        with running(*web_procs.values()):
            if "worker" in procs:
                try:
                    start_worker(procs["worker"])
                except Exception:
                    procs["worker"].stop()
                    raise
            try:
                http_port = (procs.get("web") or procs["web_http"]).port
                ws_port = (procs.get("web") or procs["web_ws"]).port
                for proc in web_procs.values():
                    wait_port(proc.port, timeout=30, process=proc.process)
                    wait_http_ok(proc.port, timeout=60)  # workers have loaded the app
                logger.info("processes up: %s", ", ".join(procs))
                result = _drive(
                    config, world, tokens, procs, redis_server, counters, http_port, ws_port
                )
            finally:
                if "worker" in procs:
                    procs["worker"].stop()
            logs = {name: proc.log_tail(4000) for name, proc in procs.items()}

    logger.info("traffic stopped, processes down")
    names = [*procs.keys(), "redis"]
    samples = result.pop("samples")
    figures = evaluate(samples, config, names)
    ws = result["websocket"]
    passed = (
        not counters.http_errors
        and ws["lost_deliveries"] == 0
        and not counters.ws_unexpected_closes
        and counters.ws_connect_failures == 0
        and not counters.ws_error_frames
        and ws["sockets_open"] == 2 * (config.sockets // 2)
        and all(m["flat"] for m in figures["memory"].values())
        and figures["pg_connections"]["no_growth"]
        and figures["redis_clients"]["no_growth"]
    )
    total_http = counters.http_ok + len(counters.http_errors)
    summary = {
        "started": started,
        "config": {
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in asdict(config).items()
            if k not in ("secret_key", "database_url")
        },
        "http": {
            "ok": counters.http_ok,
            "errors": len(counters.http_errors),
            "error_samples": counters.http_errors[:20],
            "error_rate": len(counters.http_errors) / max(total_http, 1),
        },
        "websocket": {
            **ws,
            "sent": counters.ws_sent,
            "acks": counters.ws_acks,
            "delivered": counters.ws_delivered,
            "unexpected_closes": len(counters.ws_unexpected_closes),
            "close_samples": counters.ws_unexpected_closes[:20],
            "connect_failures": counters.ws_connect_failures,
            "error_frames": counters.ws_error_frames[:20],
        },
        "figures": figures,
        "passed": passed,
        "samples": samples,
        "log_tails": logs if not passed else {},
    }
    base = out / f"soak-{started}"
    Path(f"{base}.json").write_text(json.dumps(summary, indent=1, default=str))
    title = f"MWork soak {started} ({config.topology}, {config.duration:.0f} s)"
    charted = config.chart and plot(samples, names, Path(f"{base}.png"), title)
    summary["png"] = f"{base}.png" if charted else None
    Path(f"{base}.md").write_text(markdown(summary))
    summary["markdown"] = markdown(summary)
    return summary


def _drive(config, world, tokens, procs, redis_server, counters, http_port, ws_port) -> dict:
    sampler = Sampler(config, procs, redis_server, redis_server.url, counters)
    stop = threading.Event()
    ws_ready = threading.Event()
    ws_result: dict[str, Any] = {}

    def ws_thread() -> None:
        ws_result.update(
            asyncio.run(
                websocket_traffic(
                    port=ws_port,
                    world=world,
                    tokens=tokens,
                    config=config,
                    counters=counters,
                    stop=stop,
                    ready=ws_ready,
                )
            )
        )

    ws_runner = threading.Thread(target=ws_thread, daemon=True, name="soak-ws")
    ws_runner.start()
    if not ws_ready.wait(timeout=120):
        stop.set()
        raise TimeoutError("the WebSockets did not open in 120 s")
    logger.info("sockets open; traffic for %g s", config.duration)
    sampler.start()
    mix = http_requests(world, tokens)
    interval = config.http_concurrency / config.http_rate
    http_threads = [
        threading.Thread(
            target=http_worker, args=(http_port, mix, counters, stop, interval), daemon=True
        )
        for _ in range(config.http_concurrency)
    ]
    for thread in http_threads:
        thread.start()
    try:
        stop.wait(config.duration)
    finally:
        stop.set()
        for thread in http_threads:
            thread.join(timeout=40)
        ws_runner.join(timeout=60)
        sampler.stop_event.set()
        sampler.join(timeout=30)
    websocket = ws_result or {"sockets_open": 0, "lost_deliveries": -1}
    return {"samples": sampler.samples, "websocket": websocket}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--http-concurrency", type=int, default=8)
    parser.add_argument("--http-rate", type=float, default=40)
    parser.add_argument("--msg-rate", type=float, default=5)
    parser.add_argument("--sample-every", type=float, default=5)
    parser.add_argument("--topology", choices=("compose", "daphne"), default="compose")
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument(
        "--db-pool", type=int, choices=(0, 1), default=1, help="DB_POOL of the daphne process"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    database_url = os.environ.get("SOAK_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        parser.error("set DATABASE_URL (or SOAK_DATABASE_URL) to a PostgreSQL database")
    secret = os.environ.get("SOAK_SECRET_KEY", "soak-" + "s" * 50)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="mwork.settings",
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY=secret,
        DATABASE_URL=database_url,
        REDIS_URL="",  # the driver itself needs no Redis; the servers get the private one
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    config = SoakConfig(
        duration=args.duration,
        sockets=args.sockets,
        http_concurrency=args.http_concurrency,
        http_rate=args.http_rate,
        msg_rate=args.msg_rate,
        sample_every=args.sample_every,
        topology=args.topology,
        worker=not args.no_worker,
        db_pool=bool(args.db_pool),
        database_url=database_url,
        secret_key=secret,
        out=args.out,
    )
    summary = run_soak(config)
    print(summary["markdown"])
    if summary.get("png"):
        print(f"curve: {summary['png']}")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
