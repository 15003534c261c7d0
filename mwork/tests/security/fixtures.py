"""Fixtures shared by `mwork/tests/security/` and `mwork/tests/fuzz/` (imported by both
conftests): an isolated media folder, rate limits off, the two-party world, API clients."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from conftest import access_token_for
from mwork.tests.security.world import World, build_world


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """Every test writes media to its own folder, so "no file left behind" is checkable."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    return root


@pytest.fixture
def no_ratelimit(settings) -> None:
    settings.RATELIMIT_ENABLE = False


@pytest.fixture
def world(db, media_root, no_ratelimit) -> World:
    return build_world()


@pytest.fixture
def client_for() -> Callable[[User | None], APIClient]:
    """`client_for(user)`: an APIClient with the user's real access token (None: anonymous)."""

    def _client(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
        return client

    return _client


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def files_in(media_root) -> Iterator[Callable[[], list[str]]]:
    yield lambda: stored_files(media_root)


# ---------------------------------------------------------------------------------------------
# Outbound network guard (SSRF): loopback only
# ---------------------------------------------------------------------------------------------
class OutboundAttempt(OSError):
    """Raised instead of connecting anywhere but this machine."""


def _is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def outbound_guard(monkeypatch) -> list[str]:
    """Every connect() or name lookup of a non-loopback address is recorded and refused, so
    a test proves the server fetched nothing from a user-supplied URL (and no traffic leaves).
    """
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if not _is_local(host):
            attempts.append(f"connect {address!r}")
            raise OutboundAttempt(f"outbound connection to {address!r} refused by the test")
        return real_connect(sock, address)

    def connect_ex(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if not _is_local(host):
            attempts.append(f"connect_ex {address!r}")
            raise OutboundAttempt(f"outbound connection to {address!r} refused by the test")
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host.decode() if isinstance(host, bytes) else host):
            attempts.append(f"resolve {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "name lookups are refused by the test")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts
