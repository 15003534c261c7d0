"""Thin Celery wrappers around saved-search services: beat jobs and the digest e-mail."""

from __future__ import annotations

import smtplib

from anymail.exceptions import AnymailAPIError
from celery import shared_task

from searches import emails, services
from searches.models import SearchKind


@shared_task(acks_late=True)
def match_saved_searches() -> int:
    """Beat job (every minute): match new castings and new or updated model profiles against
    the saved searches, then send the instant alerts. Returns the pairs found."""
    found = sum(services.saved_searches_match(kind=kind) for kind in SearchKind.values)
    if found:
        deliver_instant_matches.delay()
    return found


@shared_task(acks_late=True)
def deliver_instant_matches() -> int:
    """`saved_search_match` notifications for undelivered matches of instant searches."""
    return services.saved_search_matches_deliver_instant()


@shared_task(acks_late=True)
def send_saved_search_digests() -> int:
    """Beat job (hourly): the due daily/weekly digests, one e-mail task per user."""
    digests = services.saved_search_digests_claim()
    for user_id, sections in digests.items():
        send_saved_search_digest.delay(user_id, sections)
    return len(digests)


@shared_task(
    acks_late=True,
    # Network and provider failures are worth retrying (as for the account e-mails).
    autoretry_for=(OSError, smtplib.SMTPException, AnymailAPIError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_saved_search_digest(user_id: str, sections: list[services.DigestSection]) -> bool:
    """E-mail one user's digest (skipped when e-mail is switched off)."""
    return emails.saved_search_digest_send(user_id=user_id, sections=sections)
