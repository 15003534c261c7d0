from __future__ import annotations

import json
import smtplib

import pytest
import requests
from anymail.exceptions import AnymailRecipientsRefused, AnymailRequestsAPIError
from django.core import mail

from accounts.tests.factories import UserFactory
from notifications import tasks
from notifications.delivery_email import TransientDeliveryError, classify
from notifications.models import Device
from notifications.tests.backends import FlakyBackend
from notifications.tests.conftest import FCM_URL
from notifications.tests.factories import DeviceFactory, NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "notifications.tests.backends.FlakyBackend"
    FlakyBackend.errors = []
    FlakyBackend.attempts = 0
    yield FlakyBackend
    FlakyBackend.errors = []


def _resend_error(status: int) -> AnymailRequestsAPIError:
    """What anymail's Resend backend raises for an HTTP error answer."""
    response = requests.Response()
    response.status_code = status
    response.reason = "Resend says no"
    response._content = b'{"message": "error"}'
    return AnymailRequestsAPIError(f"Resend API response {status}", response=response)


@pytest.fixture(autouse=True)
def _eager_retries():
    """Let eager apply() run retries itself, as a worker would (propagating stops at the first)."""
    from mwork.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def _send_email(notification_id):
    return tasks.send_notification_email.apply(args=[str(notification_id)])


def _send_push(notification_id, device_id):
    return tasks.send_notification_push.apply(args=[str(notification_id), str(device_id)])


def _timeout_error():
    error_class = type("AnymailRequestsAPIError", (AnymailRequestsAPIError, requests.Timeout), {})
    return error_class("Resend timed out")


# --- e-mail ----------------------------------------------------------------------------------


def test_email_has_plain_text_and_html_bodies_in_the_users_language(settings):
    settings.FRONTEND_URL = "https://mwork.kz"
    user = UserFactory(language="ru")
    notification = NotificationFactory(
        user=user,
        type="new_response",
        title="Новый отклик на ваш кастинг",
        message="Айша <Нуржанова> откликнулась",
        data={"casting_id": "c-1"},
    )

    assert tasks.send_notification_email.delay(str(notification.id)).get() is True

    (email,) = mail.outbox
    assert email.to == [user.email]
    assert email.subject == "Новый отклик на ваш кастинг"
    assert "Айша <Нуржанова> откликнулась" in email.body
    assert "https://mwork.kz/castings/c-1/responses" in email.body
    assert "Открыть в MWork" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "Айша &lt;Нуржанова&gt; откликнулась" in html
    assert 'lang="ru"' in html


@pytest.mark.parametrize(
    "error",
    [
        _resend_error(503),
        _resend_error(429),
        ConnectionError("connection reset"),
        smtplib.SMTPServerDisconnected("gone"),
        smtplib.SMTPResponseException(451, b"try again later"),
    ],
    ids=["5xx", "429", "connection", "smtp-disconnected", "smtp-4xx"],
)
def test_transient_email_failure_is_retried_then_delivered(flaky, error):
    notification = NotificationFactory()
    flaky.errors = [error]

    result = _send_email(notification.id)

    assert result.successful() and result.result is True
    assert flaky.attempts == 2
    assert len(mail.outbox) == 1


def test_a_timeout_through_anymail_is_retried(flaky):
    notification = NotificationFactory()
    flaky.errors = [_timeout_error(), _timeout_error()]

    assert _send_email(notification.id).result is True

    assert flaky.attempts == 3
    assert len(mail.outbox) == 1


def test_transient_email_failures_give_up_after_max_retries(flaky):
    notification = NotificationFactory()
    flaky.errors = [_resend_error(502)] * 10

    result = _send_email(notification.id)

    assert result.state == "FAILURE"
    assert isinstance(result.result, TransientDeliveryError)
    assert flaky.attempts == tasks.MAX_RETRIES + 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    "error",
    [
        AnymailRecipientsRefused("recipient rejected"),
        _resend_error(422),
        _resend_error(403),
        smtplib.SMTPRecipientsRefused({"x@example.kz": (550, b"no such user")}),
    ],
    ids=["recipients-refused", "422", "403", "smtp-550"],
)
def test_permanent_email_failure_is_not_retried(flaky, error):
    notification = NotificationFactory()
    flaky.errors = [error]

    result = _send_email(notification.id)

    assert result.successful() and result.result is False
    assert flaky.attempts == 1
    assert mail.outbox == []


def test_retries_use_exponential_backoff(flaky, monkeypatch):
    notification = NotificationFactory()
    flaky.errors = [_resend_error(503)] * 2
    countdowns = []
    original_retry = tasks.send_notification_email.retry

    def spy(*args, **kwargs):
        countdowns.append(kwargs["countdown"])
        return original_retry(*args, **kwargs)

    monkeypatch.setattr(tasks.send_notification_email, "retry", spy)

    assert _send_email(notification.id).result is True

    assert len(countdowns) == 2
    assert 30 <= countdowns[0] <= 33
    assert 60 <= countdowns[1] <= 66


def test_backoff_grows_and_is_capped():
    for retries in range(12):
        base = min(3600, 30 * 2**retries)
        assert base <= tasks.backoff_seconds(retries) <= base + base // 10 + 1


def test_email_is_skipped_when_already_read_or_user_banned():
    read = NotificationFactory(is_read=True)
    banned = NotificationFactory(user=UserFactory(is_active=False))

    assert tasks.send_notification_email.delay(str(read.id)).get() is False
    assert tasks.send_notification_email.delay(str(banned.id)).get() is False
    assert (
        tasks.send_notification_email.delay("00000000-0000-0000-0000-000000000000").get() is False
    )
    assert mail.outbox == []


