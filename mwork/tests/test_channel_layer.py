"""The channel layer's connections to Redis (mwork/channel_layer.py): a burst of commands past
the pool's size waits for a free connection instead of failing (a failure closes a handshaking
socket with 4503)."""

from __future__ import annotations

import asyncio
import copy
import time
import uuid

import pytest
from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError

from mwork.channel_layer import BoundedRedisChannelLayer

pytestmark = pytest.mark.asyncio


def a_layer(**config) -> BoundedRedisChannelLayer:
    """A layer configured as the settings' one, under a prefix of its own (flushed after)."""
    if not settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith(".BoundedRedisChannelLayer"):
        pytest.skip("the test settings have no Redis channel layer")
    base = copy.deepcopy(settings.CHANNEL_LAYERS["default"]["CONFIG"])
    base.update(prefix=f"test-{uuid.uuid4().hex[:8]}", command_timeout=30.0)
    return BoundedRedisChannelLayer(**{**base, **config})


async def burst_of_group_adds(layer: BoundedRedisChannelLayer, count: int) -> int:
    """`count` sockets joining one group at the same moment (a burst of handshakes); returns
    how many the group holds."""
    group = f"user.{uuid.uuid4()}"
    channels = [await layer.new_channel() for _ in range(count)]
    try:
        await asyncio.gather(*(layer.group_add(group, channel) for channel in channels))
        connection = layer.connection(0)
        return await connection.zcard(layer._group_key(group))
    finally:
        await layer.flush()


async def test_a_burst_of_handshakes_past_the_pool_size_all_join():
    layer = a_layer()
    size = layer.max_connections

    assert await burst_of_group_adds(layer, 3 * size) == 3 * size


async def test_the_pool_never_opens_more_than_its_size():
    layer = a_layer(max_connections=4)

    assert await burst_of_group_adds(layer, 200) == 200
    pool = layer.connection(0).connection_pool
    assert len(pool._available_connections) + len(pool._in_use_connections) <= 4


async def test_messages_waiting_on_a_channel_are_received_in_order_in_batches():
    # given more messages waiting on a process's channel than one receive takes off Redis
    layer = a_layer()
    channel = await layer.new_channel()
    try:
        for number in range(250):
            await layer.send(channel, {"type": "test.message", "number": number})

        # when they are received
        received = [(await layer.receive(channel))["number"] for _ in range(250)]

        # then every one comes, once and in order, and nothing is left in Redis
        assert received == list(range(250))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await layer.receive(channel)
    finally:
        await layer.flush()


async def test_group_send_many_leaves_the_excluded_channel_out_of_every_group():
    layer = a_layer()
    sending, other = await layer.new_channel(), await layer.new_channel()
    group = f"user.{uuid.uuid4()}"
    try:
        for channel in (sending, other):
            await layer.group_add(group, channel)

        await layer.group_send_many([(group, {"type": "x", "n": 1})], exclude=sending)

        assert (await asyncio.wait_for(layer.receive(other), 2))["n"] == 1
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(sending), 0.5)
    finally:
        await layer.flush()


@pytest.mark.parametrize("exclude", [False, True])
async def test_group_send_many_in_one_round_trip_delivers_as_the_two_trip_path(
    monkeypatch, exclude
):
    """The script path (`_group_send_in_one`) and the two round trips it replaced deliver the
    same messages to the same channels: channels of two processes (keys shared by a process's
    channels), a channel in two groups' worth of sends, an excluded one, a full channel key."""
    received = {}
    for path in ("one", "two"):
        layer = a_layer(capacity=3)
        # The receiving process: its channels are not the sending one's, so nothing is
        # delivered locally and every message goes through Redis.
        receiving = a_layer(capacity=3, prefix=layer.prefix)
        if path == "two":
            monkeypatch.setattr(layer, "_base_payload", lambda message: None)
        here = [await receiving.new_channel() for _ in range(3)]  # one process's channels
        elsewhere = f"specific.{uuid.uuid4().hex}!{uuid.uuid4().hex}"  # another process's
        alone = f"plain-{uuid.uuid4().hex}"  # a channel of its own key
        try:
            await layer.group_add("user.a", here[0])
            await layer.group_add("user.a", here[1])
            await layer.group_add("user.a", elsewhere)
            await layer.group_add("user.b", here[2])
            await layer.group_add("user.b", alone)
            sends = [("user.a", {"type": "frame", "n": 1}), ("user.b", {"type": "frame", "n": 2})]
            for _ in range(2):  # the second time the full key (capacity 3) refuses more
                await layer.group_send_many(sends, exclude=here[1] if exclude else None)
            got = []
            for channel in here:
                while True:
                    try:
                        message = await asyncio.wait_for(receiving.receive(channel), 0.2)
                    except TimeoutError:
                        break
                    got.append((here.index(channel), message["n"]))
            other = layer.connection(0)
            queued = [
                await other.zcard(layer.prefix + elsewhere.split("!")[0] + "!"),
                await other.zcard(layer.prefix + alone),
            ]
            received[path] = (sorted(got), queued)
        finally:
            await layer.flush()

    assert received["one"] == received["two"]
    assert received["one"][0]  # something was delivered at all


