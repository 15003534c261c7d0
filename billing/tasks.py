"""Billing beat jobs: thin wrappers around the lifecycle services (each idempotent)."""

from celery import shared_task

from billing import services


@shared_task(acks_late=True)
def expire_subscriptions() -> int:
    return services.subscriptions_expire()


@shared_task(acks_late=True)
def send_renewal_reminders() -> int:
    return services.subscriptions_send_reminders()


@shared_task(acks_late=True)
def renew_subscriptions() -> int:
    return services.subscriptions_renew_due()


@shared_task(acks_late=True)
def fail_stale_payments() -> int:
    return services.payments_fail_stale()
