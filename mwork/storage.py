"""Addresses of stored files, for every app (the one place that turns a file name into a URL).

A storage whose addresses never change (local media, or R2 behind its public domain: no signed
query string) is asked once per name and process (`_stable_url`, 8,192 names): a list of rooms
or profiles asked it for every avatar, ~20 µs each through urljoin (docs/PERFORMANCE.md,
"Timestamps parsed in C"). Signed addresses (R2 without a public domain) expire, so they are
made anew every time. Which of the two the storage is, is also asked once (`_signed`): the
lazy storage's attribute lookup cost ~1.8 µs, as much again as a remembered address. A change
of the storage settings (tests) forgets what was remembered.
"""

from __future__ import annotations

import functools

from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver


def storage_url(name: str | None) -> str | None:
    """Public URL of a stored file (R2/CDN or local media), or None for an empty name."""
    if not name:
        return None
    if _signed():  # it expires
        return default_storage.url(name)
    return _stable_url(name)


@functools.cache
def _signed() -> bool:
    return bool(getattr(default_storage, "querystring_auth", False))


@functools.lru_cache(maxsize=8192)
def _stable_url(name: str) -> str:
    return default_storage.url(name)


@receiver(setting_changed)
def _storage_changed(*, setting: str, **kwargs: object) -> None:
    if setting in ("STORAGES", "MEDIA_URL", "MEDIA_ROOT") or setting.startswith("AWS_"):
        _stable_url.cache_clear()
        _signed.cache_clear()
