"""The channel layer's connections to Redis (mwork/channel_layer.py): a burst of commands past
the pool's size waits for a free connection instead of failing (a failure closes a handshaking
socket with 4503)."""

from __future__ import annotations

import asyncio
import copy
import uuid

import pytest
from django.conf import settings

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
