from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from castings.models import Casting
from castings.tests.factories import CastingFactory, ResponseFactory
from chat.models import Membership, Message, Room, room_pair_key
from chat.services import chat_message_send, chat_room_get_or_create, chat_room_mark_read
from chat.tests.factories import MessageFactory
from mwork.api.exceptions import AccountDisabled, NotFound
from notifications.outbox import requeue_stalled_deliveries
from notifications.services import chat_email_delay

pytestmark = pytest.mark.django_db


def test_pair_key_is_the_same_from_both_sides(employer, model_user):
    forward = room_pair_key(user_a_id=employer.id, user_b_id=model_user.id, casting_id=None)
    backward = room_pair_key(user_a_id=model_user.id, user_b_id=employer.id, casting_id=None)

    assert forward == backward


def test_get_or_create_is_idempotent(employer, model_user):
    room, created = chat_room_get_or_create(actor=employer, participant_id=model_user.id)
    again, created_again = chat_room_get_or_create(actor=model_user, participant_id=employer.id)

    assert (created, created_again) == (True, False)
    assert again.pk == room.pk
    assert Membership.objects.filter(room=room).count() == 2


def test_unique_pair_key_holds_in_the_database(room):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(pair_key=room.pair_key)


def test_room_outlives_its_deleted_casting(make_room, employer, model_user):
    casting = CastingFactory(owner=employer)
    ResponseFactory(casting=casting, model_profile=model_user.model_profile)
    room = make_room(employer, model_user, casting=casting)

    Casting.objects.filter(pk=casting.pk).delete()

    room.refresh_from_db()
    assert room.casting_id is None


def test_send_moves_room_activity_and_the_senders_read_mark(room, employer, model_user):
    MessageFactory(room=room, sender=model_user)

    message = chat_message_send(sender=employer, room=room, content="Reply")

    room.refresh_from_db()
    assert room.last_message_at == message.created_at
    mine = Membership.objects.get(room=room, user=employer)
    assert mine.last_read_at == message.created_at


def test_send_by_a_user_banned_after_connecting_is_refused(room, employer):
    from accounts.models import User

    User.objects.filter(pk=employer.pk).update(is_active=False)  # `employer` object is stale

    with pytest.raises(AccountDisabled):
        chat_message_send(sender=employer, room=room, content="Still here?")
    assert not Message.objects.exists()


def test_mark_read_never_moves_the_mark_backwards(room, employer, model_user):
    MessageFactory(room=room, sender=model_user)
    chat_room_mark_read(user=employer, room=room)
    mark = Membership.objects.get(room=room, user=employer).last_read_at

    chat_room_mark_read(user=employer, room=room)

    assert Membership.objects.get(room=room, user=employer).last_read_at == mark


def test_mark_read_by_non_member_raises_not_found(room, outsider):
    with pytest.raises(NotFound):
        chat_room_mark_read(user=outsider, room=room)


def test_a_block_in_either_direction_stops_new_rooms_and_sends(room, employer, model_user):
    from accounts.tests.factories import BlockFactory
    from mwork.api.exceptions import PermissionDenied

    BlockFactory(blocker=model_user, blocked=employer)

    with pytest.raises(PermissionDenied):
        chat_message_send(sender=employer, room=room, content="Hello?")
    with pytest.raises(PermissionDenied):
        chat_message_send(sender=model_user, room=room, content="Hello?")
    with pytest.raises(PermissionDenied):
        chat_room_get_or_create(actor=employer, participant_id=model_user.id)
    assert not Message.objects.exists()


def test_message_delete_by_staff_removes_the_message(room, employer, make_user):
    from chat.services import message_delete_by_staff

    message = MessageFactory(room=room, sender=employer)

    message_delete_by_staff(actor=make_user(role="admin", is_staff=True), message=message)

    assert not Message.objects.filter(pk=message.pk).exists()


# --- the send path's budget and its shortcuts (docs/PERFORMANCE.md) ----------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL only")
def test_send_checks_membership_members_and_blocks_in_one_query(
    room, employer, django_assert_num_queries
):
    from chat.services import chat_message_send_to_room

    chat_message_send_to_room(sender=employer, room_id=room.id, content="warm-up")

    # members + blocks (1), the message, its room and the read mark (PostgreSQL: 1 statement);
    # the plan is remembered on the sender object, the rate limit counts in the cache.
    with django_assert_num_queries(2):
        chat_message_send_to_room(sender=employer, room_id=room.id, content="Hello")


def test_chat_access_is_remembered_on_the_sender_object_at_most_a_minute(room, employer):
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import Subscription
    from chat.services import CHAT_ACCESS_CACHE_SECONDS
    from mwork.api.exceptions import SubscriptionLimitExceeded

    chat_message_send(sender=employer, room=room, content="Paid")
    Subscription.objects.filter(user=employer).delete()  # e.g. refunded by staff

    chat_message_send(sender=employer, room=room, content="Within the minute")  # remembered
    employer._chat_access_valid_until = timezone.now() - timedelta(seconds=1)  # a minute later
    with pytest.raises(SubscriptionLimitExceeded):
        chat_message_send(sender=employer, room=room, content="After it")
    assert CHAT_ACCESS_CACHE_SECONDS <= 60
    assert Message.objects.filter(room=room).count() == 2


def test_chat_access_is_never_remembered_past_the_subscriptions_expiry(room, employer):
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import Subscription
    from mwork.api.exceptions import SubscriptionLimitExceeded

    soon = timezone.now() + timedelta(seconds=5)
    Subscription.objects.filter(user=employer).update(expires_at=soon)

    chat_message_send(sender=employer, room=room, content="Before expiry")

    assert employer._chat_access_valid_until == soon
    Subscription.objects.filter(user=employer).update(expires_at=timezone.now())
    employer._chat_access_valid_until = timezone.now()  # the expiry moment has come
    with pytest.raises(SubscriptionLimitExceeded):
        chat_message_send(sender=employer, room=room, content="After expiry")


def test_a_refusal_is_not_remembered(room, employer, make_user):
    from billing.models import Subscription
    from billing.services import subscription_grant
    from mwork.api.exceptions import SubscriptionLimitExceeded

    Subscription.objects.filter(user=employer).delete()
    with pytest.raises(SubscriptionLimitExceeded):
        chat_message_send(sender=employer, room=room, content="Free plan")

    subscription_grant(user=employer, plan_name="PRO")  # just paid

    chat_message_send(sender=employer, room=room, content="Paid now")
    assert Message.objects.filter(room=room).count() == 1


# --- new_message notifications: one unread per room and recipient ----------------------------


def _send(sender, room, content, capture):
    with capture(execute=True):
        return chat_message_send(sender=sender, room=room, content=content)


