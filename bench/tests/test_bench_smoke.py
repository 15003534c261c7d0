"""The benchmark harness end to end at scale 0.01, so `make bench` never rots.

A subprocess runs `python -m bench.run` against its own database on the same PostgreSQL
(`<test database>_bench_smoke`, created and seeded by the harness) and the suite's Redis DB:
one WSGI server (the production default), every HTTP scenario for a second, and a small
WebSocket run on uvicorn. It checks the shape of the results, not the speed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from bench.run import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.bench,
    pytest.mark.slow,
    pytest.mark.timeout(240),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench needs PostgreSQL"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="the bench needs Redis"),
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]


def _smoke_database_url() -> str:
    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/") or "mwork"
    return urlunsplit(url._replace(path=f"/{name}_bench_smoke"))


def test_bench_harness_end_to_end(tmp_path):
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": _smoke_database_url(),
        "BENCH_REDIS_URL": settings.REDIS_URL,
    }
    argv = [
        sys.executable, "-m", "bench.run",
        "--scale", "0.01",
        # 2 s measured: a write scenario (apply) queues behind its warm-up's last requests,
        # and on a loaded machine 1 s could end before any of its own completed.
        "--seconds", "2", "--warmup", "0.5",
        "--connections", "4",
        "--servers", "gunicorn-sync",
        "--ws-servers", "uvicorn",
        "--ws-sockets", "20", "--ws-rate", "10", "--ws-seconds", "2",
        "--inprocess-samples", "3",
        "--out", str(tmp_path / "results"),
        "--docs", str(tmp_path / "docs"),
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=220
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    (result_file,) = (tmp_path / "results").glob("*.json")
    results = json.loads(result_file.read_text())
    assert results["counts"]["models"] == 1000
    assert results["machine"]["cores"]
    assert set(results["inprocess"]) == set(SCENARIOS)
    for name, row in results["inprocess"].items():
        assert row["queries"] >= (0 if name == "floor" else 1), name
        assert all(200 <= int(code) < 300 for code in row["statuses"]), (name, row)
    rows = results["http"]["gunicorn-sync"]["scenarios"]
    assert set(rows) == set(SCENARIOS)
    for name, row in rows.items():
        assert row["requests"] > 0, name
        assert row["error_rate"] == 0, (name, row["first_error"])
        assert row["ratio_to_floor"] > 0
        assert row["percentiles_us"]["99"] >= row["percentiles_us"]["50"] > 0
    ws = results["ws"]["uvicorn@10"]  # one row per rate step
    assert ws["sockets_connected"] == 20
    assert ws["messages_sent"] > 0
    # every message reaches its recipient or is shed, unless later than the drain window
    assert 0 < ws["recipient_deliveries"] + ws["shed"] <= ws["messages_sent"]
    assert ws["recipient_ms"]["99"] >= ws["recipient_ms"]["50"] > 0
    assert ws["cpu_ms_per_message"] > 0
    assert ws["errors"] == 0
    run = results["ws_runs"]["uvicorn"]
    assert [step["rate_target"] for step in run["steps"]] == [10]
    assert {row["target"].split(" (")[0] for row in results["targets_ws"]} >= {"chat ceiling"}

    report = (tmp_path / "docs" / "PERFORMANCE.md").read_text()
    assert "castings_list" in report
    assert list((tmp_path / "docs" / "perf").glob("*.png"))
