"""The `/ws` socket through the real ASGI application (docs/API.md §8)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.models import User
from accounts.tokens import access_token_revoke, tokens_for_user
from chat.middleware import CLOSE_ORIGIN_REFUSED, CLOSE_TOKEN_REFUSED
from chat.models import Membership, Message
from mwork import async_db
from mwork.asgi import application
from notifications.services import notify

# Flushing only the tables these tests write (and skipping post_migrate) keeps the committed-
# transaction tests fast; billing re-creates its plan rows on demand. Content types and
# permissions are left alone, so later tests still find them.
CHAT_TEST_APPS = [
    "rest_framework_simplejwt.token_blacklist",
    "accounts",
    "billing",
    "notifications",
    "safety",  # chat's message screen reads its rules; the fixtures re-seed them
    "profiles",
    "castings",
    "chat",
]
pytestmark = [
    pytest.mark.django_db(transaction=True, available_apps=CHAT_TEST_APPS),
    pytest.mark.asyncio,
]


@pytest_asyncio.fixture(autouse=True)
async def _close_worker_connections():
    """The consumer's database work runs in asgiref's worker thread, and sends in the thread
    pool: neither may keep a connection past the test, or the test database cannot be flushed
    and dropped. As under the production ASGI server (DB_POOL, CONN_MAX_AGE=0), every
    `database_sync_to_async` call closes its connection when it ends."""
    settings_dict = connections["default"].settings_dict
    max_age = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 0
    yield
    # Sends run in the loop's default executor (thread_sensitive=False), and a consumer may
    # leave work running there (a message's notifications are made after its acknowledgement):
    # it finishes, and closes its connection, before connections may live on again; else the
    # test database could not be dropped.
    await asyncio.get_running_loop().shutdown_default_executor()
    await async_db.close_this_loop()  # the sends made from the loop (chat/loop_send.py)
    settings_dict["CONN_MAX_AGE"] = max_age
    await database_sync_to_async(connections.close_all)()


async def token_for(user: User) -> str:
    refresh = await database_sync_to_async(tokens_for_user)(user)  # stores the refresh token
    return str(refresh.access_token)


async def access_token_of(user: User):
    return (await database_sync_to_async(tokens_for_user)(user)).access_token


def communicator(token: str, *, origin: bytes | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", origin)] if origin is not None else []
    return WebsocketCommunicator(application, f"/ws?token={token}", headers=headers)


async def connected(user: User) -> WebsocketCommunicator:
    socket = communicator(await token_for(user))
    is_open, _ = await socket.connect()
    assert is_open
    return socket


async def next_frame(socket: WebsocketCommunicator, frame_type: str, timeout: float = 3.0):
    """The next frame of `frame_type`, skipping others (e.g. notifications)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await socket.receive_json_from(timeout=max(deadline - loop.time(), 0.01))
        if frame["type"] == frame_type:
            return frame


@pytest.fixture
def free_user(make_user):
    return make_user(role="model")


@pytest.fixture
def free_room(make_room, employer, free_user):
    return make_room(employer, free_user)


count_messages = database_sync_to_async(Message.objects.count)


# --- the handshake --------------------------------------------------------------------------


async def test_valid_token_connects_and_ping_pongs(employer):
    socket = await connected(employer)

    await socket.send_json_to({"type": "ping"})

    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.disconnect()


async def test_a_socket_that_ended_leaves_nothing_of_its_channel_in_the_process(
    employer, monkeypatch
):
    layer = get_channel_layer()
    if not hasattr(layer, "forget_channel"):
        pytest.skip("no Redis channel layer: no local delivery")
    before = set(layer._groups_of)
    socket = await connected(employer)
    await socket.send_json_to({"type": "ping"})
    await socket.receive_json_from()
    (channel,) = set(layer._groups_of) - before  # the socket's, in its user's group

    async def redis_down(group, channel):
        raise RedisConnectionError("redis down")

    # the disconnect's group_discard fails (Redis down): the socket is forgotten all the same
    monkeypatch.setattr(layer, "group_discard", redis_down)
    await socket.disconnect()

    assert channel not in layer._groups_of
    assert all(channel not in members for members in layer._local_groups.values())


