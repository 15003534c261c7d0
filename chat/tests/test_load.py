"""Chat under load, small enough for CI (the full version is `bench/ws.py`, docs/PERFORMANCE.md).

Hundreds of sockets through the real ASGI application and channel layer, messages at a fixed
rate: every acknowledged message is stored and reaches its recipient; past the configured
number of sends under way a message is refused at once (an error frame with `retry_after`) and
not stored. No latency is asserted: a loaded CI machine may be slow, never lossy.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import tokens_for_user
from billing.models import Subscription
from billing.services import subscription_grant
from chat.models import Membership, Message, Room, room_pair_key
from chat.tests.test_websocket import CHAT_TEST_APPS, _close_worker_connections  # noqa: F401
from mwork.asgi import application

pytestmark = [
    pytest.mark.django_db(transaction=True, available_apps=CHAT_TEST_APPS),
    pytest.mark.asyncio,
]

# Frames are collected until every expected one arrived; this only bounds a broken run.
COLLECT_TIMEOUT_SECONDS = 60


@pytest.fixture(autouse=True)
def _a_worker_makes_the_notifications():
    """As in production, `new_message` notifications go to the worker's queue (none runs
    here): the socket's process only stores and delivers."""
    from django_redis import get_redis_connection

    from chat.services import NOTIFICATION_QUEUE_KEY
    from mwork.celery import app as celery_app

    if not django_settings.REDIS_URL:
        yield  # no Redis, no queue: made in process
        return
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True
    get_redis_connection("default").delete(NOTIFICATION_QUEUE_KEY)


@pytest.fixture(autouse=True)
def _patient_channel_layer():
    """A loaded CI machine may take longer than production's Redis deadline for a burst of
    handshakes; these tests are about delivery, not about a hung Redis (reliability's tests)."""
    layer = get_channel_layer()
    deadline = getattr(layer, "command_timeout", None)
    if deadline is not None:
        layer.command_timeout = 10.0
    yield
    if deadline is not None:
        layer.command_timeout = deadline


@database_sync_to_async
def rooms_of_paying_pairs(count: int) -> list[dict[str, Any]]:
    """`count` rooms of two PRO users each (distinct users), with an access token per user;
    rows written in bulk (the first user's plan through the service, the rest copied)."""
    now = timezone.now()
    users = User.objects.bulk_create(UserFactory.build_batch(2 * count, role="model"))
    granted = subscription_grant(user=users[0], plan_name="PRO")
    Subscription.objects.bulk_create(
        Subscription(
            user=user,
            plan_id=granted.plan_id,
            billing_period=granted.billing_period,
            status=granted.status,
            started_at=granted.started_at,
            expires_at=granted.expires_at,
        )
        for user in users[1:]
    )
    pairs = [users[i : i + 2] for i in range(0, len(users), 2)]
    rooms = Room.objects.bulk_create(
        Room(
            pair_key=room_pair_key(user_a_id=a.id, user_b_id=b.id, casting_id=None),
            last_message_at=now,
        )
        for a, b in pairs
    )
    Membership.objects.bulk_create(
        Membership(room=room, user=user, last_read_at=now)
        for room, pair in zip(rooms, pairs, strict=True)
        for user in pair
    )
    return [
        {
            "room_id": str(room.id),
            "users": [str(user.id) for user in pair],
            "tokens": [str(tokens_for_user(user).access_token) for user in pair],
        }
        for room, pair in zip(rooms, pairs, strict=True)
    ]


async def open_sockets(rooms: list[dict[str, Any]]) -> dict[str, WebsocketCommunicator]:
    """One socket per user, keyed by user id."""
    sockets = {
        user_id: WebsocketCommunicator(application, f"/ws?token={token}")
        for room in rooms
        for user_id, token in zip(room["users"], room["tokens"], strict=True)
    }
    gate = asyncio.Semaphore(20)  # clients reconnecting after a restart back off likewise

    async def connect(socket: WebsocketCommunicator) -> bool:
        async with gate:
            is_open, _code = await socket.connect(timeout=30)
            return is_open

    assert all(await asyncio.gather(*(connect(socket) for socket in sockets.values())))
    return sockets


class Frames:
    """Every chat frame each socket receives, read as they come."""

    def __init__(self, sockets: dict[str, WebsocketCommunicator]):
        self.messages: dict[str, list[dict[str, Any]]] = {user_id: [] for user_id in sockets}
        self.errors: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()
        self._readers = [
            asyncio.create_task(self._read(user_id, socket)) for user_id, socket in sockets.items()
        ]

    async def _read(self, user_id: str, socket: WebsocketCommunicator) -> None:
        while True:
            try:
                frame = await socket.receive_json_from(timeout=COLLECT_TIMEOUT_SECONDS)
            except AssertionError:  # the socket closed: `until` times out and says so
                self.errors.append({"closed": user_id})
                self.arrived.set()
                return
            if frame["type"] == "message":
                self.messages[user_id].append(frame)
            elif frame["type"] == "error":
                self.errors.append(frame)
            self.arrived.set()

    async def until(self, done) -> None:
        async with asyncio.timeout(COLLECT_TIMEOUT_SECONDS):
            while not done():
                self.arrived.clear()
                await self.arrived.wait()

    async def close(self, sockets: dict[str, WebsocketCommunicator]) -> None:
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        await asyncio.gather(*(socket.disconnect() for socket in sockets.values()))

    def received(self, user_id: str) -> set[str]:
        return {frame["message"]["id"] for frame in self.messages[user_id]}

    def acknowledged(self) -> dict[str, str]:
        """client_id → stored message id, from the senders' own frames."""
        return {
            frame["client_id"]: frame["message"]["id"]
            for frames in self.messages.values()
            for frame in frames
            if "client_id" in frame
        }


