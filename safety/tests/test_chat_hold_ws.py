"""A held chat message over real WebSockets: the sender's acknowledgement says `held: true`,
the recipient's socket, history, unread count and notifications get nothing until staff
release it, and then it arrives exactly once."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import connections

from accounts.tests.factories import UserFactory
from chat.models import Message
from chat.tests.test_websocket import (
    CHAT_TEST_APPS,
    _close_worker_connections,
    connected,
    next_frame,
)
from moderation import services as moderation
from notifications.models import Notification
from safety.models import Flag
from safety.services import rules_invalidate
from safety.tests.test_chat_hold import SCAM, history, pair, unread

__all__ = ["_close_worker_connections"]  # its autouse fixture closes the worker connections


# Flushing only these apps' tables keeps the committed-transaction test fast.
@pytest.mark.django_db(transaction=True, available_apps=[*CHAT_TEST_APPS, "moderation"])
@pytest.mark.asyncio
async def test_held_message_reaches_the_recipient_only_when_released(make_user, auth_client):
    await database_sync_to_async(rules_invalidate)()  # the flush re-seeded the rule rows
    employer, model, room = await database_sync_to_async(pair)(make_user)
    sender_socket = await connected(employer)
    recipient_socket = await connected(model)

    await sender_socket.send_json_to(
        {"type": "message", "room_id": str(room.id), "content": SCAM, "client_id": "c-1"}
    )

    ack = await next_frame(sender_socket, "message", timeout=10)
    assert ack["held"] is True and ack["client_id"] == "c-1"
    assert ack["message"]["held"] is True
    assert await recipient_socket.receive_nothing(timeout=0.5)
    message = await database_sync_to_async(Message.objects.get)(id=ack["message"]["id"])
    assert message.held
    recipient_view = await database_sync_to_async(history)(auth_client, model, room)
    sender_view = await database_sync_to_async(history)(auth_client, employer, room)
    assert recipient_view == [] and [m["held"] for m in sender_view] == [True]
    assert await database_sync_to_async(unread)(auth_client, model) == 0
    new_message = Notification.objects.filter(user=model, type="new_message")
    assert await database_sync_to_async(new_message.count)() == 0

    flag = await database_sync_to_async(Flag.objects.get)(target_id=message.id)
    moderator = await database_sync_to_async(UserFactory)(
        role="admin", is_staff=True, is_superuser=True
    )
    await database_sync_to_async(moderation.flag_review)(actor=moderator, flag=flag, approve=True)

    delivered = await next_frame(recipient_socket, "message", timeout=10)
    assert delivered["message"]["id"] == str(message.id)
    assert delivered["message"]["held"] is False and "held" not in delivered
    assert await database_sync_to_async(unread)(auth_client, model) == 1
    assert await database_sync_to_async(new_message.count)() == 1
    # released exactly once: a second decision is refused and delivers nothing more
    with pytest.raises(moderation.InvalidState):
        await database_sync_to_async(moderation.flag_review)(
            actor=moderator, flag=flag, approve=True
        )
    later = []
    while not await recipient_socket.receive_nothing(timeout=0.3):
        later.append((await recipient_socket.receive_json_from())["type"])
    assert "message" not in later
    await sender_socket.disconnect()
    await recipient_socket.disconnect()
    await database_sync_to_async(connections.close_all)()
