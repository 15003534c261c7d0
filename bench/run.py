"""`make bench` / `python -m bench.run`: seed, profile in process, load every server, report.

Steps: (1) the bench database is created, migrated and seeded (`seed_bench`, idempotent);
(2) request lists are picked from it and access tokens minted; (3) every scenario is profiled
in process (view time, queries, raw SQL time); (4) each serving setup is started the way
production starts it, and every scenario is driven by wrk at fixed concurrency — a warm-up
run, then the measured run; (5) the WebSocket scenario runs against the ASGI servers;
(6) `bench/results/<timestamp>.json`, charts and the generated block of docs/PERFORMANCE.md
are written, and the targets table (met / missed per row) is printed; with BENCH_STRICT=1 a
missed target makes the exit status 1. `--servers "" --ws-servers ""` runs only the in-process
and EXPLAIN parts (no wrk needed). Rows the load created (responses, messages, notifications)
are deleted again.

Load only ever targets 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mwork_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"

# name -> (kind used for targets, description)
SCENARIOS: dict[str, tuple[str, str]] = {
    "floor": ("floor", "GET /ping: no-op DRF view, full middleware + auth + rate-limit stack"),
    "castings_list": ("list", "GET /castings?city=&category= (page of 20, total)"),
    "catalogue": ("list", "GET /profiles/models?city=&category=&gender=&min_age=&max_age="),
    "search": ("search", "GET /profiles/models?search=<name fragment>"),
    "model_detail": ("detail", "GET /profiles/models/{id} (photos, work experience)"),
    "casting_detail": ("detail", "GET /castings/{id}"),
    "apply": ("write", "POST /castings/{id}/responses (model on BUSINESS, new pair each time)"),
    "chat_rooms": ("list", "GET /chat/rooms (users with the most rooms)"),
    "chat_history": ("list", "GET /chat/rooms/{id}/messages?limit=50 (long rooms)"),
}
TARGET_P99_MS = {"list": 100, "detail": 100, "search": 150, "write": None, "floor": None}
# In process, x the no-op floor of the same run (docs/PERFORMANCE.md, "Second round").
TARGETS_X_FLOOR = {
    "castings_list": 6,
    "catalogue": 8,
    "search": 12,
    "model_detail": 4,
    "casting_detail": 4,
    "chat_history": 4,
    "chat_rooms": 8,
    "apply": 8,
}
SEARCH_SQL_TARGET_MS = 5.0  # every bench search fragment's SQL, by EXPLAIN ANALYZE
PRODUCTION_RANDOM_PAGE_COST = 1.1  # docker-compose.yml's postgres command
WS_P99_TARGET_MS = 100


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--servers", default="gunicorn-sync,gunicorn-gthread,uvicorn,daphne", help="HTTP setups"
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--ws-servers", default="uvicorn,daphne")
    parser.add_argument("--ws-sockets", type=int, default=2000)
    parser.add_argument(
        "--ws-rate",
        default="50,100,150,200,300,400",
        help="messages per second, one step each over the same sockets (the ceiling search)",
    )
    parser.add_argument("--ws-seconds", type=float, default=20.0, help="seconds per rate step")
    parser.add_argument(
        "--ws-sustain",
        default="300:60",
        help="RATE:SECONDS,... steps that last longer than --ws-seconds (the target's 60 s)",
    )
    parser.add_argument("--inprocess-samples", type=int, default=120)
    parser.add_argument(
        "--inprocess-rounds",
        type=int,
        default=6,
        help="turns the in-process samples are taken in, every scenario in each",
    )
    parser.add_argument(
        "--inprocess-passes",
        type=int,
        default=3,
        help="in-process profiles taken; each scenario's quietest is kept (bench.inprocess)",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--docs", default=str(ROOT / "docs"), help="where PERFORMANCE.md lives")
    parser.add_argument("--no-docs", action="store_true", help="results JSON only")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="raise the priority of the bench (harness, servers, wrk) and of its PostgreSQL "
        "backends by this much (root only), on a machine other work shares",
    )
    return parser.parse_args(argv)


def _sustain(text: str) -> dict[float, float]:
    """`--ws-sustain` "300:60,400:30" as {rate: seconds}."""
    pairs = (item.split(":") for item in text.split(",") if item.strip())
    return {float(rate): float(seconds) for rate, seconds in pairs}


def _django(database_url: str, redis_url: str) -> None:
    from bench.servers import server_env

    os.environ.update(server_env(database_url=database_url, redis_url=redis_url, pool=False))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _ensure_database(database_url: str) -> None:
    """CREATE DATABASE when missing (a fresh clone against a local PostgreSQL)."""
    import psycopg
    from psycopg import sql

    url = database_url.rsplit("/", 1)
    name = url[1].split("?")[0]
    try:
        psycopg.connect(database_url, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        with psycopg.connect(f"{url[0]}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        _log(f"created database {name}")
    # The planner setting production's PostgreSQL runs with (docker-compose.yml), for this
    # database only: the bench measures the production setup, not the stock 4.0.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET random_page_cost = {}").format(
                sql.Identifier(name), sql.Literal(PRODUCTION_RANDOM_PAGE_COST)
            )
        )


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory_gb = round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    try:
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
        wrk_version = (
            (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else None
        )
    except OSError:  # not installed: an in-process-only run
        wrk_version = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg,
        "wrk": wrk_version,
        "note": "server, PostgreSQL, Redis and the load generator share the same cores",
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def _cleanup(started: datetime) -> None:
    """Delete what the load created; the seeded data stays as it was."""
    from django.db import connection

    from bench.seed import BENCH_EMAIL_DOMAIN

    like = f"%@{BENCH_EMAIL_DOMAIN}"
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM castings_response WHERE applied_at >= %s AND model_profile_id IN "
            "(SELECT p.id FROM profiles_modelprofile p JOIN accounts_user u ON u.id = p.user_id "
            "WHERE u.email LIKE %s)",
            [started, like],
        )
        cursor.execute(
            "DELETE FROM chat_message WHERE created_at >= %s AND content LIKE 'bench %%'",
            [started],
        )
        cursor.execute(
            "UPDATE chat_room r SET last_message_at = COALESCE("
            "(SELECT max(m.created_at) FROM chat_message m WHERE m.room_id = r.id), r.created_at)"
            " WHERE r.last_message_at >= %s",
            [started],
        )
    _delete_notifications(started, like)


def _delete_notifications(started: datetime, like: str) -> None:
    from django.db import connection

    from notifications.models import Notification

    table = Notification._meta.db_table
    related = [
        f
        for f in Notification._meta.get_fields(include_hidden=True)
        if (f.one_to_many or f.one_to_one) and f.auto_created and not f.concrete
    ]
    selected = (
        f"SELECT n.id FROM {table} n JOIN accounts_user u ON u.id = n.user_id "  # noqa: S608
        "WHERE n.created_at >= %s AND u.email LIKE %s"
    )
    with connection.cursor() as cursor:
        for relation in related:
            child = relation.related_model._meta.db_table
            cursor.execute(
                f"DELETE FROM {child} WHERE {relation.field.column} IN ({selected})",  # noqa: S608
                [started, like],
            )
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({selected})", [started, like])  # noqa: S608


def _flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    for url in (database_url, redis_url):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"bench targets only this machine; refusing {url}")

    from bench import load, ws
    from bench.servers import Server, Worker, free_port, server_env, specs

    if args.nice:
        os.setpriority(os.PRIO_PROCESS, 0, -abs(args.nice))  # servers and wrk inherit it

    if [s for s in args.servers.split(",") if s] and load.wrk_path() is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian package).")
    _ensure_database(database_url)
    _django(database_url, redis_url)
    from django.core.management import call_command
    from django.utils import timezone

    from bench import fixtures, inprocess, report

    started_at = timezone.now()
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    work = ROOT / "var" / "bench" / stamp
    work.mkdir(parents=True, exist_ok=True)

    _log("migrate")
    call_command("migrate", verbosity=0, interactive=False)
    _log(f"seed_bench --scale {args.scale:g}")
    counts = call_command_counts(args.scale, args.seed)
    _vacuum()
    _flush_redis(redis_url)

    _log("fixtures and tokens")
    rng = random.Random(args.seed)
    fx = fixtures.build(rng=rng, ws_rooms=max(args.ws_sockets // 2, 1))
    scenarios = [s for s in args.scenarios.split(",") if s]

    results: dict[str, Any] = {
        "timestamp": stamp,
        "nice": -abs(args.nice) if args.nice else 0,
        "machine": machine(),
        "scale": args.scale,
        "counts": counts,
        "settings": {
            "seconds": args.seconds,
            "warmup": args.warmup,
            "connections": args.connections,
            "wrk_threads": args.threads,
            "ws_sockets": args.ws_sockets,
            "ws_rates": [float(r) for r in str(args.ws_rate).split(",") if r],
            "ws_seconds": args.ws_seconds,
            "ws_sustain": {f"{r:g}": s for r, s in _sustain(args.ws_sustain).items()},
        },
        "scenarios": {
            name: {"kind": SCENARIOS[name][0], "what": SCENARIOS[name][1]} for name in scenarios
        },
        "inprocess": {},
        "http": {},
        "ws": {},
        "ws_runs": {},
    }

    try:
        # ---- in process -------------------------------------------------------------------
        _settle(redis_url)
        if args.nice:
            _renice_backends(-abs(args.nice))
        plan = {}
        for name in scenarios:
            requests = fx.requests[name]
            write = SCENARIOS[name][0] == "write"
            sample_from = requests[-(args.inprocess_samples + 20) :] if write else requests
            plan[name] = (sample_from, write)
        # Every scenario's samples in turns, the floor's among them (`profile_interleaved`),
        # in passes of which each scenario's quietest is kept (`quietest`).
        profiles = inprocess.quietest(
            [
                inprocess.profile_interleaved(
                    plan, samples=args.inprocess_samples, warmup=10, rounds=args.inprocess_rounds
                )
                for _ in range(max(args.inprocess_passes, 1))
            ]
        )
        for name, profile in profiles.items():
            results["inprocess"][name] = profile
            _log(
                f"in process {name}: view {profile['view_ms']} ms, sql {profile['sql_ms']} ms "
                f"({profile['view_to_sql']}x), {profile['queries']} queries {profile['statuses']}"
            )
        if not args.no_docs:
            from bench import explain

            explained, timings = explain.explain_all(fx, Path(args.docs) / "perf" / "explain.md")
            results["explain"] = explained
            results["explain_sql"] = timings
            _log(f"EXPLAIN ANALYZE of {len(explained)} requests: docs/perf/explain.md")
        from django.db import connection

        connection.close()

        # ---- HTTP under each server --------------------------------------------------------
        for server_name in [s for s in args.servers.split(",") if s]:
            port = free_port()
            spec = specs(port)[server_name]
            env = server_env(database_url=database_url, redis_url=redis_url, pool=spec.pool)
            server = Server(spec, port, env, work / f"{server_name}.log")
            _log(f"server {spec.description} on :{port}")
            per_server: dict[str, Any] = {"description": spec.description, "scenarios": {}}
            apply_offset = 0
            with server:
                # Every worker imports the URLconf, views and serializers on its first request:
                # that cold start is not what is measured.
                load.write_list(
                    work / "warm-all.txt",
                    [
                        r
                        for n in scenarios
                        for r in fx.requests[n][:50]
                        if SCENARIOS[n][0] != "write"
                    ],
                )
                load.run_wrk(
                    base_url=server.base_url,
                    list_file=work / "warm-all.txt",
                    seconds=max(args.warmup * 2, 3),
                    connections=args.connections,
                    threads=args.threads,
                )
                for name in scenarios:
                    requests = fx.requests[name]
                    if SCENARIOS[name][0] == "write":
                        # fresh pairs for every run: warm-up and measured lists never overlap
                        reserve = args.inprocess_samples + 40
                        pool = requests[: max(len(requests) - reserve, 1)]
                        budget = max(int(len(pool) / max(len(args.servers.split(",")), 1)), 2)
                        own = pool[apply_offset : apply_offset + budget]
                        apply_offset += budget
                        split = max(int(len(own) * args.warmup / (args.warmup + args.seconds)), 1)
                        warm_list, measure_list = own[:split], own[split:]
                    else:
                        warm_list = measure_list = requests
                    warm_file = load.write_list(work / f"{name}.warm.txt", warm_list)
                    measure_file = load.write_list(work / f"{name}.txt", measure_list)
                    if args.warmup > 0:
                        load.run_wrk(
                            base_url=server.base_url,
                            list_file=warm_file,
                            seconds=args.warmup,
                            connections=args.connections,
                            threads=args.threads,
                        )
                    if args.nice:
                        _renice_backends(-abs(args.nice))
                    cpu_before = server.cpu_seconds()
                    summary = load.run_wrk(
                        base_url=server.base_url,
                        list_file=measure_file,
                        seconds=args.seconds,
                        connections=args.connections,
                        threads=args.threads,
                    )
                    summary["server_cpu_cores"] = round(
                        (server.cpu_seconds() - cpu_before) / (summary["duration_us"] / 1e6), 2
                    )
                    if SCENARIOS[name][0] == "write":
                        summary["list_size"] = len(measure_list)
                    per_server["scenarios"][name] = summary
                    p = summary["percentiles_us"]
                    _log(
                        f"  {name}: {summary['rps']:.0f} req/s, p50 {p['50'] / 1000:.1f} "
                        f"p95 {p['95'] / 1000:.1f} p99 {p['99'] / 1000:.1f} ms, "
                        f"errors {summary['error_rate']:.1%}, cpu {summary['server_cpu_cores']}"
                        + (f" first error: {summary['first_error']}" if summary["non2xx"] else "")
                    )
            per_server["loadavg"] = [round(x, 2) for x in os.getloadavg()]
            results["http"][server_name] = per_server
            _cleanup_quietly(started_at)

        # ---- WebSockets: one server, sockets connected once, the rate stepped -------------
        rates = [float(r) for r in str(args.ws_rate).split(",") if r]
        sustain = _sustain(args.ws_sustain)
        for server_name in [s for s in args.ws_servers.split(",") if s]:
            _settle(redis_url)
            port = free_port()
            spec = specs(port)[server_name]
            env = server_env(database_url=database_url, redis_url=redis_url, pool=spec.pool)
            server = Server(spec, port, env, work / f"ws-{server_name}.log")
            worker = Worker(env, work / f"ws-{server_name}-worker.log")
            _log(
                f"websockets on {spec.description}: {args.ws_sockets} sockets, steps of "
                f"{args.ws_seconds:g} s at {', '.join(f'{r:g}' for r in rates)} msg/s"
                + "".join(f" ({r:g} msg/s for {s:g} s)" for r, s in sustain.items())
            )
            with server, worker:
                if args.nice:
                    _renice_backends(-abs(args.nice))
                outcome = ws.run(
                    url=f"ws://127.0.0.1:{port}/ws",
                    rooms=fx.ws_rooms,
                    sockets=args.ws_sockets,
                    rates=rates,
                    seconds=args.ws_seconds,
                    sustain=sustain,
                    warmup=min(args.warmup, 3.0),
                    cpu=lambda s=server, w=worker: s.cpu_seconds() + w.cpu_seconds(),
                )
            outcome["description"] = spec.description
            results["ws_runs"][server_name] = outcome
            _log(
                f"  {outcome['sockets_connected']} sockets (idle {outcome['idle_cpu_cores']} "
                f"cores), ceiling {outcome['ceiling_msg_s']} msg/s, "
                f"{outcome['cpu_ms_per_message_overall']} ms CPU/msg over every step"
            )
            for step in outcome["steps"]:
                r = step["recipient_ms"]
                _log(
                    f"  {step['rate_target']:g} msg/s: sent {step['rate_achieved']}/s, recipient "
                    f"p50 {r.get('50')} p99 {r.get('99')} ms, undelivered {step['undelivered']}, "
                    f"shed {step['shed']}, {step['cpu_ms_per_message']} ms CPU/msg, load "
                    f"{step['loadavg_1m']}"
                )
                # one row per step, in the shape of the WebSockets table of bench/report.py
                results["ws"][f"{server_name}@{step['rate_target']:g}"] = {
                    **step,
                    "description": spec.description,
                    "sockets_connected": outcome["sockets_connected"],
                    "lost_recipient": step["undelivered"],
                    "errors": outcome["errors"],
                    "server_cpu_cores": round(step["server_cpu_seconds"] / step["seconds"], 2),
                }
            _cleanup_quietly(started_at)
        results["targets_ws"] = ws.target_rows({"ws": results["ws_runs"]})
    finally:
        _cleanup_quietly(started_at)
        _flush_redis(redis_url)

    results["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stamp}.json"
    samples = {name: r.pop("_recipient_samples", []) for name, r in results["ws"].items()}
    for outcome in results["ws_runs"].values():
        for step in outcome["steps"]:
            step.pop("_recipient_samples", None)
    report.summarise(results, targets=TARGET_P99_MS, ws_target=WS_P99_TARGET_MS)
    results["targets"] = report.target_rows(
        results,
        floor_targets=TARGETS_X_FLOOR,
        search_sql_ms=SEARCH_SQL_TARGET_MS,
        extra=results.get("targets_ws", []),  # bench/ws.py's rows (`ws.target_rows`)
    )
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    _log(f"results: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if not args.no_docs:
        written = report.write_docs(results, ws_samples=samples, docs=Path(args.docs),
                                    results_path=path)  # fmt: skip
        _log(f"report: {written}")
    print("\n".join(report.targets_table(results["targets"])), flush=True)
    missed = report.missed(results["targets"])
    if missed and os.environ.get("BENCH_STRICT") == "1":
        _log(f"BENCH_STRICT=1: {len(missed)} target(s) missed: {'; '.join(missed)}")
        return 1
    return 0


def _renice_backends(priority: int) -> None:
    """The PostgreSQL backends serving the bench database get the bench's priority."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    for pid in pids:
        with contextlib.suppress(OSError):  # gone meanwhile
            os.setpriority(os.PRIO_PROCESS, pid, priority)


