"""A lean Redis connection for the chat's hot path: an event loop's commands pipelined on one
connection (docs/PERFORMANCE.md, "Eighth round").

redis-py's asyncio client spends ~100 µs of Python on every command (measured on this
project's bench machine: a PING costs 145 µs of CPU through it against 40 µs for the same bytes
on a plain socket): a pool checkout under a lock and a deadline, the connection's own lock,
the command packed in Python, and for a pipeline its object and its reset (a shielded task).
A chat message makes four to six commands on its server process. A `Wire` writes each command,
packed by hiredis, onto one connection shared by everything on its event loop and awaits its
reply in turn: Redis answers a connection's commands in the order they came, so commands made
at the same time pipeline on their own, with no lock and no pool.

What it does not do, on purpose: blocking commands, except on a wire of their own (a blocked
reply holds up every command behind it); pub/sub, MULTI, Sentinel or a cluster (the channel
layer keeps redis-py for those setups). A command whose deadline passes closes the connection,
since what is pending on it can no longer be trusted (redis-py drops a connection whose command
was cancelled, for the same reason); the next command connects again. A command cancelled by its
caller leaves its reply to be read and dropped. Errors are redis-py's classes, so callers keep
their `except RedisError`: `ConnectionError` (connecting failed, the connection was lost or
closed), `TimeoutError` (the deadline passed) and `ResponseError` (an error reply).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import ssl
from typing import Any
from urllib.parse import unquote, urlsplit

import hiredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Every Script's body by its SHA1, for a connection to load the ones its commands call.
_BODIES: dict[str, bytes] = {}


class Script:
    """A Lua script called by its SHA1 (`EVALSHA`). A connection loads it (SCRIPT LOAD, in
    the same write) before its first call there, so a call never finds it missing, but after
    a SCRIPT FLUSH (that call fails with NoScriptError and the next loads it again)."""

    __slots__ = ("body", "sha")

    def __init__(self, body: str) -> None:
        self.body = body.encode()
        self.sha = hashlib.sha1(self.body).hexdigest()  # noqa: S324 - Redis's script id
        _BODIES[self.sha] = self.body

    def command(self, keys: list[Any], args: list[Any]) -> tuple[Any, ...]:
        return ("EVALSHA", self.sha, len(keys), *keys, *args)


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.reader = hiredis.Reader()
        self.waiting: collections.deque[asyncio.Future] = collections.deque()
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None
        self.loaded: set[str] = set()  # the SHA1s of the scripts loaded on this connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while (reply := self.reader.gets()) is not False:
            if not self.waiting:  # a reply nobody asked for: nothing here can be trusted
                self.close(RedisConnectionError("Redis sent a reply nobody asked for"))
                return
            waiter = self.waiting.popleft()
            if waiter.done():  # its caller gave up (cancelled): the reply is dropped
                continue
            if isinstance(reply, hiredis.ReplyError):
                text = str(reply)
                if text.startswith("NOSCRIPT"):  # flushed: load them again
                    self.loaded.clear()
                    waiter.set_exception(NoScriptError(text))
                else:
                    waiter.set_exception(ResponseError(text))
            else:
                waiter.set_result(reply)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.fail(RedisConnectionError(f"connection to Redis lost ({exc or 'closed'})"))

    def write(self, data: bytes) -> None:
        if self.transport is None:
            raise self.lost or RedisConnectionError("connection to Redis closed")
        self.transport.write(data)

    def fail(self, error: BaseException) -> None:
        self.lost = self.lost or error
        self.transport = None
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(error)

    def close(self, error: BaseException) -> None:
        transport = self.transport
        self.fail(error)
        if transport is not None:
            transport.abort()


class Wire:
    """One connection to the Redis of `url` (redis:// or rediss://, with its password and
    database number), for one event loop, made on first use and again after it was lost."""

    def __init__(self, url: str, *, connect_timeout: float = 2.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError(f"a Wire takes redis:// or rediss:// URLs, not {parts.scheme}://")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.ssl = ssl.create_default_context() if parts.scheme == "rediss" else None
        self.connect_timeout = connect_timeout
        self.setup: list[tuple[Any, ...]] = []
        if parts.password is not None:
            user = unquote(parts.username) if parts.username else None
            password = unquote(parts.password)
            self.setup.append(("AUTH", user, password) if user else ("AUTH", password))
        database = parts.path.strip("/")
        if database and database != "0":
            self.setup.append(("SELECT", int(database)))
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Future | None = None

    async def call(self, *command: Any, timeout: float | None) -> Any:
        """One command's reply; an error reply raises."""
        return (await self.calls([command], timeout=timeout))[0]

    async def calls(self, commands: list[tuple[Any, ...]], *, timeout: float | None) -> list[Any]:
        """The replies of `commands`, written at once and answered in order; an error reply
        raises (the first, once every reply came)."""
        waiters: list[asyncio.Future] = []
        try:
            async with asyncio.timeout(timeout):
                protocol = await self._connected()
                loop = asyncio.get_running_loop()
                shas = {command[1] for command in commands if command[0] == "EVALSHA"}
                loads = [("SCRIPT", "LOAD", _BODIES[sha]) for sha in shas - protocol.loaded]
                for _load in loads:  # their replies (the SHA1s) are read and dropped
                    dropped = loop.create_future()
                    dropped.cancel()
                    protocol.waiting.append(dropped)
                protocol.loaded |= shas
                waiters = [loop.create_future() for _ in commands]
                protocol.waiting.extend(waiters)
                protocol.write(b"".join(map(hiredis.pack_command, [*loads, *commands])))
                for waiter in waiters:  # answered in order: the last one comes last
                    with contextlib.suppress(ResponseError):
                        await waiter
        except TimeoutError:
            self.close()
            raise RedisTimeoutError(f"Redis did not answer within {timeout} s") from None
        finally:
            for waiter in waiters:
                if not waiter.done():
                    waiter.cancel()  # its reply, if it comes, is dropped
                elif not waiter.cancelled():
                    waiter.exception()  # retrieved: raised below or by the await above
        return [waiter.result() for waiter in waiters]

    def close(self) -> None:
        """Drop the connection; what is pending on it fails with ConnectionError."""
        protocol, self._protocol = self._protocol, None
        if protocol is not None:
            protocol.close(RedisConnectionError("connection to Redis closed"))

    async def _connected(self) -> _Protocol:
        protocol = self._protocol
        if protocol is not None and protocol.transport is not None:
            return protocol
        if self._connecting is None or self._connecting.done():  # done: a lost one's
            self._connecting = asyncio.ensure_future(self._connect())
        connecting = self._connecting
        try:
            return await asyncio.shield(connecting)
        finally:
            if connecting.done() and self._connecting is connecting:
                self._connecting = None

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        protocol: _Protocol | None = None
        try:
            async with asyncio.timeout(self.connect_timeout):
                _transport, protocol = await loop.create_connection(
                    _Protocol, self.host, self.port, ssl=self.ssl
                )
                if self.setup:
                    waiters = [loop.create_future() for _ in self.setup]
                    protocol.waiting.extend(waiters)
                    protocol.write(b"".join(map(hiredis.pack_command, self.setup)))
                    for waiter in waiters:
                        await waiter
        except (OSError, TimeoutError, ResponseError) as error:
            if protocol is not None:
                protocol.close(RedisConnectionError("connection to Redis closed"))
            raise RedisConnectionError(f"could not connect to Redis: {error}") from error
        self._protocol = protocol
        return protocol