# ---- receiving: one reader a process, local delivery ------------------------------------------


async def test_every_waiting_channel_of_a_process_gets_its_own_messages():
    # given 50 sockets of one process waiting, and another process sending to each of them
    receiving = a_layer()
    sending = a_layer(prefix=receiving.prefix)
    channels = [await receiving.new_channel() for _ in range(50)]
    try:
        waiting = [asyncio.ensure_future(receiving.receive(channel)) for channel in channels]
        await asyncio.sleep(0.05)
        for number, channel in enumerate(channels):
            await sending.send(channel, {"type": "test.message", "number": number})

        # then each receives its own message, through the process's one reader
        got = await asyncio.wait_for(asyncio.gather(*waiting), 5)
        assert [message["number"] for message in got] == list(range(50))
    finally:
        await receiving.flush()


async def test_a_channel_of_this_process_gets_a_group_message_without_redis(monkeypatch):
    layer = a_layer()
    group = f"user.{uuid.uuid4()}"
    here = await layer.new_channel()
    try:
        await layer.group_add(group, here)
        script_runs = []
        original = layer._group_send_in_one

        async def counted(sends, bases, push, excluded):
            script_runs.append(set(excluded))
            return await original(sends, bases, push, excluded)

        monkeypatch.setattr(layer, "_group_send_in_one", counted)

        for number in range(3):
            await layer.group_send_many([(group, {"type": "frame", "n": number})])

        # delivered in order, and Redis was told to leave the channel out
        assert [(await layer.receive(here))["n"] for _ in range(3)] == [0, 1, 2]
        assert script_runs == [{here}] * 3
        queued = await layer.connection(0).zcard(layer.prefix + here.split("!")[0] + "!")
        assert queued == 0
    finally:
        await layer.flush()


async def test_a_local_message_reaches_a_channel_waiting_while_the_reader_waits_on_redis():
    # The reader blocks on Redis for the process's channels; a local delivery must not wait
    # for it (the channel's receive waits on its own queue).
    layer = a_layer()
    group = f"user.{uuid.uuid4()}"
    here = await layer.new_channel()
    try:
        await layer.group_add(group, here)
        waiting = asyncio.ensure_future(layer.receive(here))
        await asyncio.sleep(0.05)  # the reader is in its blocking pop now

        await layer.group_send_many([(group, {"type": "frame", "n": 1})])

        assert (await asyncio.wait_for(waiting, 1))["n"] == 1
    finally:
        await layer.flush()


async def test_a_discarded_channel_gets_no_more_local_messages():
    layer = a_layer()
    group = f"user.{uuid.uuid4()}"
    here, stays = await layer.new_channel(), await layer.new_channel()
    try:
        await layer.group_add(group, here)
        await layer.group_add(group, stays)
        await layer.group_discard(group, here)

        await layer.group_send_many([(group, {"type": "frame", "n": 1})])

        assert (await asyncio.wait_for(layer.receive(stays), 1))["n"] == 1
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(here), 0.3)
    finally:
        await layer.flush()