def test_classify_unknown_errors_as_permanent():
    assert classify(ValueError("bad")).__name__ == "PermanentDeliveryError"
    assert classify(requests.ConnectionError("x")).__name__ == "TransientDeliveryError"


# --- push (FCM HTTP v1) ----------------------------------------------------------------------


def test_push_sends_the_exact_fcm_payload(fcm):
    device = DeviceFactory(platform="android")
    notification = NotificationFactory(
        user=device.user,
        type="new_message",
        title="Новое сообщение от Данияр",
        message="Привет!",
        data={"room_id": "r-1", "message_id": "m-1", "sender_id": "s-1", "sender_name": "Данияр"},
    )
    fcm.post(FCM_URL, json={"name": "projects/mwork-test/messages/0:1"})

    assert tasks.send_notification_push.delay(str(notification.id), str(device.id)).get() is True

    (call,) = fcm.calls
    assert call.request.url == FCM_URL
    assert call.request.headers["Authorization"] == "Bearer fake-access-token"
    assert json.loads(call.request.body) == {
        "message": {
            "token": device.token,
            "notification": {"title": "Новое сообщение от Данияр", "body": "Привет!"},
            "data": {
                "room_id": "r-1",
                "message_id": "m-1",
                "sender_id": "s-1",
                "sender_name": "Данияр",
                "notification_id": str(notification.id),
                "type": "new_message",
            },
            "android": {"priority": "high"},
        }
    }


def test_push_to_ios_sets_apns_priority_and_stringifies_data(fcm):
    device = DeviceFactory(platform="ios")
    notification = NotificationFactory(
        user=device.user, type="payment_succeeded", data={"amount": 5000, "plan": "PRO"}
    )
    fcm.post(FCM_URL, json={"name": "x"})

    tasks.send_notification_push.delay(str(notification.id), str(device.id)).get()

    message = json.loads(fcm.calls[0].request.body)["message"]
    assert message["apns"] == {"headers": {"apns-priority": "10"}}
    assert message["data"]["amount"] == "5000"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (
            404,
            {
                "code": 404,
                "status": "NOT_FOUND",
                "message": "Requested entity was not found.",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                        "errorCode": "UNREGISTERED",
                    }
                ],
            },
        ),
        (
            400,
            {
                "code": 400,
                "status": "INVALID_ARGUMENT",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                        "errorCode": "UNREGISTERED",
                    }
                ],
            },
        ),
    ],
    ids=["404-not-found", "unregistered"],
)
def test_dead_tokens_are_deleted(fcm, status, error):
    device = DeviceFactory()
    kept = DeviceFactory(user=device.user)
    notification = NotificationFactory(user=device.user)
    fcm.post(FCM_URL, status=status, json={"error": error})

    assert tasks.send_notification_push.delay(str(notification.id), str(device.id)).get() is False

    assert not Device.objects.filter(id=device.id).exists()
    assert Device.objects.filter(id=kept.id).exists()


def test_a_rejected_push_that_is_not_a_dead_token_keeps_the_device(fcm):
    device = DeviceFactory()
    notification = NotificationFactory(user=device.user)
    fcm.post(FCM_URL, status=400, json={"error": {"code": 400, "status": "INVALID_ARGUMENT"}})

    assert tasks.send_notification_push.delay(str(notification.id), str(device.id)).get() is False

    assert Device.objects.filter(id=device.id).exists()
    assert len(fcm.calls) == 1


def test_transient_fcm_errors_are_retried(fcm):
    device = DeviceFactory()
    notification = NotificationFactory(user=device.user)
    fcm.post(FCM_URL, status=503, json={"error": {"code": 503, "status": "UNAVAILABLE"}})
    fcm.post(FCM_URL, status=429, json={"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}})
    fcm.post(FCM_URL, json={"name": "ok"})

    assert _send_push(notification.id, device.id).result is True

    assert len(fcm.calls) == 3
    assert Device.objects.filter(id=device.id).exists()


def test_fcm_network_errors_are_retried(fcm):
    device = DeviceFactory()
    notification = NotificationFactory(user=device.user)
    fcm.post(FCM_URL, body=requests.ConnectionError("reset"))
    fcm.post(FCM_URL, json={"name": "ok"})

    assert _send_push(notification.id, device.id).result is True

    assert len(fcm.calls) == 2


def test_push_is_off_without_fcm_settings(no_fcm):
    import responses

    device = DeviceFactory()
    notification = NotificationFactory(user=device.user)

    with responses.RequestsMock() as mock:
        assert (
            tasks.send_notification_push.delay(str(notification.id), str(device.id)).get() is False
        )
        assert len(mock.calls) == 0


def test_push_to_a_device_that_moved_to_another_user_is_dropped(fcm):
    device = DeviceFactory()
    notification = NotificationFactory()  # another user's notification
    fcm.post(FCM_URL, json={"name": "x"})

    assert tasks.send_notification_push.delay(str(notification.id), str(device.id)).get() is False
    assert len(fcm.calls) == 0


def test_real_credentials_are_loaded_from_the_service_account_file(settings, tmp_path):
    """The production path builds google-auth service-account credentials with the FCM scope."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from notifications import delivery_push

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "fcm.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "mwork-test",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "fcm@mwork-test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    settings.FCM_CREDENTIALS_FILE = str(path)

    credentials = delivery_push.fcm_credentials()

    assert credentials.service_account_email == "fcm@mwork-test.iam.gserviceaccount.com"
    assert delivery_push.FCM_SCOPE in credentials.scopes