def _cleanup_quietly(started_at: datetime) -> None:
    from django.db import connection

    try:
        _cleanup(started_at)
    finally:
        connection.close()


def _cpu_idle_share(seconds: float = 2.0) -> float:
    """The share of the machine's CPU time idle over `seconds` (/proc/stat; 1.0 elsewhere)."""
    try:

        def totals() -> tuple[int, int]:
            fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
            return fields[3] + fields[4], sum(fields)  # idle + iowait, all

        idle0, all0 = totals()
        time.sleep(seconds)
        idle1, all1 = totals()
    except OSError:
        return 1.0
    return (idle1 - idle0) / max(all1 - all0, 1)


def _settle(redis_url: str, *, idle: float = 0.9, limit: float = 90.0) -> None:
    """Before the in-process samples and each WebSocket run: what earlier runs left queued
    for the worker (the apply scenario's notifications and e-mails) is dropped, so a fresh
    worker does not make them during the steps, and the run waits (up to `limit` s) until the
    machine is at least `idle` idle: PostgreSQL's autovacuum after the seed or the HTTP
    writes, the last server's exit. Run 20261207T082937Z, without it, counted the worker's
    leftovers into its first chat steps (0.64 cores "idle")."""
    _flush_redis(redis_url)
    started = time.monotonic()
    share = _cpu_idle_share()
    while share < idle and time.monotonic() - started < limit:
        share = _cpu_idle_share()
    _log(f"settled: {share:.0%} idle after {time.monotonic() - started:.0f} s")


def _vacuum() -> None:
    """Every run starts from what autovacuum keeps in production (it may be off on a dev
    machine): the rows earlier runs' writes left dead (apply, chat messages and their room and
    read-mark updates, all deleted afterwards) would otherwise slow the next run's reads."""
    from django.db import connection

    if connection.vendor == "postgresql":
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        _log(f"VACUUM (ANALYZE) in {time.monotonic() - started:.1f} s")


def call_command_counts(scale: float, seed: int) -> dict[str, int]:
    from bench.seed import seed_bench

    return seed_bench(scale=scale, seed=seed, log=lambda line: _log(line.strip()))


if __name__ == "__main__":
    sys.exit(main())
