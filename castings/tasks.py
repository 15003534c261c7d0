"""Thin Celery wrappers around castings services: take ids, call a service."""

from __future__ import annotations

from celery import shared_task

from castings import employer_trust, services


@shared_task(acks_late=True)
def notify_matching_models(casting_id: str) -> int:
    """Fan out new_casting for a newly active casting: one sub-task per batch of users.

    The claim inside the service makes a redelivered task send nothing twice. Returns the
    number of batches queued.
    """
    batches = 0
    for user_ids in services.casting_matching_user_batches(casting_id=casting_id):
        notify_matching_models_batch.delay(casting_id, user_ids)
        batches += 1
    return batches


@shared_task(acks_late=True)
def notify_matching_models_batch(casting_id: str, user_ids: list[str]) -> int:
    """Send new_casting to one batch of matching models."""
    return services.casting_notify_users(casting_id=casting_id, user_ids=user_ids)


@shared_task(acks_late=True)
def send_casting_reminders() -> int:
    """Beat job (every 15 min): casting_reminder to accepted models 24 h before the shoot, and
    audition_reminder to invited models 24 h before an audition."""
    castings = services.castings_send_reminders()
    return castings + services.auditions_send_reminders()


@shared_task(acks_late=True)
def complete_finished_castings() -> int:
    """Beat job (hourly): active castings past shoot_date + duration_days become completed."""
    return services.castings_complete_finished()


@shared_task(acks_late=True)
def announce_missed_castings() -> int:
    """Beat job (every 10 min): queue the new_casting fan-out of castings whose first attempt
    was lost (broker down at publish time). Returns how many were queued."""
    casting_ids = services.castings_announce_missed()
    for casting_id in casting_ids:
        notify_matching_models.delay(casting_id)
    return len(casting_ids)


@shared_task(acks_late=True)
def notify_response_status_changes(response_ids: list[str], status: str, message: str = "") -> int:
    """Tell each model of a bulk status change (one notification per response)."""
    return services.responses_notify_status(
        response_ids=response_ids, status=status, message=message
    )


@shared_task(acks_late=True)
def rollup_employer_stats() -> int:
    """Beat job (nightly): employers' castings_posted and response_rate (docs/TRUST.md)."""
    return employer_trust.employer_stats_rollup()
