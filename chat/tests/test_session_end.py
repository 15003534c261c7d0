"""A session's end reaches its sockets (docs/RELIABILITY.md, "Sockets end with their session").

Generated cross-product: every way a session ends (logout, password change, password reset,
ban, "revoke every session") x where it happens (this process, another OS process sharing the
database and Redis) x what the socket does next (receives a message, sends each frame type).
Each time the socket is closed with 4401 within a second of the revocation, its last frame is
the error naming the reason, and nothing else reaches it.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections

from accounts.models import User
from accounts.tokens import access_token_revoke, tokens_for_user
from chat.middleware import CLOSE_TOKEN_REFUSED
from chat.models import Membership, Message
from chat.services import chat_room_get_or_create
from chat.tests.revocation import EXPECTED_ERROR, PATHS, revoke
from chat.tests.test_two_processes import _test_database_url
from chat.tests.test_websocket import CHAT_TEST_APPS, next_frame
from mwork.asgi import application

pytestmark = [
    pytest.mark.django_db(transaction=True, available_apps=[*CHAT_TEST_APPS, "moderation"]),
    pytest.mark.asyncio,
]

# "idle": nothing happens after the revocation — the pushed `session.end` alone closes it.
ACTIONS = ("idle", "receive_message", "message", "typing", "read", "ping")
CLOSE_WITHIN_SECONDS = 1.0
db = database_sync_to_async


@pytest_asyncio.fixture(autouse=True)
async def _close_worker_connections():
    """As in test_websocket.py, and more: sends of several sockets ran on several of the loop's
    executor threads; ending those threads frees their connections, or the test database could
    not be dropped."""
    settings_dict = connections["default"].settings_dict
    max_age = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 0
    yield
    settings_dict["CONN_MAX_AGE"] = max_age
    await database_sync_to_async(connections.close_all)()
    await asyncio.get_running_loop().shutdown_default_executor()
    gc.collect()


# --- the other process ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def other_process(django_db_setup, django_db_blocker):
    """`python -m chat.tests.revocation`: the revocation services in a separate OS process,
    against the test database and the same Redis (channel layer and cache)."""
    if not settings.REDIS_URL:
        pytest.skip("another process reaches the sockets only through Redis (REDIS_URL)")
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mwork.test_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "DB_CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "chat.tests.revocation"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    yield process
    process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


async def _revoke_elsewhere(process: subprocess.Popen, lock: asyncio.Lock, **command: str) -> None:
    async with lock:  # one command at a time on the worker's stdin/stdout
        process.stdin.write(json.dumps(command) + "\n")
        process.stdin.flush()
        answer = await asyncio.get_running_loop().run_in_executor(None, process.stdout.readline)
    assert answer.strip() == "ok", answer


# --- helpers --------------------------------------------------------------------------------


async def _open(token: str) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, f"/ws?token={token}")
    is_open, _ = await socket.connect()
    assert is_open
    return socket


async def _frames_until_close(socket: WebsocketCommunicator, deadline: float):
    """The frames the socket got, the close code and when it came (TimeoutError past it)."""
    loop = asyncio.get_running_loop()
    frames = []
    while True:
        output = await socket.receive_output(timeout=max(deadline - loop.time(), 0.01))
        if output["type"] == "websocket.close":
            return frames, output.get("code"), loop.time()
        frames.append(json.loads(output["text"]))


class World:
    """A victim (whose session ends) and a peer in one room, both with open sockets."""

    @classmethod
    async def create(cls, make_user, action: str) -> World:
        world = cls()
        world.victim = await db(make_user)(role="model", plan="PRO")
        world.peer = await db(make_user)(role="employer", plan="PRO")
        world.room, _ = await db(chat_room_get_or_create)(
            actor=world.peer, participant_id=world.victim.id
        )
        refresh = await db(tokens_for_user)(world.victim)
        world.access_token, world.refresh_token = str(refresh.access_token), str(refresh)
        world.victim_socket = await _open(world.access_token)
        world.peer_socket = await _open(str((await db(tokens_for_user)(world.peer)).access_token))
        if action == "read":  # something unread, so a read would move the mark
            await world.peer_socket.send_json_to(
                {"type": "message", "room_id": str(world.room.id), "content": "Before"}
            )
            await next_frame(world.peer_socket, "message")
            await next_frame(world.victim_socket, "message")
            await next_frame(world.victim_socket, "notification")
        # Nothing else is on its way: any stray frame fails the "only the error frame" check.
        world.read_mark = await cls._read_mark(world)
        return world

    @staticmethod
    async def _read_mark(world: World):
        return (await db(Membership.objects.get)(room=world.room, user=world.victim)).last_read_at

    async def act(self, action: str) -> None:
        room_id = str(self.room.id)
        if action == "receive_message":
            await self.peer_socket.send_json_to(
                {"type": "message", "room_id": room_id, "content": "After", "client_id": "p"}
            )
            await next_frame(self.peer_socket, "message")  # broadcast to every member
        elif action == "message":
            await self.victim_socket.send_json_to(
                {"type": "message", "room_id": room_id, "content": "After", "client_id": "v"}
            )
        elif action in ("typing", "read"):
            await self.victim_socket.send_json_to({"type": action, "room_id": room_id})
        elif action == "ping":
            await self.victim_socket.send_json_to({"type": "ping", "client_id": "v"})

    async def assert_nothing_leaked(self, action: str) -> None:
        """Besides the socket's own frames: the action had no effect anywhere."""
        victim_messages = await db(Message.objects.filter(sender=self.victim).count)()
        assert victim_messages == 0, action
        assert await self._read_mark(self) == self.read_mark, action
        if action != "receive_message" and not await self.peer_socket.receive_nothing(0.1):
            raise AssertionError(
                f"{action}: the peer got {await self.peer_socket.receive_output()}"
            )

    async def close(self) -> None:
        for socket in (self.victim_socket, self.peer_socket):
            await socket.disconnect()


