"""Thin Celery wrappers for chat: the queued `new_message` notifications."""

from __future__ import annotations

from celery import shared_task

from chat import services


@shared_task(ignore_result=True)
def notify_new_messages() -> int:
    """Make the queued `new_message` notifications, batch after batch until the queue is empty
    (woken by the first message queued; beat runs it too, for a wake-up that was lost)."""
    taken = total = services.chat_notifications_flush()
    while taken >= services.NOTIFICATION_BATCH:
        taken = services.chat_notifications_flush()
        total += taken
    return total
