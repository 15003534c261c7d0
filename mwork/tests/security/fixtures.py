"""Fixtures shared by `mwork/tests/security/` and `mwork/tests/fuzz/` (imported by both
conftests): an isolated media folder, rate limits off, the two-party world, API clients."""

from __future__ import annotations

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
