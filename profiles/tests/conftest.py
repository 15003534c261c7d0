from __future__ import annotations

import pytest


@pytest.fixture
def media_root(settings, tmp_path):
    """Local file storage in a temporary folder (photo URLs become /media/...)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": "/media/"},
        },
    }
    return tmp_path
