"""Thin Celery wrappers around agencies services: take ids, call a service."""

from __future__ import annotations

from celery import shared_task

from agencies import services


@shared_task(acks_late=True)
def deliver_organization_invitation(invitation_id: str) -> bool:
    """Notify the holder of an invited address, if any; a redelivered task sends nothing."""
    return services.organization_invitation_deliver(invitation_id=invitation_id)