def stored_client_ids() -> set[str]:
    return set(
        Message.objects.exclude(client_id=None).values_list("client_id", flat=True).distinct()
    )


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite's test database locks its tables under 200 concurrent writers; the load "
    "test runs on PostgreSQL (make test with DATABASE_URL, as CI does)",
)
async def test_200_sockets_at_100_messages_a_second_deliver_everything(settings):
    # given 200 sockets in 100 rooms and no shedding in reach
    settings.WS_SEND_MAX_IN_FLIGHT = 10_000

    rooms = await rooms_of_paying_pairs(100)
    sockets = await open_sockets(rooms)
    frames = Frames(sockets)
    senders = itertools.cycle(
        [(room, side) for side in (0, 1) for room in rooms]  # every user sends, rooms interleave
    )
    rate, seconds = 100, 2.0
    sent: list[tuple[str, str, str]] = []  # (client_id, sender, recipient)

    # when messages go out at a fixed rate (open loop: the schedule does not wait for answers)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for number in range(int(rate * seconds)):
        await asyncio.sleep(max(start + number / rate - loop.time(), 0))
        room, side = next(senders)
        client_id = f"load-{number}"
        await sockets[room["users"][side]].send_json_to(
            {
                "type": "message",
                "room_id": room["room_id"],
                "content": f"m {number}",
                "client_id": client_id,
            }
        )
        sent.append((client_id, room["users"][side], room["users"][1 - side]))
    await frames.until(lambda: len(frames.acknowledged()) + len(frames.errors) >= len(sent))
    acknowledged = frames.acknowledged()
    await frames.until(
        lambda: all(
            acknowledged[client_id] in frames.received(recipient)
            for client_id, _sender, recipient in sent
            if client_id in acknowledged
        )
    )
    await frames.close(sockets)

    # then every message was acknowledged, stored once and delivered to its recipient
    assert frames.errors == []
    assert set(acknowledged) == {client_id for client_id, _s, _r in sent}
    assert await database_sync_to_async(stored_client_ids)() == set(acknowledged)
    assert await database_sync_to_async(Message.objects.count)() == len(sent)


async def test_past_the_in_flight_bound_messages_are_refused_unstored_with_retry_after(settings):
    # given a bound of 2 sends under way per process and 40 sockets sending at the same moment
    settings.WS_SEND_MAX_IN_FLIGHT = 2
    rooms = await rooms_of_paying_pairs(20)
    sockets = await open_sockets(rooms)
    frames = Frames(sockets)
    burst = {f"burst-{uuid.uuid4().hex[:8]}": (room, side) for room in rooms for side in (0, 1)}

    # when every socket sends one message at once
    for client_id, (room, side) in burst.items():
        await sockets[room["users"][side]].send_json_to(
            {"type": "message", "room_id": room["room_id"], "content": "hi", "client_id": client_id}
        )
    await frames.until(lambda: len(frames.acknowledged()) + len(frames.errors) >= len(burst))

    # then some were refused at once, unstored, with retry_after; the rest stored and delivered
    shed = {frame["client_id"] for frame in frames.errors}
    acknowledged = frames.acknowledged()
    assert shed, "a burst of 40 past a bound of 2 sheds"
    assert {frame["error"]["code"] for frame in frames.errors} == {"SERVICE_UNAVAILABLE"}
    assert all(frame["error"]["retry_after"] >= 1 for frame in frames.errors)
    assert shed.isdisjoint(acknowledged)
    assert shed | set(acknowledged) == set(burst)
    assert await database_sync_to_async(stored_client_ids)() == set(acknowledged)
    await frames.until(
        lambda: all(
            acknowledged[client_id] in frames.received(room["users"][1 - side])
            for client_id, (room, side) in burst.items()
            if client_id in acknowledged
        )
    )

    # and a refused message sent again (same client_id) once the burst is over is stored
    client_id = sorted(shed)[0]
    room, side = burst[client_id]
    await sockets[room["users"][side]].send_json_to(
        {"type": "message", "room_id": room["room_id"], "content": "hi", "client_id": client_id}
    )
    await frames.until(lambda: client_id in frames.acknowledged())
    await frames.close(sockets)
    assert client_id in await database_sync_to_async(stored_client_ids)()
