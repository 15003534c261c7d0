"""The SQL that stores a message (chat/store.py), on the configured database and on SQLite.

A run on PostgreSQL also runs every case against a private in-memory SQLite database holding
only the chat tables, so both forms of the statement are exercised whatever CI is set to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper
from django.utils import timezone

from accounts.tests.factories import UserFactory
from chat.models import Membership, Message, Room
from chat.store import message_insert

SQLITE_ALIAS = "chat_store_sqlite"
DATABASES = [DEFAULT_DB_ALIAS]
if connections[DEFAULT_DB_ALIAS].vendor != "sqlite":
    DATABASES.append(SQLITE_ALIAS)


@pytest.fixture(scope="module")
def sqlite_chat_tables(django_db_blocker) -> Iterator[None]:
    """An in-memory SQLite database with the chat tables only (foreign keys not enforced: the
    user and casting tables are not there)."""
    if SQLITE_ALIAS not in DATABASES:
        yield
        return
    settings_dict = {
        **connections[DEFAULT_DB_ALIAS].settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "OPTIONS": {},
        "CONN_MAX_AGE": 0,
    }
    connections[SQLITE_ALIAS] = SQLiteDatabaseWrapper(settings_dict, alias=SQLITE_ALIAS)
    with django_db_blocker.unblock():
        wrapper = connections[SQLITE_ALIAS]
        with wrapper.schema_editor() as editor:
            for model in (Room, Membership, Message):
                editor.create_model(model)
        wrapper.cursor().execute("PRAGMA foreign_keys = OFF")
        yield
        wrapper.close()
    del connections[SQLITE_ALIAS]


@pytest.fixture(params=DATABASES)
def using(request, db, sqlite_chat_tables) -> str:
    return request.param  # a fresh room per test: nothing to clean up in the SQLite one


def a_room(using: str, *, at) -> tuple[Room, uuid.UUID, uuid.UUID]:
    """A room and its two members, everything last touched at `at`."""
    if using == DEFAULT_DB_ALIAS:
        sender_id, other_id = UserFactory().id, UserFactory().id
    else:
        sender_id, other_id = uuid.uuid4(), uuid.uuid4()
    room = Room.objects.using(using).create(
        pair_key=f"{sender_id}:{other_id}:-", created_at=at, last_message_at=at
    )
    for user_id in (sender_id, other_id):
        Membership.objects.using(using).create(
            room=room, user_id=user_id, last_read_at=at, created_at=at
        )
    return room, sender_id, other_id


def read_mark(using: str, room: Room, user_id: uuid.UUID):
    return Membership.objects.using(using).get(room=room, user_id=user_id).last_read_at


def test_a_message_is_stored_and_moves_the_room_and_the_senders_read_mark(using):
    start = timezone.now() - timedelta(hours=1)
    room, sender_id, other_id = a_room(using, at=start)
    message = Message(room_id=room.id, sender_id=sender_id, content="hi", client_id="c1")

    inserted = message_insert(message=message, using=using)

    assert inserted is True
    stored = Message.objects.using(using).get(pk=message.pk)
    assert (stored.content, stored.client_id, stored.created_at) == (
        "hi",
        "c1",
        message.created_at,
    )
    assert Room.objects.using(using).get(pk=room.pk).last_message_at == message.created_at
    assert read_mark(using, room, sender_id) == message.created_at
    assert read_mark(using, room, other_id) == start  # the recipient has not read it


def test_a_reused_client_id_stores_nothing_and_moves_nothing(using):
    room, sender_id, _other = a_room(using, at=timezone.now() - timedelta(hours=1))
    first = Message(room_id=room.id, sender_id=sender_id, content="one", client_id="same")
    message_insert(message=first, using=using)
    again = Message(room_id=room.id, sender_id=sender_id, content="two", client_id="same")

    inserted = message_insert(message=again, using=using)

    assert inserted is False
    assert list(
        Message.objects.using(using).filter(room=room).values_list("content", flat=True)
    ) == ["one"]
    assert Room.objects.using(using).get(pk=room.pk).last_message_at == first.created_at
    assert read_mark(using, room, sender_id) == first.created_at


def test_messages_without_client_id_are_all_stored(using):
    room, sender_id, other_id = a_room(using, at=timezone.now() - timedelta(hours=1))

    for sender in (sender_id, sender_id, other_id):
        assert message_insert(
            message=Message(room_id=room.id, sender_id=sender, content="x"), using=using
        )

    assert Message.objects.using(using).filter(room=room).count() == 3


def test_an_older_message_never_moves_the_room_or_read_mark_back(using):
    now = timezone.now()
    room, sender_id, _other = a_room(using, at=now)
    late = Message(
        room_id=room.id, sender_id=sender_id, content="late", created_at=now - timedelta(seconds=5)
    )

    assert message_insert(message=late, using=using) is True

    assert Room.objects.using(using).get(pk=room.pk).last_message_at == now
    assert read_mark(using, room, sender_id) == now


def test_a_held_message_is_stored_held(using):
    # given a message a safety screen held (chat.services.MESSAGE_SCREENS sets `held`)
    room, sender_id, _other = a_room(using, at=timezone.now() - timedelta(hours=1))
    message = Message(room_id=room.id, sender_id=sender_id, content="call me", held=True)

    # when it is stored
    assert message_insert(message=message, using=using) is True

    # then the stored row says so (the history and unread counts hide it from the others)
    assert Message.objects.using(using).get(pk=message.pk).held is True
    ordinary = Message(room_id=room.id, sender_id=sender_id, content="hi")
    message_insert(message=ordinary, using=using)
    assert Message.objects.using(using).get(pk=ordinary.pk).held is False


@pytest.mark.skipif(
    connections[DEFAULT_DB_ALIAS].vendor != "postgresql", reason="PostgreSQL's HOT updates"
)
def test_a_message_moves_its_room_without_writing_an_index_entry(db):
    # Every message sets its room's `last_message_at`; no index holds that column, so the
    # update is a heap-only tuple one (docs/PERFORMANCE.md, "Ninth round").
    room, sender_id, _other = a_room(DEFAULT_DB_ALIAS, at=timezone.now() - timedelta(hours=1))
    before = room_updates()

    for content in ("one", "two", "three"):
        message_insert(message=Message(room_id=room.id, sender_id=sender_id, content=content))

    updated, hot = (after - was for after, was in zip(room_updates(), before, strict=True))
    assert (updated, hot) == (3, 3)


def room_updates() -> tuple[int, int]:
    """chat_room's updates and HOT updates counted by this backend and not yet reported (the
    counts of earlier transactions a moment ago included): compare two readings."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated('chat_room'::regclass),"
            " pg_stat_get_xact_tuples_hot_updated('chat_room'::regclass)"
        )
        return cursor.fetchone()