async def test_redis_failing_fails_every_waiting_receive(monkeypatch):
    layer = a_layer()
    channels = [await layer.new_channel() for _ in range(3)]
    try:
        unreachable = RedisConnectionError("redis down")

        async def pop_fails(*args):
            raise unreachable

        waiting = [asyncio.ensure_future(layer.receive(channel)) for channel in channels]
        await asyncio.sleep(0.05)
        monkeypatch.setattr(layer, "_pop_many", pop_fails)
        monkeypatch.setattr(layer, "_pop_many_on", pop_fails)  # the reader's, on its Wire
        # a message for a channel nobody waits on wakes the reader's blocking pop: it pops again
        await a_layer(prefix=layer.prefix).send(await layer.new_channel(), {"type": "wake"})

        results = await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), 10)
        assert results == [unreachable] * 3
    finally:
        monkeypatch.undo()
        await layer.flush()


async def test_the_reader_stops_when_its_last_waiting_channel_is_cancelled():
    layer = a_layer()
    channel = await layer.new_channel()
    try:
        waiting = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0.05)
        reader = layer._reader
        assert reader is not None and not reader.done()

        waiting.cancel()
        await asyncio.sleep(0.05)

        assert reader.done()  # nothing left pending for the event loop's end
    finally:
        await layer.flush()


async def test_a_message_no_socket_can_read_is_dropped_and_the_rest_delivered(caplog):
    layer = a_layer()
    channel = await layer.new_channel()
    try:
        waiting = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0.05)
        key = layer.prefix + channel.split("!")[0] + "!"
        await layer.connection(0).zadd(key, {b"not msgpack at all": time.time()})
        await a_layer(prefix=layer.prefix).send(channel, {"type": "test.message", "n": 1})

        assert (await asyncio.wait_for(waiting, 5))["n"] == 1
        assert "could not be read" in caplog.text
    finally:
        await layer.flush()


async def test_a_receive_right_after_the_reader_was_cancelled_is_still_served():
    # The last waiting channel's cancel cancels the reader; a receive starting before the
    # cancel has taken effect must get a reader of its own, not the one on its way out.
    receiving = a_layer()
    sending = a_layer(prefix=receiving.prefix)
    gone, comes = await receiving.new_channel(), await receiving.new_channel()
    try:
        waiting = asyncio.ensure_future(receiving.receive(gone))
        await asyncio.sleep(0.05)
        waiting.cancel()
        # runs right after the cancel is handled (the reader asked to stop), before the reader
        # has stopped
        coming = asyncio.ensure_future(receiving.receive(comes))
        await asyncio.sleep(0.05)

        await sending.send(comes, {"type": "test.message", "n": 1})

        assert (await asyncio.wait_for(coming, 5))["n"] == 1
    finally:
        await receiving.flush()


async def test_a_forgotten_channel_is_out_of_every_group_of_the_process():
    # A socket that ended without its group_discard (Redis down, a failed handshake) is
    # forgotten by its consumer: nothing more is queued for it here.
    layer = a_layer()
    gone, stays = await layer.new_channel(), await layer.new_channel()
    groups = [f"user.{uuid.uuid4()}" for _ in range(2)]
    try:
        for group in groups:
            await layer.group_add(group, gone)
            await layer.group_add(group, stays)

        layer.forget_channel(gone)
        await layer.group_send_many([(group, {"type": "frame", "n": 1}) for group in groups])

        assert gone not in layer.receive_buffer
        assert all(gone not in layer._local_groups[group] for group in groups)
        assert [(await layer.receive(stays))["n"] for _ in groups] == [1, 1]
    finally:
        await layer.flush()


# ---- attached channels: a consumer's one Inbox -----------------------------------------------


async def test_an_attached_channel_gets_its_messages_from_redis_and_locally_in_its_inbox():
    receiving = a_layer()
    sending = a_layer(prefix=receiving.prefix)
    group = f"user.{uuid.uuid4()}"
    channel = await receiving.new_channel()
    try:
        await sending.send(channel, {"type": "test.message", "n": 0})  # before it attaches
        await asyncio.sleep(0.05)
        inbox = receiving.attach(channel)
        await receiving.group_add(group, channel)
        await sending.send(channel, {"type": "test.message", "n": 1})
        await asyncio.sleep(0.05)
        await receiving.group_send_many([(group, {"type": "test.message", "n": 2})])  # local
        inbox.put_event({"type": "websocket.receive", "text": "3"})  # the consumer's own

        got = [await asyncio.wait_for(inbox.get(), 5) for _ in range(4)]

        assert [item.get("n", item.get("text")) for item in got] == [0, 1, 2, "3"]
        assert receiving._reader is not None and not receiving._reader.done()
    finally:
        receiving.forget_channel(channel)
        await receiving.flush()