async def test_frames_delivered_to_a_socket_make_no_task_each(employer):
    # The consumer awaits its Inbox: channels' await_many_dispatch made a task (and an
    # asyncio.wait) for every event.
    layer = get_channel_layer()
    if not hasattr(layer, "attach"):
        pytest.skip("no Redis channel layer: channels' own dispatch")
    socket = await connected(employer)
    await socket.send_json_to({"type": "ping"})
    await socket.receive_json_from()
    loop = asyncio.get_running_loop()
    made = []
    factory = loop.get_task_factory()

    def counting(loop, coro, **kwargs):
        made.append(getattr(coro, "__qualname__", coro))
        if factory is not None:
            return factory(loop, coro, **kwargs)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(counting)
    try:
        group = f"user.{employer.id}"
        frames = [{"type": "pong", "n": n} for n in range(20)]
        await layer.group_send_many(
            [(group, {"type": "client.frame", "frame": frame}) for frame in frames]
        )
        got = [await socket.receive_json_from() for _ in frames]
    finally:
        loop.set_task_factory(factory)

    assert [frame["n"] for frame in got] == list(range(20))
    # at most the stamps' read, which a delivery makes once a second (its batch's own task)
    assert len(made) <= 2, made
    await socket.disconnect()


async def test_bad_tokens_are_refused_before_accepting():
    for token in ("", "garbage", "a.b.c"):
        is_open, code = await communicator(token).connect()

        assert is_open is False
        assert code == CLOSE_TOKEN_REFUSED


async def test_missing_token_is_refused():
    is_open, code = await WebsocketCommunicator(application, "/ws").connect()

    assert (is_open, code) == (False, CLOSE_TOKEN_REFUSED)


async def test_expired_token_is_refused(employer):
    token = await access_token_of(employer)
    token.set_exp(lifetime=-timedelta(seconds=1))

    is_open, code = await communicator(str(token)).connect()

    assert (is_open, code) == (False, CLOSE_TOKEN_REFUSED)


async def test_revoked_token_is_refused(employer):
    token = await access_token_of(employer)
    await database_sync_to_async(access_token_revoke)(token=token)  # logout

    is_open, code = await communicator(str(token)).connect()

    assert (is_open, code) == (False, CLOSE_TOKEN_REFUSED)


async def test_token_of_a_reset_password_or_banned_user_is_refused(employer, model_user):
    stale = await token_for(employer)
    banned = await token_for(model_user)
    await database_sync_to_async(User.objects.filter(pk=employer.pk).update)(token_version=5)
    await database_sync_to_async(User.objects.filter(pk=model_user.pk).update)(is_active=False)

    assert await communicator(stale).connect() == (False, CLOSE_TOKEN_REFUSED)
    assert await communicator(banned).connect() == (False, CLOSE_TOKEN_REFUSED)


async def test_origin_rules(employer, settings):
    settings.DEBUG = False
    settings.CORS_ALLOWED_ORIGINS = ["https://mwork.kz"]
    token = await token_for(employer)

    allowed = communicator(token, origin=b"https://mwork.kz")
    assert (await allowed.connect())[0] is True
    await allowed.disconnect()
    native = communicator(token)  # native apps send no Origin
    assert (await native.connect())[0] is True
    await native.disconnect()

    assert await communicator(token, origin=b"https://evil.example").connect() == (
        False,
        CLOSE_ORIGIN_REFUSED,
    )
    assert await communicator(token, origin=b"http://localhost:3000").connect() == (
        False,
        CLOSE_ORIGIN_REFUSED,
    )


async def test_localhost_origins_are_allowed_in_debug(employer, settings):
    settings.DEBUG = True
    settings.CORS_ALLOWED_ORIGINS = []

    socket = communicator(await token_for(employer), origin=b"http://localhost:3000")

    assert (await socket.connect())[0] is True
    await socket.disconnect()


# --- messages -------------------------------------------------------------------------------


async def test_send_and_receive_between_two_users_with_acknowledgement(room, employer, model_user):
    sender = await connected(employer)
    recipient = await connected(model_user)

    await sender.send_json_to(
        {"type": "message", "room_id": str(room.id), "content": " Hello! ", "client_id": "c-1"}
    )

    ack = await next_frame(sender, "message")
    delivered = await next_frame(recipient, "message")
    stored = await database_sync_to_async(Message.objects.get)()
    expected_message = {
        "id": str(stored.id),
        "room_id": str(room.id),
        "sender_id": str(employer.id),
        "content": "Hello!",
        "created_at": stored.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "is_read": False,
        "held": False,
        "rejected": False,
    }
    assert ack == {
        "type": "message",
        "room_id": str(room.id),
        "message": expected_message,
        "client_id": "c-1",
    }
    assert delivered == {"type": "message", "room_id": str(room.id), "message": expected_message}
    notification = await next_frame(recipient, "notification")
    assert notification["notification"]["type"] == "new_message"
    assert notification["notification"]["data"]["message_id"] == str(stored.id)
    await sender.disconnect()
    await recipient.disconnect()


async def test_every_socket_of_a_member_gets_the_message(room, employer, model_user):
    sender = await connected(employer)
    phone = await connected(model_user)
    laptop = await connected(model_user)

    await sender.send_json_to({"type": "message", "room_id": str(room.id), "content": "Hi"})

    assert (await next_frame(phone, "message"))["message"]["content"] == "Hi"
    assert (await next_frame(laptop, "message"))["message"]["content"] == "Hi"
    for socket in (sender, phone, laptop):
        await socket.disconnect()


async def test_the_senders_sockets_get_the_message_once_each(room, employer, model_user):
    """The sending socket is answered directly and left out of its group's broadcast (on the
    Redis layer); the sender's other sockets get the group's frame: one frame each, no echo
    twice."""
    sending = await connected(employer)
    laptop = await connected(employer)
    recipient = await connected(model_user)

    await sending.send_json_to(
        {"type": "message", "room_id": str(room.id), "content": "Once", "client_id": "c-9"}
    )

    ack = await next_frame(sending, "message")
    mirrored = await next_frame(laptop, "message")
    assert ack["client_id"] == "c-9" and ack["message"]["content"] == "Once"
    assert mirrored["message"] == ack["message"]
    assert (await next_frame(recipient, "message"))["message"] == ack["message"]
    assert await sending.receive_nothing(timeout=0.5)  # no second copy through the group
    for socket in (sending, laptop, recipient):
        await socket.disconnect()


async def test_sending_to_a_room_you_are_not_in_is_refused(room, outsider, model_user):
    intruder = await connected(outsider)
    member = await connected(model_user)

    await intruder.send_json_to(
        {"type": "message", "room_id": str(room.id), "content": "Let me in", "client_id": "x"}
    )

    frame = await intruder.receive_json_from()
    assert frame["type"] == "error"
    assert frame["error"]["code"] == "NOT_FOUND"
    assert frame["client_id"] == "x"
    assert await member.receive_nothing(timeout=0.3)
    assert await count_messages() == 0
    await intruder.disconnect()
    await member.disconnect()


async def test_empty_and_too_long_messages_are_refused(room, employer):
    socket = await connected(employer)

    for content in ("", "   ", "x" * 4001, None, 12):
        await socket.send_json_to(
            {"type": "message", "room_id": str(room.id), "content": content, "client_id": "c"}
        )

        frame = await socket.receive_json_from()
        assert frame["type"] == "error"
        assert frame["error"]["code"] == "VALIDATION_ERROR"
        assert "content" in frame["error"]["details"]
        assert frame["client_id"] == "c"
    assert await count_messages() == 0
    await socket.disconnect()


async def test_4000_characters_are_accepted(room, employer):
    socket = await connected(employer)

    await socket.send_json_to({"type": "message", "room_id": str(room.id), "content": "x" * 4000})

    assert len((await next_frame(socket, "message"))["message"]["content"]) == 4000
    await socket.disconnect()


async def test_free_users_send_is_refused_with_subscription_limit(free_room, free_user):
    socket = await connected(free_user)

    await socket.send_json_to(
        {"type": "message", "room_id": str(free_room.id), "content": "Hi", "client_id": "f"}
    )

    frame = await socket.receive_json_from()
    assert frame["type"] == "error"
    assert frame["error"]["code"] == "SUBSCRIPTION_LIMIT"
    assert frame["error"]["details"] == {"feature": "chat_access"}
    assert frame["client_id"] == "f"
    assert await count_messages() == 0
    await socket.disconnect()


async def test_websocket_sends_share_the_rate_limit(room, employer, settings):
    settings.RATELIMIT_CHAT_MESSAGE = "2/m"
    socket = await connected(employer)

    for index in range(3):
        await socket.send_json_to(
            {"type": "message", "room_id": str(room.id), "content": "m", "client_id": str(index)}
        )
    frames = [await socket.receive_json_from() for _ in range(3)]

    assert [f["type"] for f in frames] == ["message", "message", "error"]
    assert frames[2]["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert frames[2]["error"]["retry_after"] >= 1
    assert await count_messages() == 2
    await socket.disconnect()


# --- typing and read ------------------------------------------------------------------------


async def test_typing_reaches_the_other_member_only(room, employer, model_user):
    typist = await connected(model_user)
    other = await connected(employer)

    await typist.send_json_to({"type": "typing", "room_id": str(room.id)})

    assert await other.receive_json_from() == {
        "type": "typing",
        "room_id": str(room.id),
        "user_id": str(model_user.id),
    }
    assert await typist.receive_nothing(timeout=0.3)
    await typist.disconnect()
    await other.disconnect()


async def test_read_marks_the_room_and_tells_the_members(room, employer, model_user):
    sender = await connected(employer)
    reader = await connected(model_user)
    await sender.send_json_to({"type": "message", "room_id": str(room.id), "content": "Hi"})
    await next_frame(reader, "message")
    await next_frame(sender, "message")

    await reader.send_json_to({"type": "read", "room_id": str(room.id)})

    expected = {"type": "read", "room_id": str(room.id), "user_id": str(model_user.id)}
    assert await next_frame(sender, "read") == expected
    assert await next_frame(reader, "read") == expected
    membership = await database_sync_to_async(Membership.objects.get)(room=room, user=model_user)
    message = await database_sync_to_async(Message.objects.get)()
    assert membership.last_read_at >= message.created_at
    await sender.disconnect()
    await reader.disconnect()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"token_version": 1}, "INVALID_TOKEN"),  # password reset / every session revoked
        ({"is_active": False}, "ACCOUNT_DISABLED"),  # banned
    ],
)
async def test_a_session_revoked_after_the_handshake_ends_the_socket(room, employer, change, code):
    socket = await connected(employer)
    await database_sync_to_async(User.objects.filter(pk=employer.pk).update)(**change)

    await socket.send_json_to(
        {"type": "message", "room_id": str(room.id), "content": "Hi", "client_id": "c1"}
    )

    frame = await next_frame(socket, "error")
    assert (frame["error"]["code"], frame["client_id"]) == (code, "c1")
    assert await socket.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": CLOSE_TOKEN_REFUSED,
    }
    assert await count_messages() == 0


async def test_room_actions_check_membership(room, outsider, employer):
    intruder = await connected(outsider)
    member = await connected(employer)

    for frame_type in ("typing", "read"):
        await intruder.send_json_to({"type": frame_type, "room_id": str(room.id)})

        frame = await intruder.receive_json_from()
        assert frame["error"]["code"] == "NOT_FOUND"
    assert await member.receive_nothing(timeout=0.3)
    await intruder.disconnect()
    await member.disconnect()


async def test_malformed_frames_get_an_error_and_keep_the_socket(employer):
    socket = await connected(employer)
    cases = [
        ('{"type": "dance"}', "type"),
        ('{"type": "message", "content": "hi"}', "room_id"),
        ("not json", None),
        ("[1, 2]", None),
    ]

    for raw, field in cases:
        await socket.send_to(text_data=raw)

        frame = await socket.receive_json_from()
        assert frame["type"] == "error"
        assert frame["error"]["code"] == "VALIDATION_ERROR"
        if field:
            assert field in frame["error"]["details"]
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.disconnect()


# --- notifications share the socket ---------------------------------------------------------


async def test_a_notification_created_elsewhere_arrives_on_the_socket(employer):
    socket = await connected(employer)

    await database_sync_to_async(notify)(
        user=employer,
        type="payment_succeeded",
        data={"order_id": "1042", "amount": 5000, "purpose": "subscription", "plan": "PRO"},
    )

    frame = await next_frame(socket, "notification")
    assert frame["notification"]["type"] == "payment_succeeded"
    assert frame["unread_count"] == 1
    await socket.disconnect()


async def test_a_resent_frame_is_stored_once_and_acknowledged_again(room, employer, model_user):
    sender = await connected(employer)
    recipient = await connected(model_user)
    frame = {"type": "message", "room_id": str(room.id), "content": "Hi", "client_id": "r-1"}

    await sender.send_json_to(frame)
    first_ack = await next_frame(sender, "message")
    await sender.send_json_to(frame)  # as a client does when the first ack did not arrive
    second_ack = await next_frame(sender, "message")

    assert second_ack == first_ack
    assert second_ack["client_id"] == "r-1"
    assert await count_messages() == 1
    delivered = await next_frame(recipient, "message")
    assert delivered["message"]["id"] == first_ack["message"]["id"]
    await next_frame(recipient, "notification")
    assert await recipient.receive_nothing(timeout=0.3)
    await sender.disconnect()
    await recipient.disconnect()
