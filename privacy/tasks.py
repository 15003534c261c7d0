"""Celery tasks of the privacy app: thin wrappers that take ids and call services."""

from __future__ import annotations

import smtplib

from anymail.exceptions import AnymailAPIError
from celery import shared_task

from accounts.models import User
from privacy import emails

_RETRY_ON = (OSError, smtplib.SMTPException, AnymailAPIError)


@shared_task(
    autoretry_for=_RETRY_ON, retry_backoff=30, retry_backoff_max=600, max_retries=5, acks_late=True
)
def send_deletion_scheduled_email(user_id: str) -> None:
    """E-mail the deletion notice with the undo link, unless the deletion was undone."""
    user = User.objects.filter(pk=user_id, purge_at__isnull=False).first()
    if user is not None:
        emails.deletion_scheduled_email_send(user=user)


@shared_task(acks_late=True)
def purge_due_accounts() -> int:
    """Beat: erase the accounts whose grace period is over."""
    from privacy.services import accounts_purge_due  # services import this module

    return accounts_purge_due()


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def build_data_export(export_id: str) -> None:
    """Build the archive of one export request and notify its user."""
    from django.conf import settings

    from privacy.services import data_export_build  # services import this module

    data_export_build(export_id=export_id, base_url=settings.API_PUBLIC_URL)


@shared_task
def delete_expired_exports() -> int:
    """Beat: delete export archives whose link has expired."""
    from privacy.services import data_exports_delete_expired  # services import this module

    return data_exports_delete_expired()