async def test_redis_failing_fails_every_attached_inbox_after_what_came_before(monkeypatch):
    layer = a_layer()
    channels = [await layer.new_channel() for _ in range(3)]
    try:
        inboxes = [layer.attach(channel) for channel in channels]
        inboxes[0].put_event({"type": "websocket.receive"})
        await asyncio.sleep(0.05)
        unreachable = RedisConnectionError("redis down")

        async def pop_fails(*args):
            raise unreachable

        monkeypatch.setattr(layer, "_pop_many", pop_fails)
        monkeypatch.setattr(layer, "_pop_many_on", pop_fails)  # the reader's, on its Wire
        await a_layer(prefix=layer.prefix).send(await layer.new_channel(), {"type": "wake"})

        assert (await inboxes[0].get())["type"] == "websocket.receive"
        for inbox in inboxes:
            with pytest.raises(RedisConnectionError):
                await asyncio.wait_for(inbox.get(), 10)
    finally:
        monkeypatch.undo()
        for channel in channels:
            layer.forget_channel(channel)
        await layer.flush()


async def test_the_reader_stops_when_its_last_attached_channel_is_forgotten():
    layer = a_layer()
    first, second = await layer.new_channel(), await layer.new_channel()
    try:
        layer.attach(first)
        layer.attach(second)
        await asyncio.sleep(0.05)
        reader = layer._reader

        layer.forget_channel(first)
        await asyncio.sleep(0.05)
        assert not reader.done()  # the second still reads

        layer.forget_channel(second)
        await asyncio.sleep(0.05)
        assert reader.done()
    finally:
        await layer.flush()


async def test_a_message_still_on_its_way_to_a_forgotten_channel_is_dropped():
    # Its group stayed in Redis (Redis was down at its disconnect): what comes for it must not
    # pile up in a queue nobody reads.
    receiving = a_layer()
    sending = a_layer(prefix=receiving.prefix)
    gone, stays = await receiving.new_channel(), await receiving.new_channel()
    try:
        inbox = receiving.attach(stays)
        receiving.attach(gone)
        receiving.forget_channel(gone)

        await sending.send(gone, {"type": "test.message", "n": 0})
        await sending.send(stays, {"type": "test.message", "n": 1})

        assert (await asyncio.wait_for(inbox.get(), 5))["n"] == 1
        assert gone not in receiving.receive_buffer
    finally:
        receiving.forget_channel(stays)
        await receiving.flush()


async def test_an_inbox_drops_channel_messages_past_its_capacity_never_its_own_events():
    from mwork.channel_layer import Inbox

    inbox = Inbox(capacity=2)
    for number in range(3):
        inbox.put_nowait({"n": number})
    inbox.put_event({"type": "websocket.disconnect"})
    inbox.fail(RedisConnectionError("redis down"))

    assert [inbox.get_nowait() for _ in range(3)] == [
        {"n": 0},
        {"n": 1},
        {"type": "websocket.disconnect"},
    ]
    with pytest.raises(RedisConnectionError):
        await inbox.get()
    assert inbox.empty()


async def test_a_short_lived_loops_wire_is_closed_with_the_loop():
    # asgiref's async_to_sync runs a view's broadcast in a loop of its own, closed after it
    layer = a_layer()
    transports = []

    def broadcasts_in_loops_of_their_own():
        for _ in range(3):
            loop = asyncio.new_event_loop()

            async def ping():
                wire = layer.wire()
                await wire.call("PING", timeout=1.0)
                transports.append(wire._protocol.transport)

            loop.run_until_complete(ping())
            loop.close()

    await asyncio.get_running_loop().run_in_executor(None, broadcasts_in_loops_of_their_own)

    assert len(transports) == 3
    assert all(transport.get_extra_info("socket").fileno() == -1 for transport in transports)
    assert not layer._wires  # each went with its loop
