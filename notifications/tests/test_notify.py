from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications import services
from notifications.models import Device, Notification, NotificationPreference
from notifications.realtime import FRAME_EVENT, user_group
from notifications.tests.conftest import FCM_URL
from notifications.tests.factories import DeviceFactory, NotificationFactory

pytestmark = pytest.mark.django_db

DATA = {
    "new_response": {
        "casting_id": "11111111-1111-1111-1111-111111111111",
        "casting_title": "Fashion Editorial Shoot",
        "response_id": "22222222-2222-2222-2222-222222222222",
        "applicant_name": "Айша Нуржанова",
    },
    "response_status_change": {
        "casting_id": "11111111-1111-1111-1111-111111111111",
        "casting_title": "Fashion Editorial Shoot",
        "response_id": "22222222-2222-2222-2222-222222222222",
        "status": "accepted",
    },
    "new_message": {
        "room_id": "33333333-3333-3333-3333-333333333333",
        "message_id": "44444444-4444-4444-4444-444444444444",
        "sender_id": "55555555-5555-5555-5555-555555555555",
        "sender_name": "Данияр",
        "preview": "Здравствуйте! Вы свободны в субботу?",
    },
    "new_casting": {
        "casting_id": "11111111-1111-1111-1111-111111111111",
        "casting_title": "Lookbook",
        "city": "Алматы",
    },
    "casting_reminder": {
        "casting_id": "11111111-1111-1111-1111-111111111111",
        "casting_title": "Lookbook",
        "shoot_date": "2026-03-01",
    },
    "subscription_expiring": {"plan": "PRO", "expires_at": "2026-03-01T00:00:00Z"},
    "payment_succeeded": {
        "order_id": "66666666-6666-6666-6666-666666666666",
        "amount": 5000,
        "purpose": "subscription",
        "plan": "PRO",
    },
}
SWITCHED_TYPES = [
    "new_casting",
    "new_response",
    "response_status_change",
    "new_message",
    "casting_reminder",
]
ALWAYS_TYPES = ["subscription_expiring", "payment_succeeded"]


def _set_preferences(user, **fields):
    NotificationPreference.objects.update_or_create(user=user, defaults=fields)


def _notify(capture, user, type, data=None):
    with capture(execute=True):
        return services.notify(user=user, type=type, data=DATA[type] if data is None else data)