def test_later_messages_refresh_the_rooms_unread_notification(
    room, employer, model_user, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    _send(employer, room, "First", django_capture_on_commit_callbacks)
    first = Notification.objects.get(user=model_user, type="new_message")
    latest = _send(employer, room, "Second", django_capture_on_commit_callbacks)

    notification = Notification.objects.get(user=model_user, type="new_message")
    assert notification.pk == first.pk
    assert notification.data["message_id"] == str(latest.id)
    assert notification.data["preview"] == "Second"
    assert notification.message == "Second"
    assert notification.created_at >= first.created_at
    assert not notification.is_read


def test_reading_the_room_reads_its_notification_and_the_next_message_notifies_anew(
    room, employer, model_user, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    _send(employer, room, "First", django_capture_on_commit_callbacks)
    chat_room_mark_read(user=model_user, room=room)
    _send(employer, room, "After reading", django_capture_on_commit_callbacks)

    rows = Notification.objects.filter(user=model_user, type="new_message").order_by("created_at")
    assert [(n.data["preview"], n.is_read) for n in rows] == [
        ("First", True),
        ("After reading", False),
    ]


def test_a_notification_read_in_the_list_is_not_refreshed(
    room, employer, model_user, django_capture_on_commit_callbacks
):
    from notifications.models import Notification
    from notifications.services import notification_mark_all_read

    _send(employer, room, "First", django_capture_on_commit_callbacks)
    notification_mark_all_read(user=model_user)
    _send(employer, room, "Second", django_capture_on_commit_callbacks)

    assert Notification.objects.filter(user=model_user, type="new_message").count() == 2
    assert Notification.objects.get(user=model_user, is_read=False).data["preview"] == "Second"


def test_refreshing_pushes_the_same_notification_again_but_mails_once(
    room, employer, model_user, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.core import mail

    from notifications.models import Notification
    from notifications.realtime import user_group

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(model_user.id), channel)

    _send(employer, room, "First", django_capture_on_commit_callbacks)
    _send(employer, room, "Second", django_capture_on_commit_callbacks)

    frames = []
    while len(frames) < 4:  # two chat messages, two notifications
        frames.append(async_to_sync(layer.receive)(channel)["frame"])
    async_to_sync(layer.group_discard)(user_group(model_user.id), channel)
    notification = Notification.objects.get(user=model_user, type="new_message")
    pushed = [f for f in frames if f["type"] == "notification"]
    assert [f["notification"]["id"] for f in pushed] == [str(notification.id)] * 2
    assert [f["notification"]["data"]["preview"] for f in pushed] == ["First", "Second"]
    assert [f["unread_count"] for f in pushed] == [1, 1]
    assert mail.outbox == []  # the e-mail waits for the message to be read
    later = timezone.now() + chat_email_delay() + timedelta(seconds=1)
    requeue_stalled_deliveries(now=later)
    assert len(mail.outbox) == 1  # unread: one e-mail for the room


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement on PostgreSQL only")
def test_a_message_to_a_room_with_an_unread_notification_costs_three_queries(
    room, employer, django_capture_on_commit_callbacks, django_assert_num_queries
):
    _send(employer, room, "First", django_capture_on_commit_callbacks)

    # members + blocks, the message (with room and read mark), the notification refresh + count
    with django_assert_num_queries(3):
        _send(employer, room, "Second", django_capture_on_commit_callbacks)


def test_a_typing_signal_is_one_query(room, employer, django_assert_num_queries):
    from chat.services import chat_typing_signal

    # membership, members and blocks together (the send path's member query)
    with django_assert_num_queries(1):
        chat_typing_signal(user=employer, room_id=room.id)


@pytest.mark.skipif(not settings.REDIS_URL, reason="the queue is a Redis list")
def test_with_a_worker_the_notification_is_queued_and_made_by_the_worker_in_batches(
    room, employer, model_user, django_capture_on_commit_callbacks
):
    from django_redis import get_redis_connection

    from chat import tasks
    from chat.services import NOTIFICATION_QUEUE_KEY
    from mwork.celery import app as celery_app
    from notifications.models import Notification

    redis = get_redis_connection("default")
    redis.delete(NOTIFICATION_QUEUE_KEY)
    celery_app.conf.task_always_eager = False  # a worker exists: the send only queues
    try:
        for text in ("First", "Second"):
            with django_capture_on_commit_callbacks(execute=True):
                chat_message_send(sender=employer, room=room, content=text)
    finally:
        celery_app.conf.task_always_eager = True
    assert redis.llen(NOTIFICATION_QUEUE_KEY) == 2
    assert not Notification.objects.filter(user=model_user).exists()

    taken = tasks.notify_new_messages()  # what the worker runs, woken by the first message

    assert taken == 2
    assert redis.llen(NOTIFICATION_QUEUE_KEY) == 0
    notification = Notification.objects.get(user=model_user, type="new_message")
    assert notification.data["preview"] == "Second"  # one per room: the latest message


def test_a_message_screen_can_refuse_or_hold_a_message(
    room, employer, model_user, django_capture_on_commit_callbacks
):
    from chat.services import MESSAGE_SCREENS
    from mwork.api.exceptions import PermissionDenied
    from notifications.models import Notification

    def screen(*, message, sender):
        if "refuse" in message.content:
            raise PermissionDenied()
        message.held = "hold" in message.content

    MESSAGE_SCREENS.append(screen)
    try:
        with pytest.raises(PermissionDenied):
            chat_message_send(sender=employer, room=room, content="refuse me")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            held = chat_message_send(sender=employer, room=room, content="hold me")
    finally:
        MESSAGE_SCREENS.remove(screen)

    assert list(Message.objects.filter(room=room)) == [held]
    assert len(callbacks) == 1  # the acknowledgement to the sender; no notification
    assert not Notification.objects.filter(user=model_user).exists()
