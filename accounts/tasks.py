"""Celery tasks of accounts: thin wrappers that take ids and send the account e-mails."""

from __future__ import annotations

import logging
import smtplib

from anymail.exceptions import AnymailAPIError
from celery import shared_task

from accounts import emails
from accounts.models import User

logger = logging.getLogger(__name__)

# Network and provider (Resend 5xx/timeouts) failures are worth retrying; template bugs are not.
_RETRY_ON = (OSError, smtplib.SMTPException, AnymailAPIError)


@shared_task(
    autoretry_for=_RETRY_ON,
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    acks_late=True,
)
def send_verification_email(user_id: str) -> None:
    """E-mail a verification link unless the user is gone, banned or already verified."""
    user = User.objects.filter(pk=user_id, is_active=True, email_verified=False).first()
    if user is None:
        logger.info("verification e-mail skipped for %s", user_id)
        return
    emails.verification_email_send(user=user)


@shared_task(
    autoretry_for=_RETRY_ON,
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    acks_late=True,
)
def send_password_reset_email(user_id: str) -> None:
    """E-mail a password reset link unless the user is gone or banned."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        logger.info("password reset e-mail skipped for %s", user_id)
        return
    emails.password_reset_email_send(user=user)


@shared_task
def flush_expired_tokens() -> int:
    """Delete refresh-token bookkeeping rows (outstanding/blacklisted) past their expiry."""
    from accounts.services import refresh_tokens_flush_expired  # services import this module

    return refresh_tokens_flush_expired()