@pytest.mark.parametrize("type", SWITCHED_TYPES)
def test_notify_with_the_type_switched_on_stores_mails_and_pushes(
    type, fcm, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory(language="en")
    device = DeviceFactory(user=user)
    _set_preferences(user, **{type: True})
    fcm.post(FCM_URL, json={"name": "projects/mwork-test/messages/1"})

    # when
    notification = _notify(django_capture_on_commit_callbacks, user, type)

    # then
    stored = Notification.objects.get(id=notification.id)
    assert (stored.user_id, stored.type, stored.data, stored.is_read) == (
        user.id,
        type,
        DATA[type],
        False,
    )
    assert stored.title and "@" not in stored.message
    if type == "new_message":  # a chat e-mail waits for the message to be read
        assert mail.outbox == []
        _chat_emails_due()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject == stored.title
    assert len(fcm.calls) == 1
    assert json.loads(fcm.calls[0].request.body)["message"]["token"] == device.token


@pytest.mark.parametrize("type", SWITCHED_TYPES)
def test_notify_with_the_type_switched_off_only_stores(
    type, fcm, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory()
    DeviceFactory(user=user)
    _set_preferences(user, **{type: False})
    fcm.post(FCM_URL, json={"name": "x"})

    # when
    notification = _notify(django_capture_on_commit_callbacks, user, type)

    # then
    assert Notification.objects.get(id=notification.id).type == type
    assert mail.outbox == []
    assert len(fcm.calls) == 0


@pytest.mark.parametrize("type", SWITCHED_TYPES + ALWAYS_TYPES)
def test_email_disabled_stops_mail_but_not_push(type, fcm, django_capture_on_commit_callbacks):
    user = UserFactory()
    DeviceFactory(user=user)
    _set_preferences(user, email_enabled=False)
    fcm.post(FCM_URL, json={"name": "x"})

    _notify(django_capture_on_commit_callbacks, user, type)

    assert Notification.objects.filter(user=user, type=type).count() == 1
    assert mail.outbox == []
    assert len(fcm.calls) == 1


@pytest.mark.parametrize("type", SWITCHED_TYPES + ALWAYS_TYPES)
def test_push_disabled_stops_push_but_not_mail(type, fcm, django_capture_on_commit_callbacks):
    user = UserFactory()
    DeviceFactory(user=user)
    _set_preferences(user, push_enabled=False)
    fcm.post(FCM_URL, json={"name": "x"})

    _notify(django_capture_on_commit_callbacks, user, type)
    _chat_emails_due()  # a chat e-mail waits for the message to be read

    assert Notification.objects.filter(user=user, type=type).count() == 1
    assert len(mail.outbox) == 1
    assert len(fcm.calls) == 0


@pytest.mark.parametrize("type", ALWAYS_TYPES)
def test_types_without_a_switch_are_mailed_even_with_every_switch_off(
    type, django_capture_on_commit_callbacks
):
    user = UserFactory()
    _set_preferences(user, **dict.fromkeys(SWITCHED_TYPES, False))

    _notify(django_capture_on_commit_callbacks, user, type)

    assert len(mail.outbox) == 1


def test_push_needs_a_device(fcm, django_capture_on_commit_callbacks):
    user = UserFactory()
    fcm.post(FCM_URL, json={"name": "x"})

    _notify(django_capture_on_commit_callbacks, user, "new_response")

    assert len(fcm.calls) == 0
    assert len(mail.outbox) == 1


def test_push_goes_to_every_device_of_the_user_only(fcm, django_capture_on_commit_callbacks):
    user = UserFactory()
    first, second = DeviceFactory(user=user), DeviceFactory(user=user, platform="ios")
    DeviceFactory()  # someone else's
    fcm.post(FCM_URL, json={"name": "x"})

    _notify(django_capture_on_commit_callbacks, user, "new_casting")

    tokens = sorted(json.loads(call.request.body)["message"]["token"] for call in fcm.calls)
    assert tokens == sorted([first.token, second.token])


def test_preferences_are_created_with_defaults_on_first_notify(django_capture_on_commit_callbacks):
    user = UserFactory()
    assert not NotificationPreference.objects.filter(user=user).exists()

    _notify(django_capture_on_commit_callbacks, user, "new_casting")

    preference = NotificationPreference.objects.get(user=user)
    assert all(
        getattr(preference, name) for name in [*SWITCHED_TYPES, "email_enabled", "push_enabled"]
    )


def test_banned_user_gets_the_stored_notification_only(fcm, django_capture_on_commit_callbacks):
    user = UserFactory(is_active=False)
    DeviceFactory(user=user)
    fcm.post(FCM_URL, json={"name": "x"})

    _notify(django_capture_on_commit_callbacks, user, "new_response")

    assert Notification.objects.filter(user=user).count() == 1
    assert mail.outbox == []
    assert len(fcm.calls) == 0


def test_nothing_is_delivered_when_the_surrounding_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.notify(user=user, type="new_casting", data=DATA["new_casting"])
                raise RuntimeError("caller failed")
        except RuntimeError:
            pass

    assert callbacks == []
    assert Notification.objects.filter(user=user).count() == 0
    assert mail.outbox == []


def test_data_with_uuids_and_dates_is_stored_as_json(django_capture_on_commit_callbacks):
    import uuid

    user = UserFactory()
    casting_id = uuid.uuid4()

    notification = _notify(
        django_capture_on_commit_callbacks,
        user,
        "casting_reminder",
        {
            "casting_id": casting_id,
            "casting_title": "Lookbook",
            "shoot_date": timezone.now().date(),
        },
    )

    stored = Notification.objects.get(id=notification.id)
    assert stored.data["casting_id"] == str(casting_id)
    assert isinstance(stored.data["shoot_date"], str)


# --- WebSocket group -------------------------------------------------------------------------


def _receive(layer, channel, timeout=3):
    async def _go():
        return await asyncio.wait_for(layer.receive(channel), timeout)

    return async_to_sync(_go)()


def test_the_users_websocket_group_receives_the_notification(django_capture_on_commit_callbacks):
    # given: a test channel in group user.<id> (in-memory layer, or Redis when REDIS_URL is set)
    user = UserFactory(language="en")
    NotificationFactory(user=user, is_read=False)  # one older unread
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(user.id), channel)

    # when
    notification = _notify(django_capture_on_commit_callbacks, user, "new_response")

    # then
    event = _receive(layer, channel)
    async_to_sync(layer.group_discard)(user_group(user.id), channel)
    assert event["type"] == FRAME_EVENT
    assert event["frame"] == {
        "type": "notification",
        "notification": {
            "id": str(notification.id),
            "type": "new_response",
            "title": "New Response to Your Casting",
            "message": "Айша Нуржанова applied to Fashion Editorial Shoot",
            "data": DATA["new_response"],
            "is_read": False,
            "created_at": notification.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "unread_count": 2,
    }


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs the Redis channel layer")
def test_the_redis_channel_layer_is_the_one_in_use():
    assert isinstance(get_channel_layer(), RedisChannelLayer)


def test_the_event_is_pushed_even_when_every_switch_is_off(django_capture_on_commit_callbacks):
    user = UserFactory()
    _set_preferences(
        user, email_enabled=False, push_enabled=False, **dict.fromkeys(SWITCHED_TYPES, False)
    )
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(user.id), channel)

    _notify(django_capture_on_commit_callbacks, user, "new_message")

    event = _receive(layer, channel)
    async_to_sync(layer.group_discard)(user_group(user.id), channel)
    assert event["frame"]["notification"]["type"] == "new_message"
    assert event["frame"]["unread_count"] == 1


# --- chat e-mail coalescing ------------------------------------------------------------------


def _message(room_id, n):
    return {**DATA["new_message"], "room_id": room_id, "message_id": f"m{n}"}


def _chat_emails_due():
    """The outbox's beat job once the chat e-mails' delay has passed (Celery is eager here)."""
    from notifications import outbox

    later = timezone.now() + services.chat_email_delay() + timedelta(seconds=1)
    outbox.requeue_stalled_deliveries(now=later)


def test_chat_emails_are_coalesced_to_one_per_room_per_hour(django_capture_on_commit_callbacks):
    user = UserFactory()

    for n in range(3):
        _notify(django_capture_on_commit_callbacks, user, "new_message", _message("room-a", n))
    _notify(django_capture_on_commit_callbacks, user, "new_message", _message("room-b", 9))

    assert Notification.objects.filter(user=user, type="new_message").count() == 4
    assert mail.outbox == []  # chat e-mails wait for the message to be read
    _chat_emails_due()
    assert len(mail.outbox) == 2


def test_reading_the_chat_notification_reopens_the_email_window(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    first = _notify(django_capture_on_commit_callbacks, user, "new_message", _message("r", 1))

    services.notification_mark_read(user=user, notification_id=first.id)
    second = _notify(django_capture_on_commit_callbacks, user, "new_message", _message("r", 2))
    _chat_emails_due()

    # the first was read before its e-mail was due: none; the reopened window mails the second
    statuses = dict(Notification.objects.values_list("id", "email_status"))
    assert (statuses[first.id], statuses[second.id]) == ("skipped", "sent")
    assert len(mail.outbox) == 1


def test_chat_room_read_hook_marks_the_rooms_notifications_read_and_reopens_the_window(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    _notify(django_capture_on_commit_callbacks, user, "new_message", _message("room-a", 1))
    _notify(django_capture_on_commit_callbacks, user, "new_message", _message("room-a", 2))
    _notify(django_capture_on_commit_callbacks, user, "new_message", _message("room-b", 3))

    updated = services.chat_room_notifications_read(user=user, room_id="room-a")
    _notify(django_capture_on_commit_callbacks, user, "new_message", _message("room-a", 4))
    _chat_emails_due()

    assert updated == 2
    assert Notification.objects.filter(user=user, is_read=False).count() == 2
    assert len(mail.outbox) == 2  # room-b's and room-a's after the read; the read one none


def test_the_chat_email_window_lasts_an_hour_then_mails_again(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    user = UserFactory()
    _notify(django_capture_on_commit_callbacks, user, "new_message", _message("r", 1))

    key = services._chat_email_key(user.id, "r")
    assert cache.get(key) is not None
    if hasattr(cache, "ttl"):  # django-redis: the window is the key's expiry
        assert 3500 < cache.ttl(key) <= services.CHAT_EMAIL_WINDOW_SECONDS
    cache.delete(key)  # what the expiry does after an hour
    _notify(django_capture_on_commit_callbacks, user, "new_message", _message("r", 2))
    _chat_emails_due()

    assert len(mail.outbox) == 2
    assert services.CHAT_EMAIL_WINDOW_SECONDS == 3600


def test_concurrent_chat_messages_win_the_window_once(django_capture_on_commit_callbacks):
    """cache.add is atomic: of many deliveries racing for one room, exactly one mails."""
    from concurrent.futures import ThreadPoolExecutor

    from django.core.cache import cache

    key = services._chat_email_key("u", "room")
    with ThreadPoolExecutor(max_workers=8) as pool:
        winners = list(pool.map(lambda n: cache.add(key, n, timeout=60), range(16)))

    assert winners.count(True) == 1


# --- reminder hooks, retention, announcements ------------------------------------------------


def test_casting_reminder_hook_notifies_once_per_casting_and_date(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(language="ru")
    kwargs = {"casting_id": "c-1", "casting_title": "Lookbook", "shoot_date": "2026-03-01"}

    with django_capture_on_commit_callbacks(execute=True):
        first = services.casting_reminder_notify(user=user, **kwargs)
        again = services.casting_reminder_notify(user=user, **kwargs)

    assert first is not None and again is None
    stored = Notification.objects.get(user=user, type="casting_reminder")
    assert stored.message == "Съёмка по кастингу «Lookbook» — 01.03.2026"
    assert len(mail.outbox) == 1


def test_casting_reminder_hook_is_idempotent_after_the_cache_is_gone(
    django_capture_on_commit_callbacks,
):
    from django.core.cache import cache

    user = UserFactory()
    kwargs = {"casting_id": "c-1", "casting_title": "Lookbook", "shoot_date": "2026-03-01"}
    with django_capture_on_commit_callbacks(execute=True):
        services.casting_reminder_notify(user=user, **kwargs)
    cache.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = services.casting_reminder_notify(user=user, **kwargs)

    assert again is None
    assert Notification.objects.filter(user=user, type="casting_reminder").count() == 1


def test_casting_reminder_hook_respects_the_switch(django_capture_on_commit_callbacks):
    user = UserFactory()
    _set_preferences(user, casting_reminder=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.casting_reminder_notify(
            user=user, casting_id="c-2", casting_title="X", shoot_date="2026-03-02"
        )

    assert Notification.objects.filter(user=user, type="casting_reminder").count() == 1
    assert mail.outbox == []


def test_old_read_notifications_are_deleted_unread_and_recent_kept():
    from notifications.tasks import delete_old_read_notifications

    old = timezone.now() - timedelta(days=91)
    old_read = NotificationFactory(is_read=True, created_at=old)
    old_unread = NotificationFactory(is_read=False, created_at=old)
    recent_read = NotificationFactory(is_read=True, created_at=timezone.now() - timedelta(days=89))

    deleted = delete_old_read_notifications.delay().get()

    assert deleted == 1
    remaining = set(Notification.objects.values_list("id", flat=True))
    assert remaining == {old_unread.id, recent_read.id}
    assert old_read.id not in remaining


def test_the_retention_job_is_scheduled():
    entry = django_settings.CELERY_BEAT_SCHEDULE["notifications-delete-old-read"]
    assert entry["task"] == "notifications.tasks.delete_old_read_notifications"


def test_announcement_is_stored_for_every_active_user_and_mailed_when_allowed(
    django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "ANNOUNCEMENT_BATCH_SIZE", 2)
    users = [UserFactory() for _ in range(5)]
    _set_preferences(users[0], email_enabled=False, **dict.fromkeys(SWITCHED_TYPES, False))
    banned = UserFactory(is_active=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = services.announcement_send(
            user_ids=[u.id for u in [*users, banned]], title="Новости", message="Мы обновились"
        )

    assert queued == 6
    assert len(callbacks) >= 3  # 6 ids in batches of 2, plus the deliveries
    stored = Notification.objects.filter(type="announcement")
    assert stored.count() == 5
    assert set(stored.values_list("title", "message").distinct()) == {("Новости", "Мы обновились")}
    assert len(mail.outbox) == 4
    assert not Device.objects.exists()


# --- the worker's batch of chat notifications ----------------------------------------------------


def test_a_batch_of_chat_notifications_refreshes_unread_rooms_and_notifies_first_messages(
    django_capture_on_commit_callbacks,
):
    first, second = UserFactory(language="en"), UserFactory(language="en")
    old = _notify(django_capture_on_commit_callbacks, first, "new_message", _message("room-a", 1))
    layer = get_channel_layer()
    channels = {}
    for user in (first, second):
        channels[user.id] = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(user_group(user.id), channels[user.id])

    with django_capture_on_commit_callbacks(execute=True):
        services.chat_messages_notify(
            items=[
                (first, {**_message("room-a", 2), "preview": "refreshed"}),
                (second, _message("room-a", 3)),  # the second user's first of this room
                (first, _message("room-b", 4)),
            ]
        )

    rows = Notification.objects.filter(type="new_message").order_by("created_at")
    by_room = {(n.user_id, n.data["room_id"]): n for n in rows}
    assert len(rows) == 3
    assert by_room[(first.id, "room-a")].id == old.id  # refreshed, not added
    assert by_room[(first.id, "room-a")].data["preview"] == "refreshed"
    assert by_room[(second.id, "room-a")].data["message_id"] == "m3"
    frames = [_receive(layer, channels[first.id])["frame"] for _ in range(2)]
    second_frame = _receive(layer, channels[second.id])["frame"]
    for user in (first, second):
        async_to_sync(layer.group_discard)(user_group(user.id), channels[user.id])
    assert sorted(f["notification"]["data"]["message_id"] for f in frames) == ["m2", "m4"]
    refreshed = next(f for f in frames if f["notification"]["data"]["message_id"] == "m2")
    assert refreshed["notification"]["id"] == str(old.id)
    assert refreshed["unread_count"] == 1  # the count before room-b's row was added
    assert second_frame["notification"]["data"]["message_id"] == "m3"


@pytest.mark.skipif(not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                    reason="the one-statement refresh is PostgreSQL's")  # fmt: skip
def test_a_batch_of_refreshes_is_one_statement_whatever_its_size(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    users = [UserFactory() for _ in range(5)]
    for user in users:
        _notify(django_capture_on_commit_callbacks, user, "new_message", _message("room", 0))

    with django_assert_num_queries(1):
        services.chat_messages_notify(
            items=[(user, _message("room", n)) for n, user in enumerate(users, start=1)]
        )

    previews = set(
        Notification.objects.filter(type="new_message").values_list("data__message_id", flat=True)
    )
    assert previews == {f"m{n}" for n in range(1, 6)}
