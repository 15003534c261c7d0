from __future__ import annotations

import pytest

from castings.models import Casting
from castings.tests.factories import CastingFactory, ResponseFactory
from chat.models import Membership, Message, Room, room_pair_key
from chat.services import chat_message_send, chat_room_get_or_create, chat_room_mark_read
from chat.tests.factories import MessageFactory
from mwork.api.exceptions import AccountDisabled, NotFound

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
    from moderation.tests.factories import BlockFactory
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
