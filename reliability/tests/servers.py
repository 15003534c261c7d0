"""A real app server child process on the pytest-django test database (shared by the tests)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection

from reliability.faults import ServerProcess, database_url_for, free_port, server_command

# docker-compose serves /ws with uvicorn (DB_POOL=1) and /api with gunicorn (the Dockerfile).
SERVER_KIND = os.environ.get("RELIABILITY_SERVER", "uvicorn")


def server_database_url(*, host: str | None = None, port: int | None = None) -> str:
    """A DATABASE_URL for the database this test runs in, optionally through a proxy."""
    if connection.vendor != "postgresql":
        name = str(connection.settings_dict["NAME"])
        if connection.vendor != "sqlite" or "memory" in name or host:
            pytest.skip("needs the test database reachable from another process (PostgreSQL)")
        return f"sqlite:///{name}"
    return database_url_for(connection.settings_dict, host=host, port=port)


def app_server(
    *,
    database_url: str,
    redis_url: str,
    kind: str = SERVER_KIND,
    extra_env: dict[str, str] | None = None,
    log_dir: Path | None = None,
) -> ServerProcess:
    """Not started: use as a context manager (`with app_server(...) as server:`)."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mwork.test_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_ENABLE": "0",
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    return ServerProcess(server_command(kind, port), port=port, env=env, log_dir=log_dir)
