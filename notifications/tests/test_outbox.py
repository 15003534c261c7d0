"""The delivery outbox: states recorded by notify and the tasks, and the re-queue beat job.

The broker-down end-to-end proof (a real dead port, a real worker) is in
reliability/tests/test_outbox_broker_down.py; here Celery runs eagerly.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications import outbox, tasks
from notifications.models import DeliveryStatus, Notification
from notifications.services import chat_email_delay, notification_preference_update, notify
from notifications.tests.backends import FlakyBackend
from notifications.tests.conftest import FCM_URL
from notifications.tests.factories import DeviceFactory, NotificationFactory

pytestmark = pytest.mark.django_db

DATA = {"casting_id": "c-1", "casting_title": "Lookbook", "response_id": "r-1"}


def _later(minutes: int = 0):
    return timezone.now() + outbox.requeue_after() + timedelta(seconds=1, minutes=minutes)


def _chat_email_due():
    return timezone.now() + chat_email_delay() + timedelta(seconds=1)


def _stall(notification: Notification, **fields) -> None:
    """As if the broker had been down when notify queued it."""
    Notification.objects.filter(pk=notification.pk).update(
        email_status=DeliveryStatus.PENDING, email_attempts=0, **fields
    )


@pytest.fixture
def queued(monkeypatch):
    """Record what is queued instead of running it (the broker "accepts" but nothing runs)."""
    calls: list[tuple[str, tuple]] = []
    for task in (tasks.send_notification_email, tasks.send_notification_push):
        monkeypatch.setattr(task, "delay", lambda *a, _n=task.name: calls.append((_n, a)))
    return calls


@pytest.fixture
def dead_broker(monkeypatch):
    from kombu.exceptions import OperationalError

    def _refuse(*args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    for task in (tasks.send_notification_email, tasks.send_notification_push):
        monkeypatch.setattr(task, "delay", _refuse)


# --- states written by notify and the tasks ---------------------------------------------------


def test_notify_sends_and_records_the_email(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, type="new_response", data=DATA)

    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT
    assert notification.email_attempts == 1
    assert notification.email_last_error == ""
    assert notification.push_status == DeliveryStatus.SKIPPED  # no device
    assert len(mail.outbox) == 1


def test_email_switched_off_is_skipped_and_never_requeued(queued):
    user = UserFactory()
    notification_preference_update(user=user, email_enabled=False)

    notification = notify(user=user, type="new_response", data=DATA)

    assert notification.email_status == DeliveryStatus.SKIPPED
    assert notification.email_requeue_at is None
    assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 0


def test_coalesced_chat_emails_are_marked_skipped(django_capture_on_commit_callbacks):
    user = UserFactory()
    data = {"room_id": "room-1", "message_id": "m", "sender_name": "A", "preview": "hi"}
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(user=user, type="new_message", data=data)
    with django_capture_on_commit_callbacks(execute=True):
        second = notify(user=user, type="new_message", data=data)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.email_status == DeliveryStatus.PENDING  # held for the chat e-mail delay
    assert second.email_status == DeliveryStatus.SKIPPED
    outbox.requeue_stalled_deliveries(
        now=timezone.now() + chat_email_delay() + timedelta(seconds=1)
    )
    first.refresh_from_db()
    assert first.email_status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_a_chat_email_is_never_queued_on_the_send_path_and_skipped_once_read(queued):
    user = UserFactory()
    data = {"room_id": "room-1", "message_id": "m", "sender_name": "A", "preview": "hi"}
    notification = notify(user=user, type="new_message", data=data)
    assert queued == []
    notification.refresh_from_db()
    assert notification.email_requeue_at > timezone.now() + chat_email_delay() - timedelta(
        seconds=5
    )
    Notification.objects.filter(pk=notification.pk).update(is_read=True)

    outbox.requeue_stalled_deliveries(
        now=timezone.now() + chat_email_delay() + timedelta(seconds=1)
    )

    assert queued == [(tasks.send_notification_email.name, (str(notification.id),))]
    tasks.send_notification_email(str(notification.id))  # what the worker does with it
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SKIPPED
    assert mail.outbox == []


def test_a_dead_broker_leaves_the_row_pending(dead_broker, django_capture_on_commit_callbacks):
    user = UserFactory()
    device = DeviceFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, type="new_response", data=DATA)

    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.PENDING
    assert notification.push_status == DeliveryStatus.PENDING
    assert notification.push_devices == {str(device.id): DeliveryStatus.PENDING}
    assert mail.outbox == []


def test_a_duplicate_task_sends_nothing():
    notification = NotificationFactory()

    assert tasks.send_notification_email.delay(str(notification.id)).get() is True
    assert tasks.send_notification_email.delay(str(notification.id)).get() is False

    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SENT
    assert notification.email_attempts == 1
    assert len(mail.outbox) == 1


def test_a_notification_read_before_the_task_runs_is_skipped():
    notification = NotificationFactory(is_read=True)

    assert tasks.send_notification_email.delay(str(notification.id)).get() is False

    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.SKIPPED
    assert notification.email_attempts == 0


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "notifications.tests.backends.FlakyBackend"
    FlakyBackend.errors = []
    FlakyBackend.attempts = 0
    yield FlakyBackend
    FlakyBackend.errors = []


def test_transient_errors_are_recorded_and_the_claim_moves_past_the_retry(flaky, monkeypatch):
    notification = NotificationFactory()
    flaky.errors = [ConnectionError("connection reset")]

    result = outbox.email_attempt(notification_id=notification.id, retry_in=600, final=False)

    assert isinstance(result, outbox.TransientDeliveryError)
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.PENDING
    assert notification.email_attempts == 1
    assert "connection reset" in notification.email_last_error
    # The outbox leaves it to the task's own retry (10 min) plus the re-queue delay.
    assert notification.email_requeue_at > timezone.now() + timedelta(seconds=600)


def test_exhausted_retries_mark_the_email_failed(flaky):
    from mwork.celery import app

    notification = NotificationFactory()
    flaky.errors = [ConnectionError("down")] * 10
    app.conf.task_eager_propagates = False
    try:
        result = tasks.send_notification_email.apply(args=[str(notification.id)])
    finally:
        app.conf.task_eager_propagates = True

    assert result.state == "FAILURE"
    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.FAILED
    assert notification.email_attempts == tasks.MAX_RETRIES + 1
    assert "down" in notification.email_last_error


def test_permanent_refusal_marks_the_email_failed(flaky):
    from anymail.exceptions import AnymailRecipientsRefused

    notification = NotificationFactory()
    flaky.errors = [AnymailRecipientsRefused("rejected")]

    assert tasks.send_notification_email.delay(str(notification.id)).get() is False

    notification.refresh_from_db()
    assert notification.email_status == DeliveryStatus.FAILED
    assert notification.email_attempts == 1


# --- push -------------------------------------------------------------------------------------


def test_push_states_per_device(fcm, dead_broker, django_capture_on_commit_callbacks, monkeypatch):
    user = UserFactory()
    alive, dead = DeviceFactory(user=user), DeviceFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, type="new_response", data=DATA)
    notification.refresh_from_db()
    assert notification.push_status == DeliveryStatus.PENDING

    fcm.add("POST", FCM_URL, json={"name": "projects/x/messages/1"}, status=200)
    assert tasks.send_notification_push.apply(args=[str(notification.id), str(alive.id)]).result
    notification.refresh_from_db()
    assert notification.push_status == DeliveryStatus.PENDING  # the other device is pending
    fcm.replace("POST", FCM_URL, json={"error": {"status": "NOT_FOUND"}}, status=404)
    tasks.send_notification_push.apply(args=[str(notification.id), str(dead.id)])

    notification.refresh_from_db()
    assert notification.push_devices == {
        str(alive.id): DeliveryStatus.SENT,
        str(dead.id): DeliveryStatus.FAILED,
    }
    assert notification.push_status == DeliveryStatus.SENT
    assert notification.push_attempts == 2
    # A duplicate push task for a settled device does nothing.
    duplicate = tasks.send_notification_push.apply(args=[str(notification.id), str(alive.id)])
    assert duplicate.result is False
    assert len(fcm.calls) == 2


def test_push_without_fcm_is_skipped(no_fcm, django_capture_on_commit_callbacks):
    user = UserFactory()
    DeviceFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, type="new_response", data=DATA)

    notification.refresh_from_db()
    assert notification.push_status == DeliveryStatus.SKIPPED


# --- the re-queue beat job --------------------------------------------------------------------


def test_requeue_waits_for_the_claim_then_queues_email_and_pending_pushes(
    dead_broker, django_capture_on_commit_callbacks, monkeypatch
):
    user = UserFactory()
    device = DeviceFactory(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, type="new_response", data=DATA)
    calls: list = []
    monkeypatch.setattr(tasks.send_notification_email, "delay", lambda *a: calls.append(("e", a)))
    monkeypatch.setattr(tasks.send_notification_push, "delay", lambda *a: calls.append(("p", a)))

    assert outbox.requeue_stalled_deliveries().as_dict() == {
        "email_queued": 0,
        "push_queued": 0,
        "given_up": 0,
        "broker_down": False,
    }
    report = outbox.requeue_stalled_deliveries(now=_later())

    assert (report.email_queued, report.push_queued) == (1, 1)
    assert calls == [("e", (str(notification.id),)), ("p", (str(notification.id), str(device.id)))]
    # Claimed again: a second run at the same moment queues nothing more.
    assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 0


def test_requeue_runs_in_bounded_batches(queued, settings):
    settings.NOTIFICATIONS_OUTBOX_BATCH_SIZE = 3
    for notification in NotificationFactory.create_batch(5):
        _stall(notification, email_requeue_at=timezone.now())

    assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 3
    assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 2
    assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 0
    assert len({args for _, args in queued}) == 5


def test_requeue_gives_up_on_rows_older_than_the_max_age(queued, settings):
    settings.NOTIFICATIONS_OUTBOX_MAX_AGE_HOURS = 1
    old = NotificationFactory(created_at=timezone.now() - timedelta(hours=2))
    _stall(old, email_requeue_at=timezone.now())

    report = outbox.requeue_stalled_deliveries(now=_later())

    assert (report.email_queued, report.given_up) == (0, 1)
    old.refresh_from_db()
    assert old.email_status == DeliveryStatus.FAILED
    assert "gave up" in old.email_last_error


def test_rows_without_a_claim_are_never_requeued(queued):
    """Rows the outbox never claimed (history from before the outbox) are left alone."""
    NotificationFactory()  # email_requeue_at is NULL

    assert outbox.requeue_stalled_deliveries(now=_later(60 * 24)).email_queued == 0


def test_the_beat_job_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-requeue-stalled-deliveries"]
    assert entry["task"] == "notifications.tasks.requeue_stalled_deliveries"
    assert entry["schedule"] <= outbox.requeue_after().total_seconds()
    assert tasks.requeue_stalled_deliveries.delay().get()["email_queued"] == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
def test_a_row_locked_by_a_running_delivery_is_skipped_by_the_job(queued):
    """A delivery in progress holds the row lock; the job skips it instead of waiting."""
    notification = NotificationFactory()
    _stall(notification, email_requeue_at=timezone.now())
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with transaction.atomic():
            Notification.objects.select_for_update().get(pk=notification.pk)
            locked.set()
            release.wait(timeout=10)
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 0
    finally:
        release.set()
        holder.join(timeout=10)
    assert outbox.requeue_stalled_deliveries(now=_later()).email_queued == 1
