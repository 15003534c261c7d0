"""CPU per chat message on the socket's process: `python -m bench.ws_cpu`.

The harness behind the "Chat send path" figures of docs/PERFORMANCE.md. It seeds the bench
data (`--scale`, idempotent) into DATABASE_URL, starts uvicorn with `--workers` processes the
way `bench.run` does (production settings, psycopg pool), optionally the Celery worker beside
it, connects `--sockets` sockets once (bench/ws.py's client) and sends `--rate` messages a
second for `--seconds` after a warm-up. It prints, as JSON: the CPU seconds per stored message
of the uvicorn processes alone and of the worker, the idle cost of the connected sockets
(cores), recipient p50/p99, undelivered, shed, and the load average before and after.
`--profile FILE` samples the uvicorn processes with py-spy (when on PATH or PY_SPY) during
the measured step and writes collapsed stacks there.

Only ever targets 127.0.0.1; DATABASE_URL and REDIS_URL must be local.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--rate", default="50", help="msg/s, comma-separated for steps")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--celery", action="store_true", help="run the Celery worker beside")
    parser.add_argument("--profile", default=None, help="py-spy collapsed stacks to this file")
    parser.add_argument("--connect-concurrency", type=int, default=50, help="handshakes at once")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = os.environ["DATABASE_URL"]
    redis_url = os.environ["REDIS_URL"]
    for url in (database_url, redis_url):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"bench targets only this machine; refusing {url}")

    from bench import run as bench_run
    from bench import ws
    from bench.servers import Server, ServerSpec, Worker, free_port, server_env, specs

    bench_run._django(database_url, redis_url)
    import random

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.fixtures import ws_room_pairs

    call_command("migrate", verbosity=0, interactive=False)
    bench_run.call_command_counts(args.scale, args.seed)
    started_at = timezone.now()
    rooms = ws_room_pairs(rng=random.Random(args.seed), wanted=max(args.sockets // 2, 1))
    connection.close()
    if len(rooms) * 2 < args.sockets:
        print(f"only {len(rooms) * 2} sockets' worth of distinct rooms at this scale", flush=True)

    port = free_port()
    base = specs(port)["uvicorn"]
    argv_ = list(base.argv)
    argv_[argv_.index("--workers") + 1] = str(args.workers)
    spec = ServerSpec("uvicorn", "asgi", tuple(argv_), True, f"uvicorn x{args.workers}")
    env = server_env(database_url=database_url, redis_url=redis_url, pool=True)
    work = ROOT / "var" / "bench" / ("ws-cpu-" + datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ"))
    work.mkdir(parents=True, exist_ok=True)
    server = Server(spec, port, env, work / "uvicorn.log")
    worker = Worker(env, work / "worker.log") if args.celery else None
    rates = [float(r) for r in args.rate.split(",") if r]
    profiler: list[subprocess.Popen] = []

    def cpu_of_worker() -> float:
        return worker.cpu_seconds() if worker is not None else 0.0

    history: list[tuple[float, float]] = []

    def start_profiler() -> None:
        spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
        # A bound only: it is stopped when the last step has drained (`cpu`).
        duration = int(args.warmup + args.seconds * len(rates) + 120)
        spy_argv = [spy, "record", "-p", str(server.process.pid), "--subprocesses"]
        # --gil: only samples holding the GIL, i.e. Python on the CPU (not waiting)
        spy_argv += ["-r", "200", "-d", str(duration), "-f", "raw", "--nonblocking", "--gil"]
        profiler.append(
            subprocess.Popen(  # noqa: S603 - our own argv
                [*spy_argv, "-o", args.profile],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    def stop_profiler() -> None:
        for process in profiler:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # py-spy writes what it has on Ctrl-C
            process.wait(timeout=60)

    def cpu() -> float:
        # Called by bench/ws.py around each phase; the uvicorn/worker split is kept aside.
        server_cpu, worker_cpu = server.cpu_seconds(), cpu_of_worker()
        history.append((server_cpu, worker_cpu))
        # bench/ws.py calls it before and after the idle phase, at the start of the steps,
        # around each step, and once at the end: the profile covers the steps alone, not the
        # handshakes nor the sockets' closing.
        if args.profile and len(history) == 3:
            start_profiler()
        if args.profile and len(history) == 4 + 2 * len(rates):
            stop_profiler()
        return server_cpu + worker_cpu

    try:
        server.start()
        if worker is not None:
            worker.start()
        if args.profile and not (os.environ.get("PY_SPY") or shutil.which("py-spy")):
            raise SystemExit("--profile needs py-spy on PATH (or PY_SPY=path)")
        load_before = os.getloadavg()
        outcome = ws.run(
            url=f"ws://127.0.0.1:{port}/ws",
            rooms=rooms,
            sockets=args.sockets,
            rates=rates,
            seconds=args.seconds,
            warmup=args.warmup,
            cpu=cpu,
            connect_concurrency=args.connect_concurrency,
        )
        load_after = os.getloadavg()
    finally:
        stop_profiler()
        server.stop()
        if worker is not None:
            worker.stop()
        bench_run._cleanup_quietly(started_at)
        bench_run._flush_redis(redis_url)

    steps = []
    for step in outcome["steps"]:
        step.pop("_recipient_samples", None)
        steps.append(
            {
                "rate": step["rate_target"],
                "sent": step["messages_sent"],
                "shed": step["shed"],
                "undelivered": step["undelivered"],
                "recipient_p50_ms": step["recipient_ms"].get("50"),
                "recipient_p99_ms": step["recipient_ms"].get("99"),
                "recipient_p99_by_second": step["recipient_p99_by_second"],
                "send_lag_max_ms": step["send_lag_max_ms"],
                "cpu_ms_per_message_all": step["cpu_ms_per_message"],
                "loadavg_1m": step["loadavg_1m"],
            }
        )
    # bench/ws.py calls cpu() twice per step, then once for the total.
    split = history[-2 * len(rates) - 1 : -1]
    for index, step in enumerate(steps):
        (s0, w0), (s1, w1) = split[2 * index], split[2 * index + 1]
        stored = max(step["sent"] - step["shed"], 1)
        step["cpu_ms_per_message_uvicorn"] = round((s1 - s0) * 1000 / stored, 2)
        step["cpu_ms_per_message_worker"] = round((w1 - w0) * 1000 / stored, 2)
    print(
        json.dumps(
            {
                "sockets": outcome["sockets_connected"],
                "connect_failures": outcome["connect_failures"],
                "connect_seconds": outcome["connect_seconds"],
                "connect_failure_sample": outcome["connect_failure_sample"],
                "sockets_closed_by_server": outcome["sockets_closed_by_server"],
                "idle_cpu_cores": outcome["idle_cpu_cores"],
                "workers": args.workers,
                "celery": args.celery,
                "errors": outcome["errors"],
                "error_sample": outcome["error_sample"],
                "steps": steps,
                "loadavg": [round(load_before[0], 2), round(load_after[0], 2)],
                "log": str(work),
            },
            indent=1,
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
