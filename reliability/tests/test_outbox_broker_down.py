"""Nothing lost when the broker is down: the notification outbox (docs/RELIABILITY.md §3).

The broker is a private redis-server on a reserved port. While nothing listens there, `notify`
cannot queue the e-mail (`.delay` raises kombu's OperationalError: a real refused connection,
no mock); the row stays pending. Once redis-server is started on that port the beat job
re-queues it, a real Celery worker (in a thread of this process) consumes it, and the e-mail
goes out exactly once — also when the job runs again and when a stale duplicate task arrives.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.tests.factories import UserFactory
from mwork.celery import app as celery_app
from notifications import outbox, tasks
from notifications.models import DeliveryStatus, Notification
from notifications.services import notify
from reliability.tests.conftest import broker, needs_redis_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    needs_redis_server,
    pytest.mark.timeout(60),
]

DATA = {
    "casting_id": "c-1",
    "casting_title": "Autumn lookbook",
    "response_id": "r-1",
    "applicant_name": "Aigerim",
}


def _wait(predicate, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


def _later() -> timezone.datetime:
    """A moment after every claim taken now has passed."""
    return timezone.now() + outbox.requeue_after() + timedelta(seconds=1)


def test_delay_to_a_dead_broker_raises_a_real_operational_error(private_redis):
    with broker(private_redis.url), pytest.raises(OperationalError):
        tasks.send_notification_email.delay("00000000-0000-0000-0000-000000000000")


def test_an_email_dropped_by_a_dead_broker_is_requeued_and_sent_exactly_once(private_redis):
    user = UserFactory(email="aigerim@example.kz")

    with broker(private_redis.url):
        # 1. Broker down: notify stores the row and cannot queue the e-mail.
        notification = notify(user=user, type="new_response", data=DATA)
        notification.refresh_from_db()
        assert notification.email_status == DeliveryStatus.PENDING
        assert notification.email_attempts == 0
        assert notification.email_requeue_at > timezone.now()

        # 2. The beat job leaves a fresh claim alone, and stops cleanly while the broker is down.
        assert outbox.requeue_stalled_deliveries().as_dict()["email_queued"] == 0
        report = outbox.requeue_stalled_deliveries(now=_later())
        assert report.broker_down is True
        assert report.email_queued == 0
        notification.refresh_from_db()
        assert notification.email_status == DeliveryStatus.PENDING
        assert notification.email_requeue_at <= _later()  # released for the next run

        # 3. The broker comes back on the same port: the job queues it once.
        private_redis.start()
        assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 1
        # A second run right after finds the claim taken and queues nothing.
        assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 0
        # A stale duplicate (e.g. the original publish retried by kombu) is on the queue too.
        tasks.send_notification_email.delay(str(notification.id))

        # 4. A real worker consumes the queue: one e-mail, the row records it.
        with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=10):
            _wait(
                lambda: (
                    Notification.objects.get(id=notification.id).email_attempts >= 1
                    and len(mail.outbox) >= 1
                )
            )
            time.sleep(0.5)  # let the duplicate run too

    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT
    assert notification.email_attempts == 1
    assert [message.to for message in mail.outbox] == [["aigerim@example.kz"]]
    assert mail.outbox[0].subject == notification.title
    # Sent rows are never picked again.
    assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 0
