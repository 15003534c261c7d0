"""Fixtures of the media tests: an isolated local storage per test, and an S3-compatible moto
server (one per session, on a free loopback port) for the R2 path."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

MOTO_ACCESS_KEY = "testing-access-key"
MOTO_SECRET_KEY = "testing-secret-key"


@pytest.fixture(autouse=True)
def local_storage(settings, tmp_path) -> Path:
    """Every test writes to its own folder, so "no file was left" is checkable exactly.

    Changing STORAGES through the `settings` fixture fires `setting_changed`, which resets
    Django's cached storage handler and `default_storage`.
    """
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    return root


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, moto_endpoint, local_storage) -> dict[str, Any]:
    """Point the default storage at a fresh bucket on the moto server, configured exactly as
    `mwork/settings.py` configures R2 (path addressing, SigV4, no overwrite)."""
    import boto3

    bucket = f"mwork-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        aws_access_key_id=MOTO_ACCESS_KEY,
        aws_secret_access_key=MOTO_SECRET_KEY,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": moto_endpoint,
                "access_key": MOTO_ACCESS_KEY,
                "secret_key": MOTO_SECRET_KEY,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "file_overwrite": False,
                "querystring_auth": True,
                "default_acl": None,
            },
        },
    }
    return {"client": client, "bucket": bucket, "endpoint": moto_endpoint}


# ---------------------------------------------------------------------------------------------
# profiles and images
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def make_profile(make_user) -> Callable[..., Any]:
    """`make_profile(user=None, plan=None, **fields)`: a model user with a model profile."""
    from profiles.models import ModelProfile

    counter = iter(range(1, 10_000))

    def _make(user=None, plan: str | None = None, **fields) -> ModelProfile:
        if user is None:
            user = make_user(role="model", plan=plan)
        defaults = {"name": f"Aruzhan Test {next(counter)}", "age": 24, "gender": "female"}
        defaults.update(fields)
        return ModelProfile.objects.create(user=user, **defaults)

    return _make
