"""The WebSocket send from the event loop (chat/loop_send.py) answers as the thread path does.

Every way a message frame ends — stored, refused by each check, a resend, a held message, a
session that ended — runs once on each path (`CHAT_LOOP_SEND` on and off) against the same
expectation: the frame the sender gets, what is stored, and the send rate's counter (a refusal
changes nothing, a rate refusal counts as on the thread path). On the loop path the common
case must not touch the thread path at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.core.cache import cache

from accounts.models import Block, User
from accounts.tokens import access_token_revoke
from chat import loop_send, services
from chat.models import Message
from chat.tests.test_websocket import (
    CHAT_TEST_APPS,
    _close_worker_connections,  # noqa: F401 - the autouse fixture, for this module too
    access_token_of,
    communicator,
    next_frame,
)
from mwork.ratelimits import current_window

pytestmark = [
    pytest.mark.django_db(transaction=True, available_apps=CHAT_TEST_APPS),
    pytest.mark.asyncio,
    pytest.mark.skipif(
        not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        or "django_redis" not in django_settings.CACHES["default"]["BACKEND"],
        reason="the loop path runs on PostgreSQL with Redis only",
    ),
]

SCAM = "Для участия переведите предоплату на карту 4400 4301 2345 6789"


@dataclasses.dataclass
class World:
    sender: User
    other: User
    outsider: User
    room_id: str
    foreign_room_id: str  # the other member's room with the outsider
    socket: Any = None
    token: Any = None


@dataclasses.dataclass(frozen=True)
class Case:
    """One way a message frame ends: what is done before it, the frame, what the sender gets
    (a frame type and error code), how many messages are stored after, the rate count after
    (the warm-up message is one), and whether the loop path handles it without the thread."""

    before: Callable[[World], Awaitable[None]] | None
    frame: Callable[[World], dict[str, Any]]
    answer: tuple[str, str | None]
    stored: int
    counted: int
    on_loop: bool
    rate: str = "100/m"
    plan: str = "PRO"  # the sender's; without chat (FREE) there is no first message


def message(world: World, content: object = "See you at nine", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "room_id": world.room_id, "content": content, **extra}


@database_sync_to_async
def _ban(world: World) -> None:
    User.objects.filter(pk=world.sender.pk).update(is_active=False)  # not through a service


@database_sync_to_async
def _revoke_every_session(world: World) -> None:
    User.objects.filter(pk=world.sender.pk).update(token_version=world.sender.token_version + 1)


@database_sync_to_async
def _block(world: World) -> None:
    Block.objects.create(blocker=world.other, blocked=world.sender)


@database_sync_to_async
def _log_out(world: World) -> None:
    access_token_revoke(token=world.token)


async def _send_first(world: World) -> None:
    await world.socket.send_json_to(message(world, client_id="once"))
    await next_frame(world.socket, "message")


CASES = {
    "stored": Case(None, message, ("message", None), 2, 2, True),
    "not a member": Case(
        None,
        lambda w: {**message(w), "room_id": w.foreign_room_id},
        ("error", "NOT_FOUND"),
        1,
        1,
        True,
    ),
    "a room id that is no id": Case(
        None, lambda w: {**message(w), "room_id": "r-1"}, ("error", "NOT_FOUND"), 1, 1, False
    ),
    "empty content": Case(
        None, lambda w: message(w, "   "), ("error", "VALIDATION_ERROR"), 1, 1, False
    ),
    "content not a string": Case(
        None, lambda w: message(w, 42), ("error", "VALIDATION_ERROR"), 1, 1, False
    ),
    "banned since the handshake": Case(_ban, message, ("error", "ACCOUNT_DISABLED"), 1, 1, True),
    "every session revoked since": Case(
        _revoke_every_session, message, ("error", "INVALID_TOKEN"), 1, 1, True
    ),
    "blocked by the other member": Case(
        _block, message, ("error", "PERMISSION_DENIED"), 1, 1, True
    ),
    "logged out": Case(_log_out, message, ("error", "INVALID_TOKEN"), 1, 1, True),
    "over the send rate": Case(
        None, message, ("error", "RATE_LIMIT_EXCEEDED"), 1, 2, False, rate="1/m"
    ),
    "over the send rate, not a member": Case(
        None,
        lambda w: {**message(w), "room_id": w.foreign_room_id},
        ("error", "NOT_FOUND"),
        1,
        1,
        False,
        rate="1/m",
    ),
    "a resend": Case(
        _send_first, lambda w: message(w, client_id="once"), ("message", None), 2, 3, False
    ),
    "no plan with chat": Case(
        None, message, ("error", "SUBSCRIPTION_LIMIT"), 0, 0, False, plan="FREE"
    ),
    "held by a safety rule": Case(None, lambda w: message(w, SCAM), ("message", None), 2, 2, False),
}


@pytest.fixture
def world(request, make_user, make_room):
    from castings.tests.factories import EmployerProfileFactory, ModelProfileFactory

    sender = make_user(role="employer", plan=CASES[request.node.callspec.params["name"]].plan)
    EmployerProfileFactory(user=sender)
    other = make_user(role="model", plan="PRO")
    ModelProfileFactory(user=other)
    outsider = make_user(role="model", plan="PRO")
    room = make_room(sender, other)
    foreign = make_room(other, outsider)  # a room the sender is not in
    return World(
        sender=sender,
        other=other,
        outsider=outsider,
        room_id=str(room.id),
        foreign_room_id=str(foreign.id),
    )


@pytest.fixture
def thread_calls(monkeypatch):
    """How many sends reached the thread path (the real one runs: this only counts)."""
    calls = []
    real = services.chat_message_send_from_socket

    def counted(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "chat_message_send_from_socket", counted)
    return calls


def _rate_count(user: User) -> int:
    window = current_window(
        group=services.SEND_RATE_GROUP,
        key=services.send_rate_key(user),
        rate=django_settings.RATELIMIT_CHAT_MESSAGE,
    )
    return int(cache.get(window.key) or 0)


@pytest.mark.parametrize("path", ["loop", "thread"])
@pytest.mark.parametrize("name", list(CASES))
async def test_each_ending_of_a_message_frame_is_the_same_on_both_paths(
    name, path, world, settings, thread_calls, one_rate_window
):
    case = CASES[name]
    settings.CHAT_LOOP_SEND = path == "loop"
    settings.RATELIMIT_CHAT_MESSAGE = case.rate
    world.token = await access_token_of(world.sender)
    world.socket = communicator(str(world.token))
    assert (await world.socket.connect())[0]
    if case.plan != "FREE":  # a first message: the rate window holds one count
        await world.socket.send_json_to(message(world, "Hello"))
        await next_frame(world.socket, "message")
    if case.before is not None:
        await case.before(world)
    calls_before = len(thread_calls)

    await world.socket.send_json_to({"client_id": "the-frame", **case.frame(world)})
    frame = await world.socket.receive_json_from(timeout=3)

    code = frame["error"]["code"] if frame["type"] == "error" else None
    assert (frame["type"], code) == case.answer
    assert await database_sync_to_async(Message.objects.count)() == case.stored
    assert await database_sync_to_async(_rate_count)(world.sender) == case.counted
    if path == "loop" and case.on_loop:
        assert len(thread_calls) == calls_before
    if path == "loop" and name == "held by a safety rule":
        assert frame["message"]["held"] is True
    await world.socket.disconnect()


async def test_the_loop_path_is_used_on_postgresql_with_redis(settings):
    from channels.layers import get_channel_layer

    assert loop_send.usable(get_channel_layer())
    settings.CHAT_LOOP_SEND = False
    assert not loop_send.usable(get_channel_layer())


async def test_the_loops_session_checks_and_stamp_reads_answer_as_the_thread_ones(make_user):
    """Each way a session ends, and one that holds: the loop's reads (the layer's connection,
    mwork.async_db) give `accounts.sessions`' verdicts."""
    import dataclasses

    from channels.layers import get_channel_layer

    from accounts.sessions import SocketSession, session_checks, session_stamp_reasons
    from accounts.tokens import tokens_for_user

    @database_sync_to_async
    def sessions_in_every_state() -> list[SocketSession]:
        users = [make_user(role="model") for _ in range(5)]
        opened = []
        for user in users:
            token = tokens_for_user(user).access_token
            opened.append((token, SocketSession.from_token(user=user, token=token)))
        access_token_revoke(token=opened[1][0])
        User.objects.filter(pk=users[2].pk).update(is_active=False)
        User.objects.filter(pk=users[3].pk).update(token_version=9)
        User.objects.filter(pk=users[4].pk).delete()
        expired = dataclasses.replace(opened[0][1], expires_at=1.0)
        return [session for _token, session in opened] + [expired]

    sessions = await sessions_in_every_state()
    layer = get_channel_layer()

    assert await loop_send.session_checks(layer, sessions) == await database_sync_to_async(
        session_checks
    )(sessions)
    assert await loop_send.stamp_reasons(layer, sessions) == await database_sync_to_async(
        session_stamp_reasons
    )(sessions)
    only_expired = sessions[-1:]  # nothing to read for it: no empty MGET
    assert await loop_send.session_checks(layer, only_expired) == await database_sync_to_async(
        session_checks
    )(only_expired)
