"""Robokassa's server-to-server ResultURL lives outside /api/v1 (contract: Webhooks)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
