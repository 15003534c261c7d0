"""mwork.storage: stable addresses are remembered per name, and forgotten when storage changes."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


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


class CountingSignedStorage(FileSystemStorage):
    """A storage whose addresses expire (as S3's presigned ones): each is made anew."""

    querystring_auth = True
    made = 0

    def url(self, name):
        type(self).made += 1
        return f"{super().url(name)}?signature={type(self).made}"


def test_a_signed_storage_makes_every_address_anew_and_a_change_of_storage_is_noticed(settings):
    from mwork.storage import storage_url

    local = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    signed = {"BACKEND": f"{__name__}.CountingSignedStorage"}
    settings.STORAGES = {**settings.STORAGES, "default": local}
    assert storage_url("a.jpg") == storage_url("a.jpg") == "/media/a.jpg"

    settings.STORAGES = {**settings.STORAGES, "default": signed}
    first, second = storage_url("a.jpg"), storage_url("a.jpg")
    assert first != second
    assert first.startswith("/media/a.jpg?signature=")

    settings.STORAGES = {**settings.STORAGES, "default": local}
    assert storage_url("a.jpg") == "/media/a.jpg"
