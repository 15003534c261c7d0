"""HTTP load: wrk at fixed concurrency for a fixed time, with a Lua script replaying a list.

Why wrk: a C event loop that needs a fraction of a core to saturate a Python server on the
same 2-core machine (a Python generator such as locust would take a core of its own and cap
the numbers it measures), HdrHistogram latencies, Debian-packaged (`apt-get install wrk`),
scriptable per request (tokens, unique write targets) in Lua. Latencies are closed-loop: a slow
answer delays the next request of that connection (no coordinated-omission correction), which
matches "fixed concurrency" and is stated in the report.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    token: str | None = None
    body: dict[str, Any] | None = None

    def line(self) -> str:
        body = json.dumps(self.body, separators=(",", ":")) if self.body is not None else "-"
        return f"{self.method}\t{self.path}\t{self.token or '-'}\t{body}"


LUA = Path(__file__).resolve().parent / "wrk" / "requests.lua"


def wrk_path() -> str | None:
    return shutil.which("wrk")


def write_list(path: Path, requests: list[Request]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(r.line() for r in requests) + "\n")
    return path


def run_wrk(
    *, base_url: str, list_file: Path, seconds: float, connections: int, threads: int = 2
) -> dict:
    """One wrk run; returns its BENCH_JSON summary (latencies in microseconds)."""
    threads = max(1, min(threads, connections))
    argv = [
        wrk_path() or "wrk",
        "-t", str(threads),
        "-c", str(connections),
        "-d", f"{max(round(seconds), 1)}s",
        "--timeout", "10s",
        "-s", str(LUA),
        base_url,
        "--", str(list_file), str(threads),
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)  # noqa: S603
    summary = None
    first_error = None
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            summary = json.loads(line[len("BENCH_JSON ") :])
        elif line.startswith("BENCH_FIRST_ERROR "):
            first_error = line[len("BENCH_FIRST_ERROR ") :]
    if summary is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    summary["first_error"] = first_error
    seconds_run = summary["duration_us"] / 1e6
    summary["rps"] = summary["requests"] / seconds_run if seconds_run else 0.0
    socket_errors = sum(summary["errors"][k] for k in ("connect", "read", "write", "timeout"))
    summary["error_rate"] = (
        (summary["non2xx"] + socket_errors) / summary["requests"] if summary["requests"] else 1.0
    )
    return summary
