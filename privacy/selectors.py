"""Reads of the privacy app."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from mwork.api.exceptions import NotFound
from privacy.models import DataExport


def data_export_get_for_owner(*, user: User, export_id: Any) -> DataExport:
    """The caller's own export; `NotFound` for anyone else's or an unknown id."""
    export = DataExport.objects.filter(pk=export_id, user=user).first()
    if export is None:
        raise NotFound()
    return export


def data_export_get_by_id(*, export_id: Any) -> DataExport | None:
    return DataExport.objects.filter(pk=export_id).exclude(file="").first()
