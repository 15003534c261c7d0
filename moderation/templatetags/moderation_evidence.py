"""Filters for the report decision page: storage URLs and admin links of the evidence."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from mwork.storage import storage_url

register = template.Library()


@register.filter(name="storage_url")
def storage_url_filter(name: str) -> str:
    return storage_url(name) or ""


@register.filter
def admin_change_url(obj: Any) -> str:
    """The object's admin page, or "" when it has none (its app or admin is not installed)."""
    if obj is None:
        return ""
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""
