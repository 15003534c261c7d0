"""A small closed-loop HTTP load for fault tests: N threads, each request timed and classified."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Outcome:
    started: float  # monotonic
    finished: float
    status: int  # 0 = transport error (reset, refused, timeout)
    error: str = ""


@dataclass
class LoadRun:
    outcomes: list[Outcome] = field(default_factory=list)

    def failures(self, *, started_after: float | None = None) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if not 200 <= o.status < 300 and (started_after is None or o.started >= started_after)
        ]

    def in_window(self, start: float, end: float) -> list[Outcome]:
        return [o for o in self.outcomes if o.started < end and o.finished > start]


def run_load(
    *,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    concurrency: int,
    stop: threading.Event,
    timeout: float = 10.0,
    on_request: Callable[[], None] | None = None,
) -> tuple[LoadRun, list[threading.Thread]]:
    """Start `concurrency` threads cycling through `paths` (keep-alive) until `stop` is set."""
    run = LoadRun()
    lock = threading.Lock()

    def worker(offset: int) -> None:
        conn: http.client.HTTPConnection | None = None
        index = offset
        while not stop.is_set():
            path = paths[index % len(paths)]
            index += 1
            started = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                conn.request("GET", path, headers=headers)
                answer = conn.getresponse()
                answer.read()
                outcome = Outcome(started, time.monotonic(), answer.status)
                if answer.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as error:
                outcome = Outcome(started, time.monotonic(), 0, f"{type(error).__name__}")
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                run.outcomes.append(outcome)
            if on_request is not None:
                on_request()
        if conn is not None:
            conn.close()

    threads = [
        threading.Thread(target=worker, args=(i,), daemon=True, name=f"load-{i}")
        for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    return run, threads
