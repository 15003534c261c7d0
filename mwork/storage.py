"""Addresses of stored files, for every app (the one place that turns a file name into a URL)."""

from __future__ import annotations

from django.core.files.storage import default_storage


def storage_url(name: str | None) -> str | None:
    """Public URL of a stored file (R2/CDN or local media), or None for an empty name."""
    return default_storage.url(name) if name else None
