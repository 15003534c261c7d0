"""Blocks and limits hold for every frame type, not only `message` (docs/RELIABILITY.md,
"Blocks and limits on every frame")."""

from __future__ import annotations

import time

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.tests.factories import BlockFactory
from chat.models import Membership, Message
from chat.tests.test_session_end import (  # noqa: F401 - the fixture is used by every test here
    _close_worker_connections,
)
from chat.tests.test_websocket import (
    CHAT_TEST_APPS,
    connected,
    next_frame,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, available_apps=[*CHAT_TEST_APPS, "moderation"]),
    pytest.mark.asyncio,
]
db = database_sync_to_async


@pytest.fixture
def at_a_minutes_start():
    """A socket's frame windows are the rate counter's, aligned to the epoch
    (`mwork.ratelimits.LocalCounter`): a test that fills a minute's window starts at the start
    of one, so no window ends in the middle of it."""
    now = time.time()
    with time_machine.travel(now - now % 60 + 60, tick=True):
        yield


@pytest.mark.parametrize("blocker_is_the_typist", [False, True])
async def test_typing_does_not_cross_a_block(room, employer, model_user, blocker_is_the_typist):
    typist, other = (model_user, employer)
    blocker, blocked = (typist, other) if blocker_is_the_typist else (other, typist)
    await db(BlockFactory)(blocker=blocker, blocked=blocked)
    typist_socket = await connected(typist)
    other_socket = await connected(other)

    await typist_socket.send_json_to({"type": "typing", "room_id": str(room.id), "client_id": "t"})

    frame = await typist_socket.receive_json_from()
    assert (frame["error"]["code"], frame["client_id"]) == ("PERMISSION_DENIED", "t")
    assert await other_socket.receive_nothing(timeout=0.3)
    for socket in (typist_socket, other_socket):
        await socket.disconnect()


@pytest.mark.parametrize("blocker_is_the_reader", [False, True])
async def test_a_read_receipt_does_not_cross_a_block(
    room, employer, model_user, blocker_is_the_reader
):
    reader, other = (model_user, employer)
    await db(Message.objects.create)(
        room=room, sender=other, content="Before the block", created_at=timezone.now()
    )
    blocker, blocked = (reader, other) if blocker_is_the_reader else (other, reader)
    await db(BlockFactory)(blocker=blocker, blocked=blocked)
    reader_socket = await connected(reader)
    readers_laptop = await connected(reader)
    other_socket = await connected(other)

    await reader_socket.send_json_to({"type": "read", "room_id": str(room.id)})

    expected = {"type": "read", "room_id": str(room.id), "user_id": str(reader.id)}
    assert await next_frame(reader_socket, "read") == expected  # the reader's own devices
    assert await next_frame(readers_laptop, "read") == expected
    assert await other_socket.receive_nothing(timeout=0.3)
    membership = await db(Membership.objects.get)(room=room, user=reader)
    assert membership.last_read_at >= (await db(Message.objects.get)()).created_at
    for socket in (reader_socket, readers_laptop, other_socket):
        await socket.disconnect()


FRAMES = {
    "message": {"type": "message", "content": "Hi"},
    "typing": {"type": "typing"},
    "read": {"type": "read"},
    "ping": {"type": "ping"},
    "unknown type": {"type": "dance"},
}


async def test_every_frame_type_counts_against_the_socket_limit(
    room, employer, settings, at_a_minutes_start
):
    settings.WS_FRAME_RATE = "5/m"
    kinds = list(FRAMES)

    for over_the_limit in [*kinds, "not json"]:
        socket = await connected(employer)
        # Five frames of every kind in turn use the window up...
        for kind in kinds:
            client_id = f"{kind} before {over_the_limit}"  # a reused client_id is a resend
            await socket.send_json_to(
                {**FRAMES[kind], "room_id": str(room.id), "client_id": client_id}
            )
        seen = []  # the message's ack (through the channel layer), a pong, the dance's error
        while {"message", "pong", "error"} - {f["type"] for f in seen}:
            seen.append(await socket.receive_json_from(timeout=5))
        assert [f["error"]["code"] for f in seen if f["type"] == "error"] == ["VALIDATION_ERROR"]

        # ...and the sixth, whatever it is, is refused with the time left in the window.
        if over_the_limit == "not json":
            await socket.send_to(text_data="not json")
        else:
            frame = {**FRAMES[over_the_limit], "room_id": str(room.id), "client_id": "over"}
            await socket.send_json_to(frame)

        refused = await socket.receive_json_from()
        assert refused["type"] == "error", over_the_limit
        assert refused["error"]["code"] == "RATE_LIMIT_EXCEEDED", over_the_limit
        assert 1 <= refused["error"]["retry_after"] <= 60, over_the_limit
        if over_the_limit != "not json":
            assert refused["client_id"] == "over"
        assert await socket.receive_nothing(timeout=0.2), over_the_limit
        await socket.disconnect()
    assert await db(Message.objects.count)() == len(kinds) + 1  # one per window; none refused


async def test_the_frame_limit_is_per_socket(room, employer, settings, at_a_minutes_start):
    settings.WS_FRAME_RATE = "2/m"
    phone = await connected(employer)
    laptop = await connected(employer)

    for _ in range(3):
        await phone.send_json_to({"type": "ping"})
    phone_frames = [await phone.receive_json_from() for _ in range(3)]
    await laptop.send_json_to({"type": "ping"})

    assert [f["type"] for f in phone_frames] == ["pong", "pong", "error"]
    assert await laptop.receive_json_from() == {"type": "pong"}
    for socket in (phone, laptop):
        await socket.disconnect()
