"""The data export archive (docs/PRIVACY.md "Export"): build, store privately, sign links.

The archive is a zip of `account.json`, one JSON file per kind of personal data named in
`privacy.catalogue` (plus `audit.json`: staff actions about the person) and the original
photos under `photos/`. It lives in `storages["exports"]`: a private prefix of the bucket with
R2 (the link is an S3 presigned URL), a private folder otherwise (the link is a signed URL of
our own download endpoint). Either way the link dies at `expires_at`.
"""

from __future__ import annotations

import json
import logging
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from django.apps import apps
from django.core import signing
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from media.models import Photo
from moderation.models import AuditLogEntry
from privacy.catalogue import CATALOGUE
from safety.models import TargetKind

logger = logging.getLogger(__name__)

_LINK_SALT = "privacy.export-download"
# Never in an archive: secrets and derived index data.
_OMITTED_FIELDS = {"password", "search_vector", "token", "key"}


def export_storage():
    return storages["exports"]


def _dump(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def _rows(model: Any, lookup: str, user: User) -> list[dict[str, Any]]:
    rows = model.objects.filter(**{lookup: user}).order_by("pk").values()
    return [{k: v for k, v in row.items() if k not in _OMITTED_FIELDS} for row in rows]


def export_sections(*, user: User) -> dict[str, Any]:
    """File name → content of every JSON file of the archive."""
    sections: dict[str, Any] = {
        "account": {
            "id": user.pk,
            "email": user.email,
            "role": user.role,
            "language": user.language,
            "email_verified": user.email_verified,
            "created_at": user.created_at,
            "last_login": user.last_login,
        }
    }
    for entry in CATALOGUE:
        if entry.export is None:
            continue
        try:
            model = apps.get_model(entry.model)
        except LookupError:
            continue
        sections[entry.export] = _rows(model, entry.path_to_user, user)
    sections["audit"] = list(
        AuditLogEntry.objects.filter(target_type=TargetKind.USER, target_id=str(user.pk))
        .order_by("created_at")
        .values("action", "reason", "created_at")
    )
    return sections


def archive_build(*, user: User, name: str) -> tuple[str, int]:
    """Write the archive of `user` to export storage under `name`; returns (stored name, size).
    Photos missing from storage are listed in `photos.json` and skipped."""
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for section, content in export_sections(user=user).items():
                archive.writestr(f"{section}.json", _dump(content))
            for photo in Photo.objects.filter(profile__user=user).order_by("order", "created_at"):
                suffix = PurePosixPath(photo.image).suffix or ".jpg"
                try:
                    with default_storage.open(photo.image, "rb") as source:
                        archive.writestr(f"photos/{photo.pk}{suffix}", source.read())
                except OSError:
                    logger.warning("photo %s missing from storage, not exported", photo.pk)
        size = buffer.tell()
        buffer.seek(0)
        stored = export_storage().save(name, File(buffer, name=name))
    return stored, size


def download_token(*, export_id: Any, expires_at: datetime) -> str:
    return signing.dumps({"e": str(export_id), "x": expires_at.timestamp()}, salt=_LINK_SALT)


def download_token_export_id(token: str) -> str | None:
    """The export id of a still-valid download token, or None."""
    try:
        data = signing.loads(token, salt=_LINK_SALT)
        if float(data["x"]) <= timezone.now().timestamp():
            return None
        return str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def download_url(*, export: Any, base_url: str) -> str | None:
    """A link to the archive valid until `expires_at` (None when not ready or expired)."""
    if not export.file or export.expires_at is None or export.expires_at <= timezone.now():
        return None
    storage = export_storage()
    if not isinstance(storage, FileSystemStorage):
        seconds = int((export.expires_at - timezone.now()).total_seconds())
        return storage.url(export.file, expire=seconds)
    token = download_token(export_id=export.pk, expires_at=export.expires_at)
    path = reverse("privacy:export-download", kwargs={"token": token})
    return f"{base_url.rstrip('/')}{path}"


def export_files_delete(names: Iterable[str]) -> None:
    """Remove archives; a missing file or a storage hiccup is logged, never raised."""
    storage = export_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("could not delete export archive %s", name)
