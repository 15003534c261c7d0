"""The soak (`make soak`, bench/soak.py) in miniature: 12 s against the compose topology
(gunicorn for /api, uvicorn with the pool for /ws).

Same driver, same checks as the 10-minute run, on the test database with a private Redis:
mixed HTTP traffic with zero errors, 40 WebSockets that all stay open and lose no message,
RSS sampled for every process, PostgreSQL connections within the configured cap and Redis clients
not growing with the traffic. Memory flatness is judged by the long run only (12 s is all warm-up).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from bench.soak import SoakConfig, run_soak
from reliability.tests.conftest import needs_redis_server
from reliability.tests.servers import server_database_url

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the soak runs on PostgreSQL"),
    needs_redis_server,
    pytest.mark.timeout(120),
]


def test_soak_smoke(tmp_path):
    config = SoakConfig(
        duration=12,
        sockets=40,
        http_concurrency=4,
        http_rate=30,
        msg_rate=5,
        sample_every=1.5,
        worker=False,
        database_url=server_database_url(),
        secret_key=settings.SECRET_KEY,
        out=tmp_path,
        castings=10,
        drain_seconds=2,
        chart=False,
    )

    summary = run_soak(config)

    details = summary["markdown"] + str(summary["log_tails"])
    assert summary["http"]["ok"] > 200, details
    assert summary["http"]["errors"] == 0, summary["http"]["error_samples"]
    ws = summary["websocket"]
    assert ws["sockets_open"] == 40, details
    assert ws["sent"] > 40
    assert ws["lost_deliveries"] == 0, details
    assert ws["acks"] == ws["delivered"] == ws["sent"]
    assert ws["unexpected_closes"] == 0 and ws["connect_failures"] == 0, details
    assert ws["error_frames"] == []
    samples = summary["samples"]
    assert len(samples) >= 8
    assert all(s["rss_kib"]["web_http"] > 0 and s["rss_kib"]["web_ws"] > 0 for s in samples)
    assert samples[-1]["rss_kib"]["web_http.processes"] == 4  # gunicorn master + 3 workers
    # gunicorn's threads and uvicorn's pool bound the connections (+1: this test's own).
    pg = summary["figures"]["pg_connections"]
    assert pg["second_half_peak"] <= pg["cap"] + 1, details
    # Redis clients: 12 s is all warm-up, and each pool (django-redis per gunicorn worker, the
    # channel layer per event loop, kombu's producers) still reaches its high-water mark when a
    # concurrency peak asks for it — CI saw 47 → 52. A leak grows with the traffic instead: one
    # connection per socket, message or request would add 40, 60 or 360. The 10-minute soak
    # judges growth after warm-up (10 %).
    redis = summary["figures"]["redis_clients"]
    assert redis["second_half_peak"] - redis["warmup_peak"] < config.sockets // 4, details
    assert (tmp_path / f"soak-{summary['started']}.json").exists()
