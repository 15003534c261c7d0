"""Thin Celery wrappers around analytics services."""

from __future__ import annotations

from celery import shared_task

from analytics import services


@shared_task(acks_late=True)
def rollup_views() -> int:
    """Beat job: roll up the finished days' profile and casting views (idempotent)."""
    return services.views_rollup()


@shared_task
def flush_views() -> int:
    """Beat job: store the views buffered in Redis (skips when another flush is running)."""
    return services.views_flush()
