"""mwork.storage: stable addresses are remembered per name, and forgotten when storage changes."""

from __future__ import annotations


def test_a_stable_storage_url_is_remembered_and_forgotten_when_storage_changes(settings):
    from mwork.storage import _stable_url, storage_url

    def local(base_url):
        default = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        return {**settings.STORAGES, "default": {**default, "OPTIONS": {"base_url": base_url}}}

    settings.STORAGES = local("/media/")
    first = storage_url("avatars/a b.jpg")
    assert storage_url("avatars/a b.jpg") == first == "/media/avatars/a%20b.jpg"
    assert _stable_url.cache_info().hits >= 1

    settings.STORAGES = local("https://cdn.example/m/")
    assert storage_url("avatars/a b.jpg") == "https://cdn.example/m/avatars/a%20b.jpg"
    assert storage_url("") is None
