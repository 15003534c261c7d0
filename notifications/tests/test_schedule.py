"""Frequency (instant, daily, off), quiet hours across midnight and time zones, the daily
digest, the bypass types, and in-app notifications that are never held (docs/NOTIFICATIONS.md).
Every moment is fixed (time-machine, no ticking); nothing sleeps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications import outbox, services
from notifications.digests import digests_send
from notifications.models import FREQUENCY_TYPES, Notification, NotificationPreference
from notifications.realtime import user_group
from notifications.schedule import next_digest_at, quiet_hours_release
from notifications.tests.conftest import FCM_URL
from notifications.tests.factories import DeviceFactory
from notifications.tests.test_notify import DATA

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
NIGHT = {"start": time(22, 0), "end": time(8, 0)}
PREFERENCES_URL = reverse("notifications:preferences")
AUDITION = {
    "audition_id": "77777777-7777-7777-7777-777777777777",
    "casting_id": "11111111-1111-1111-1111-111111111111",
    "casting_title": "Lookbook",
    "kind": "audition",
    "starts_at": "2026-03-05T10:00:00Z",
    "place": "Studio 5",
}


# ---------------------------------------------------------------------------------------------
# The clock rules (pure)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tz", "local_now", "window", "local_release"),
    [
        # across midnight: evening → next morning, small hours → this morning
        (ALMATY, datetime(2026, 3, 1, 23, 30), NIGHT, datetime(2026, 3, 2, 8, 0)),
        (ALMATY, datetime(2026, 3, 2, 0, 0), NIGHT, datetime(2026, 3, 2, 8, 0)),
        (ALMATY, datetime(2026, 3, 2, 7, 59), NIGHT, datetime(2026, 3, 2, 8, 0)),
        (ALMATY, datetime(2026, 3, 1, 22, 0), NIGHT, datetime(2026, 3, 2, 8, 0)),  # start: in
        (ALMATY, datetime(2026, 3, 2, 8, 0), NIGHT, None),  # end: out
        (ALMATY, datetime(2026, 3, 1, 21, 59), NIGHT, None),
        (ALMATY, datetime(2026, 3, 1, 12, 0), NIGHT, None),
        # a window within one day
        (
            TOKYO,
            datetime(2026, 3, 1, 13, 30),
            {"start": time(13), "end": time(15)},
            datetime(2026, 3, 1, 15, 0),
        ),
        (TOKYO, datetime(2026, 3, 1, 23, 0), {"start": time(13), "end": time(15)}, None),
        # a zone with daylight saving: the night the clocks go forward (8 March 2026)
        (NEW_YORK, datetime(2026, 3, 7, 23, 0), NIGHT, datetime(2026, 3, 8, 8, 0)),
    ],
)
def test_quiet_hours_release_on_the_users_clock(tz, local_now, window, local_release):
    now = local_now.replace(tzinfo=tz).astimezone(UTC)

    release = quiet_hours_release(now, tz=tz, **window)

    if local_release is None:
        assert release is None
    else:
        assert release == local_release.replace(tzinfo=tz)
        assert release.tzinfo is UTC


def test_one_moment_is_quiet_in_one_zone_and_not_in_another():
    moment = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)  # 23:30 in Almaty, 13:30 in New York

    assert quiet_hours_release(moment, tz=ALMATY, **NIGHT) is not None
    assert quiet_hours_release(moment, tz=NEW_YORK, **NIGHT) is None


@pytest.mark.parametrize(
    ("local_now", "window", "local_digest"),
    [
        (datetime(2026, 3, 1, 7, 0), {"start": None, "end": None}, datetime(2026, 3, 1, 9, 0)),
        (datetime(2026, 3, 1, 9, 0), {"start": None, "end": None}, datetime(2026, 3, 2, 9, 0)),
        (datetime(2026, 3, 1, 15, 0), NIGHT, datetime(2026, 3, 2, 9, 0)),
        # 09:00 falls inside 22:00-10:00: the digest waits for the quiet hours to end
        (
            datetime(2026, 3, 1, 15, 0),
            {"start": time(22), "end": time(10)},
            datetime(2026, 3, 2, 10, 0),
        ),
    ],
)
def test_next_digest_moment(local_now, window, local_digest):
    now = local_now.replace(tzinfo=ALMATY)

    assert next_digest_at(now, tz=ALMATY, **window) == local_digest.replace(tzinfo=ALMATY)


# ---------------------------------------------------------------------------------------------
# notify → held, released, digested, bypassed
# ---------------------------------------------------------------------------------------------
def _user(**preferences):
    user = UserFactory(language="en")
    NotificationPreference.objects.create(user=user, **preferences)
    return user


def _notify_at(moment, capture, user, type, data=None):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return services.notify(user=user, type=type, data=data or DATA[type])


def _receive(layer, channel):
    async def _go():
        return await asyncio.wait_for(layer.receive(channel), 3)

    return async_to_sync(_go)()


def test_quiet_hours_hold_email_and_push_until_they_end(fcm, django_capture_on_commit_callbacks):
    user = _user(quiet_hours_start=time(22), quiet_hours_end=time(8), time_zone="Asia/Almaty")
    DeviceFactory(user=user)
    fcm.post(FCM_URL, json={"name": "projects/mwork-test/messages/1"})
    night = datetime(2026, 3, 1, 23, 30, tzinfo=ALMATY)
    morning = datetime(2026, 3, 2, 8, 0, tzinfo=ALMATY)

    notification = _notify_at(night, django_capture_on_commit_callbacks, user, "new_response")

    held = Notification.objects.get(pk=notification.pk)
    assert (held.email_status, held.push_status) == ("pending", "pending")
    assert held.email_requeue_at == held.push_requeue_at == morning
    assert not mail.outbox and not fcm.calls
    # a minute before the end the outbox job leaves it alone; at the end it sends both
    outbox.requeue_stalled_deliveries(now=morning - timedelta(minutes=1))
    assert not mail.outbox
    outbox.requeue_stalled_deliveries(now=morning)
    sent = Notification.objects.get(pk=notification.pk)
    assert (sent.email_status, sent.push_status) == ("sent", "sent")
    assert len(mail.outbox) == 1 and len(fcm.calls) == 1


def test_in_app_is_never_held(auth_client, django_capture_on_commit_callbacks):
    # Real time here: the channel layer expires messages by the wall clock. The quiet hours
    # are the two hours around now, on the user's clock.
    local = datetime.now(ALMATY)
    user = _user(
        quiet_hours_start=(local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_hours_end=(local + timedelta(hours=1)).time().replace(second=0, microsecond=0),
        time_zone="Asia/Almaty",
    )
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(user.id), channel)

    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(user=user, type="new_response", data=DATA["new_response"])

    frame = _receive(layer, channel)
    async_to_sync(layer.group_discard)(user_group(user.id), channel)
    assert frame["frame"]["notification"]["id"] == str(notification.id)
    listed = auth_client(user).get(reverse("notifications:list")).json()["data"]
    assert [row["id"] for row in listed["notifications"]] == [str(notification.id)]
    held = Notification.objects.get(pk=notification.pk)
    assert held.email_status == "pending" and held.email_requeue_at > notification.created_at
    assert not mail.outbox


def test_outside_quiet_hours_everything_goes_at_once(fcm, django_capture_on_commit_callbacks):
    user = _user(quiet_hours_start=time(22), quiet_hours_end=time(8), time_zone="Asia/Almaty")
    DeviceFactory(user=user)
    fcm.post(FCM_URL, json={"name": "projects/mwork-test/messages/1"})

    notification = _notify_at(
        datetime(2026, 3, 1, 12, 0, tzinfo=ALMATY),
        django_capture_on_commit_callbacks,
        user,
        "new_response",
    )

    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.email_status, stored.push_status) == ("sent", "sent")
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("type", "data"),
    [
        ("audition_invitation", AUDITION),
        ("audition_rescheduled", AUDITION),
        ("payment_succeeded", DATA["payment_succeeded"]),
    ],
)
def test_audition_and_payment_types_bypass_quiet_hours_and_digests(
    type, data, fcm, django_capture_on_commit_callbacks
):
    user = _user(
        quiet_hours_start=time(22),
        quiet_hours_end=time(8),
        frequencies=dict.fromkeys(FREQUENCY_TYPES, "daily"),
    )
    DeviceFactory(user=user)
    fcm.post(FCM_URL, json={"name": "projects/mwork-test/messages/1"})

    notification = _notify_at(
        datetime(2026, 3, 1, 23, 30, tzinfo=ALMATY),
        django_capture_on_commit_callbacks,
        user,
        type,
        data,
    )

    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.email_status, stored.push_status) == ("sent", "sent")
    assert len(mail.outbox) == 1 and len(fcm.calls) == 1


def test_daily_types_wait_for_one_digest_with_every_unread_item(
    fcm, django_capture_on_commit_callbacks
):
    user = _user(frequencies={"new_response": "daily", "new_casting": "daily"})
    other = _user(frequencies={"new_casting": "daily"})
    DeviceFactory(user=user)
    evening = datetime(2026, 3, 1, 18, 0, tzinfo=ALMATY)
    first = _notify_at(evening, django_capture_on_commit_callbacks, user, "new_response")
    second = _notify_at(evening, django_capture_on_commit_callbacks, user, "new_casting")
    seen = _notify_at(evening, django_capture_on_commit_callbacks, user, "new_response")
    theirs = _notify_at(evening, django_capture_on_commit_callbacks, other, "new_casting")
    Notification.objects.filter(pk=seen.pk).update(is_read=True)
    digest_time = datetime(2026, 3, 2, 9, 0, tzinfo=ALMATY)

    waiting = Notification.objects.get(pk=first.pk)
    assert (waiting.email_status, waiting.email_requeue_at) == ("digest", digest_time)
    assert waiting.push_status == "skipped"
    assert not mail.outbox and not fcm.calls
    assert digests_send(now=digest_time - timedelta(minutes=1)) == 0

    sent = digests_send(now=digest_time)

    assert sent == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted([user.email, other.email])
    digest = next(message for message in mail.outbox if message.to == [user.email])
    assert digest.subject == "MWork: 2 new notifications today"
    assert first.title in digest.body and second.title in digest.body
    assert digest.body.count("\n- ") == 2  # the read one is left out
    statuses = dict(Notification.objects.values_list("id", "email_status"))
    assert statuses[first.pk] == statuses[second.pk] == statuses[theirs.pk] == "sent"
    assert statuses[seen.pk] == "skipped"
    assert digests_send(now=digest_time + timedelta(days=1)) == 0  # once


def test_digest_batches_query_count_does_not_grow_with_users(django_capture_on_commit_callbacks):
    evening = datetime(2026, 3, 1, 18, 0, tzinfo=ALMATY)
    counts = []
    for users, day in ((1, 1), (5, 2)):
        for _ in range(users):
            user = _user(frequencies={"new_casting": "daily"})
            _notify_at(
                evening + timedelta(days=day),
                django_capture_on_commit_callbacks,
                user,
                "new_casting",
            )
        with CaptureQueriesContext(connection) as queries:
            sent = digests_send(now=evening + timedelta(days=day + 1))
        assert sent == users
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_off_stores_in_app_only(fcm, django_capture_on_commit_callbacks):
    user = _user(frequencies={"new_casting": "off"})
    DeviceFactory(user=user)

    notification = _notify_at(
        datetime(2026, 3, 1, 12, 0, tzinfo=ALMATY),
        django_capture_on_commit_callbacks,
        user,
        "new_casting",
    )

    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.email_status, stored.push_status) == ("skipped", "skipped")
    assert not mail.outbox and not fcm.calls


# ---------------------------------------------------------------------------------------------
# GET/PUT /notifications/preferences: the gained fields
# ---------------------------------------------------------------------------------------------
def test_put_frequency_quiet_hours_and_zone(auth_client):
    user = UserFactory()
    client = auth_client(user)

    response = client.put(
        PREFERENCES_URL,
        {
            "frequency": {"new_casting": "daily", "new_message": "off"},
            "quiet_hours": {"start": "23:00", "end": "07:30"},
            "time_zone": "Europe/London",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    preferences = response.json()["data"]["preferences"]
    assert preferences["frequency"]["new_casting"] == "daily"
    assert preferences["frequency"]["new_message"] == "off"
    assert preferences["new_message"] is False  # the old switch follows
    assert preferences["new_casting"] is True
    assert preferences["quiet_hours"] == {"start": "23:00", "end": "07:30"}
    assert preferences["time_zone"] == "Europe/London"
    assert not {"audition_invitation", "payment_succeeded"} & preferences["frequency"].keys()
    # the old switch back on: instant again; a daily type stays daily when switched on
    again = client.put(
        PREFERENCES_URL,
        {"new_message": True, "new_casting": True, "quiet_hours": None},
        format="json",
    ).json()["data"]["preferences"]
    assert again["frequency"]["new_message"] == "instant"
    assert again["frequency"]["new_casting"] == "daily"
    assert again["quiet_hours"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"frequency": {"new_casting": "weekly"}}, "frequency"),
        ({"frequency": {"payment_succeeded": "daily"}}, "frequency"),
        ({"frequency": "daily"}, "frequency"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00"}}, "quiet_hours"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_put_schedule_validation_changes_nothing(auth_client, body, field):
    user = UserFactory()

    response = auth_client(user).put(PREFERENCES_URL, body, format="json")

    assert response.status_code == 400, response.content
    assert any(key.split(".")[0] == field for key in response.json()["error"]["details"])
    preference = NotificationPreference.objects.filter(user=user).first()
    assert preference is None or (preference.frequencies, preference.quiet_hours_start) == (
        {},
        None,
    )