async def _assert_closed_with(
    world: World, action: str, revoked_at: float, code: str, reason: str, received
) -> None:
    frames, close_code, closed_at = received
    context = f"{action}: {frames}"
    assert close_code == CLOSE_TOKEN_REFUSED, context
    assert closed_at - revoked_at <= CLOSE_WITHIN_SECONDS, context
    assert len(frames) == 1, context  # the error frame, nothing else (no message, pong...)
    assert frames[0]["type"] == "error", context
    assert frames[0]["error"]["code"] == code, context
    assert frames[0]["error"]["details"] == {"reason": reason}, context
    assert await world.victim_socket.receive_nothing(timeout=0.1), context
    await world.assert_nothing_leaked(action)


# --- the matrix -----------------------------------------------------------------------------


async def _every_action(
    make_user, revoke_world, code: str, reason: str, actions: tuple[str, ...] = ACTIONS
) -> None:
    """Each action in its own world; `revoke_world(world)` ends the session."""
    loop = asyncio.get_running_loop()

    async def scenario(action: str) -> None:
        world = await World.create(make_user, action)
        try:
            await revoke_world(world)
            revoked_at = loop.time()
            # Read the socket while acting on it: the close is timed when it arrives.
            until_close = asyncio.create_task(
                _frames_until_close(world.victim_socket, revoked_at + 3 * CLOSE_WITHIN_SECONDS)
            )
            await world.act(action)

            await _assert_closed_with(world, action, revoked_at, code, reason, await until_close)
        finally:
            await world.close()

    # One at a time: concurrent worlds on 2 shared cores made the one-second timing flaky (and
    # SQLite's test database locks whole tables).
    results = []
    for action in actions:
        try:
            results.append(await scenario(action))
        except Exception as error:  # noqa: BLE001 - reported below with the others
            results.append(error)
    failures = [(a, r) for a, r in zip(actions, results, strict=True) if r is not None]
    if failures:
        raise AssertionError(f"failed for {[a for a, _ in failures]}") from failures[0][1]


