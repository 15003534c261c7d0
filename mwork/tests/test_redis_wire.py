"""The chat's Redis Wire (mwork/redis_wire.py): commands pipelined on one connection, replies
in order, deadlines, lost connections, scripts and the URL's password and database. Against
the test Redis where one is configured, and against a scripted server where Redis itself
cannot be made to misbehave."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from mwork.redis_wire import Script, Wire

pytestmark = pytest.mark.asyncio


def redis_url() -> str:
    if not settings.REDIS_URL:
        pytest.skip("no Redis configured for the tests")
    return settings.REDIS_URL


class ScriptedServer:
    """A TCP server that records what it is sent and answers each command with `answer`
    (None: never answers; "close": closes the connection)."""

    def __init__(self, answer: bytes | str | None = b"+OK\r\n") -> None:
        self.answer = answer
        self.received = b""
        self.connections = 0
        self.writers: list[asyncio.StreamWriter] = []
        self.tasks: list[asyncio.Task | None] = []

    async def __aenter__(self) -> ScriptedServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"redis://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc_info) -> None:
        self.server.close()
        for writer in self.writers:
            writer.close()
        await asyncio.gather(*self.tasks, return_exceptions=True)  # each sees its EOF
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        self.tasks.append(asyncio.current_task())
        while data := await reader.read(65536):
            self.received += data
            if self.answer == "close":
                writer.close()
                return
            if self.answer is not None:
                writer.write(self.answer * data.count(b"*"))  # one answer a command


async def test_replies_come_back_in_order_and_decoded():
    wire = Wire(redis_url())
    key = f"test:wire:{uuid.uuid4().hex}"
    try:
        replies = await wire.calls(
            [("SET", key, "1"), ("INCR", key), ("MGET", key, key + ":none"), ("PING",)],
            timeout=1.0,
        )
        assert replies == [b"OK", 2, [b"2", None], b"PONG"]
        assert await wire.call("DEL", key, timeout=1.0) == 1
    finally:
        wire.close()


async def test_concurrent_calls_share_one_connection_and_get_their_own_replies():
    wire = Wire(redis_url())
    keys = [f"test:wire:{uuid.uuid4().hex}" for _ in range(200)]
    try:
        await wire.call("PING", timeout=1.0)
        clients_before = (await wire.call("CLIENT", "LIST", timeout=1.0)).count(b"\n")

        replies = await asyncio.gather(
            *(wire.call("INCRBY", key, number, timeout=1.0) for number, key in enumerate(keys))
        )

        assert replies == list(range(200))
        clients_after = (await wire.call("CLIENT", "LIST", timeout=1.0)).count(b"\n")
        assert clients_after == clients_before
    finally:
        await wire.call("DEL", *keys, timeout=1.0)
        wire.close()


async def test_an_error_reply_raises_and_the_connection_goes_on():
    wire = Wire(redis_url())
    key = f"test:wire:{uuid.uuid4().hex}"
    try:
        with pytest.raises(ResponseError, match=r"not an integer"):
            await wire.calls([("SET", key, "text"), ("INCR", key)], timeout=1.0)

        assert await wire.call("GET", key, timeout=1.0) == b"text"  # the SET was made
    finally:
        await wire.call("DEL", key, timeout=1.0)
        wire.close()


async def test_a_script_is_loaded_on_first_use_and_again_after_a_flush():
    wire = Wire(redis_url())
    script = Script(f"return {{ARGV[1], '{uuid.uuid4().hex}'}}")
    try:
        assert (await wire.calls([script.command([], ["a"])], timeout=1.0))[0][0] == b"a"

        await wire.call("SCRIPT", "FLUSH", timeout=1.0)
        with pytest.raises(NoScriptError):  # the call that finds it gone fails
            await wire.calls([script.command([], ["b"])], timeout=1.0)

        assert (await wire.calls([script.command([], ["c"])], timeout=1.0))[0][0] == b"c"
    finally:
        wire.close()


async def test_a_cancelled_calls_reply_is_dropped_and_the_next_gets_its_own():
    wire = Wire(redis_url())
    key = f"test:wire:{uuid.uuid4().hex}"
    try:
        blocked = asyncio.ensure_future(wire.call("BLPOP", key, 1, timeout=None))
        await asyncio.sleep(0.1)
        blocked.cancel()

        # queued behind the blocked pop on the same connection; answered after its nil
        assert await wire.call("PING", timeout=3.0) == b"PONG"
    finally:
        wire.close()


async def test_a_deadline_passed_closes_the_connection_and_the_next_call_connects_again():
    async with ScriptedServer(answer=None) as server:  # a Redis that hangs
        wire = Wire(server.url)
        pending = asyncio.ensure_future(wire.call("GET", "a", timeout=5.0))
        await asyncio.sleep(0.05)

        with pytest.raises(RedisTimeoutError):
            await wire.call("GET", "b", timeout=0.2)

        # what was pending on the closed connection fails at once, not at its own deadline
        with pytest.raises(RedisConnectionError):
            await asyncio.wait_for(pending, 1.0)
        server.answer = b"$1\r\nx\r\n"
        assert await wire.call("GET", "c", timeout=1.0) == b"x"
        assert server.connections == 2
        wire.close()


async def test_a_lost_connection_fails_what_is_pending_and_the_next_call_connects_again():
    async with ScriptedServer(answer="close") as server:
        wire = Wire(server.url)

        with pytest.raises(RedisConnectionError):
            await wire.call("GET", "a", timeout=1.0)

        server.answer = b"+PONG\r\n"
        assert await wire.call("PING", timeout=1.0) == b"PONG"
        assert server.connections == 2
        wire.close()


async def test_an_unreachable_redis_is_a_connection_error():
    async with ScriptedServer() as server:
        url = server.url
    wire = Wire(url, connect_timeout=0.5)  # the server is gone: nothing listens there

    with pytest.raises(RedisConnectionError):
        await wire.call("PING", timeout=1.0)


async def test_the_urls_password_and_database_are_sent_first():
    async with ScriptedServer() as server:
        wire = Wire(server.url.replace("redis://", "redis://mwork:s%40cret@") + "/3")

        assert await wire.call("PING", timeout=1.0) == b"OK"

        assert server.received.startswith(
            b"*3\r\n$4\r\nAUTH\r\n$5\r\nmwork\r\n$6\r\ns@cret\r\n"
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"
            b"*1\r\n$4\r\nPING\r\n"
        )
        wire.close()


async def test_only_redis_urls_are_taken():
    with pytest.raises(ValueError, match="unix"):
        Wire("unix:///run/redis.sock")