@pytest.mark.parametrize("path", PATHS)
async def test_a_session_end_closes_the_socket_whatever_it_does_next(make_user, request, path):
    """Revoked in this process, then in another OS process (with Redis: the only way another
    process reaches these sockets); each time every action."""
    wheres = ["this_process", "other_process"] if settings.REDIS_URL else ["this_process"]
    lock = asyncio.Lock()

    for where in wheres:  # one test per path: a transactional test's flush costs seconds
        process = request.getfixturevalue("other_process") if where == "other_process" else None

        async def revoke_world(world: World, process=process) -> None:
            command = {
                "path": path,
                "user_id": str(world.victim.id),
                "access_token": world.access_token,
                "refresh_token": world.refresh_token,
            }
            if process is None:
                await db(revoke)(**command)
            else:
                await _revoke_elsewhere(process, lock, **command)

        try:
            await _every_action(make_user, revoke_world, *EXPECTED_ERROR[path])
        except AssertionError as error:
            raise AssertionError(f"revoked in {where}: {error}") from error


# --- without the push: every frame and every delivery checks the session ----------------------


def _end_without_announcing(change: str, user: User, access_token: str) -> None:
    """End a session by writing its state directly, as a lost `session.end` event (or a code
    path that bypassed the services) would leave it."""
    if change == "logged_out":
        from rest_framework_simplejwt.tokens import AccessToken

        access_token_revoke(token=AccessToken(access_token))
    elif change == "banned":
        User.objects.filter(pk=user.pk).update(is_active=False)
    else:
        User.objects.filter(pk=user.pk).update(token_version=user.token_version + 1)


async def test_without_the_push_every_frame_and_delivery_still_checks_the_session(
    make_user, settings
):
    settings.WS_SESSION_RECHECK_SECONDS = 0  # the recheck that bounds a lost push, every time

    for change, code, reason in (
        ("logged_out", "INVALID_TOKEN", "logout"),
        ("banned", "ACCOUNT_DISABLED", "banned"),
        ("revoked", "INVALID_TOKEN", "sessions_revoked"),
    ):

        async def revoke_world(world: World, change=change) -> None:
            await db(_end_without_announcing)(change, world.victim, world.access_token)

        # An idle socket is reached by the push only: here something must happen to it.
        try:
            await _every_action(make_user, revoke_world, code, reason, actions=ACTIONS[1:])
        except AssertionError as error:
            raise AssertionError(f"{change}: {error}") from error


async def test_a_socket_closes_when_its_token_expires(make_user):
    user = await db(make_user)(role="model", plan="PRO")
    token = (await db(tokens_for_user)(user)).access_token
    token.set_exp(lifetime=timedelta(seconds=1))
    socket = await _open(str(token))
    loop = asyncio.get_running_loop()

    frames, close_code, _ = await _frames_until_close(socket, loop.time() + 2.5)

    assert close_code == CLOSE_TOKEN_REFUSED
    assert [f["error"]["details"] for f in frames] == [{"reason": "expired"}]
    await socket.disconnect()


async def test_logout_closes_only_the_sockets_of_that_token(make_user):
    user = await db(make_user)(role="model", plan="PRO")
    phone, laptop = [await db(tokens_for_user)(user) for _ in range(2)]
    phone_access = str(phone.access_token)  # each `.access_token` is a new token (new jti)
    phone_socket = await _open(phone_access)
    laptop_socket = await _open(str(laptop.access_token))

    await db(revoke)(
        "logout", user_id=str(user.id), access_token=phone_access, refresh_token=str(phone)
    )

    frame = await phone_socket.receive_json_from(timeout=CLOSE_WITHIN_SECONDS)
    assert frame["error"]["details"] == {"reason": "logout"}
    assert (await phone_socket.receive_output())["code"] == CLOSE_TOKEN_REFUSED
    await laptop_socket.send_json_to({"type": "ping"})
    assert await laptop_socket.receive_json_from() == {"type": "pong"}
    for socket in (phone_socket, laptop_socket):
        await socket.disconnect()
