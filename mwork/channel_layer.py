"""The Redis channel layer with a deadline on every command a request path waits for.

A socket's receive loop blocks on Redis by design, so the layer's connections keep
`socket_timeout=None` (redis-py would otherwise drop idle consumers). Everything else — a
group_send from a view's on_commit, a WebSocket handshake's group_add — must not wait on a Redis
that hangs instead of dying: each gets `command_timeout` seconds and then raises redis'
`TimeoutError` (a `RedisError`, which callers already treat as "Redis down"). The cancelled
command's connection is discarded by redis-py, so nothing half-read is reused.
docs/RELIABILITY.md ("Redis that hangs") has the measurements.

Each process keeps at most `max_connections` connections per event loop; a command that finds
them all busy waits for one (within its deadline). channels_redis's own pool (redis-py's
`ConnectionPool`, 100 connections) raised `MaxConnectionsError` instead, so a burst of more
than ~100 handshakes closed the sockets past it with 4503 (docs/PERFORMANCE.md, "Chat send
path, third round").

Receiving and local delivery (docs/PERFORMANCE.md, "Seventh round"): a process's sockets wait
on their own queues (`receive_buffer`, as in channels_redis) and one task per process reads
their messages off Redis into the queues while any waits. channels_redis made every waiting
socket race for a lock, with two tasks of its own, each time a message came, whoever it was
for. And `group_send_many` hands a message to a socket of this process straight to its queue,
without the round trip through Redis and back: the process knows which of its channels are in
which group (`group_add` / `group_discard`, and `forget_channel` when a socket ends).
Delivery stays at most once and in order per sending socket.

A consumer may also `attach` its channel instead of calling `receive` for every message: its
messages then go straight into its `Inbox`, the one queue it awaits for everything it handles
(chat/consumers.py puts its ASGI events there too), so no task is made per event.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import time
import weakref
from typing import Any

from channels_redis.core import RedisChannelLayer
from msgpack import packb as _msgpack_packb  # type: ignore[import-untyped]
from redis.asyncio import BlockingConnectionPool
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from mwork.redis_wire import Script, Wire

logger = logging.getLogger(__name__)

# Messages one receive takes off a channel at once when more are waiting.
RECEIVE_BATCH = 100
# How long a command without a deadline of its own (the sockets' receive loop) waits for a
# free connection before redis-py raises ConnectionError.
POOL_WAIT_SECONDS = 5.0
# How many of the process's ended channels are remembered, so that a message still on its way
# to one (its group left in Redis when Redis was down at its disconnect) is dropped instead of
# kept in a queue nobody reads.
FORGOTTEN_CHANNELS = 10_000


class BoundedRedisChannelLayer(RedisChannelLayer):
    def __init__(
        self,
        *args: Any,
        command_timeout: float = 1.0,
        max_connections: int = 100,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.command_timeout = command_timeout
        self.max_connections = max_connections
        # Messages taken off a channel's sorted set and not yet handed out, by channel key.
        self._popped: collections.defaultdict[str, collections.deque[bytes]] = (
            collections.defaultdict(collections.deque)
        )
        # This process's channels by group (`group_add`), for local delivery, and the groups of
        # each (`forget_channel`).
        self._local_groups: collections.defaultdict[str, set[str]] = collections.defaultdict(set)
        self._groups_of: collections.defaultdict[str, set[str]] = collections.defaultdict(set)
        # Channels of this process with a `receive` waiting on their queue, and the one task
        # that fills their queues from Redis (`_read`).
        self._waiting: set[str] = set()
        self._reader: asyncio.Task | None = None
        # Channels whose messages go into their consumer's Inbox (`attach`), and channels of
        # this process that ended (`forget_channel`), oldest first.
        self._attached: set[str] = set()
        self._forgotten: collections.OrderedDict[str, None] = collections.OrderedDict()
        # Per event loop: the Wire its commands share, and the reader's own (its blocking pop
        # would hold up the others). None: redis-py's pool for everything (sharded, Sentinel,
        # a unix socket).
        self._wire_url = _wire_url(self.hosts)
        self._wires: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Wire] = (
            weakref.WeakKeyDictionary()
        )
        self._reader_wires: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Wire] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def wired(self) -> bool:
        """Whether `wire` gives a Wire (one plain Redis)."""
        return self._wire_url is not None

    def wire(self) -> Wire | None:
        """This event loop's Wire to the layer's Redis (mwork/redis_wire.py), for the commands
        of the chat's hot path; None when the layer is not on one plain Redis."""
        return self._loop_wire(self._wires)

    def _loop_wire(self, wires: weakref.WeakKeyDictionary) -> Wire | None:
        if self._wire_url is None:
            return None
        loop = asyncio.get_running_loop()
        wire = wires.get(loop)
        if wire is None:
            if loop not in self._wires and loop not in self._reader_wires:
                self._close_wires_with(loop)
            connect_timeout = self.hosts[0].get("socket_connect_timeout") or POOL_WAIT_SECONDS
            wire = wires[loop] = Wire(self._wire_url, connect_timeout=connect_timeout)
        return wire

    def _close_wires_with(self, loop: asyncio.AbstractEventLoop) -> None:
        """`loop`'s Wires are closed when it closes: a thread's short-lived loop (asgiref's
        async_to_sync, e.g. a view's broadcast on commit) would otherwise leave its
        connections open. channels_redis does the same for its pools (`_wrap_close`)."""
        close = loop.close

        def close_wires_then_loop(*args: Any, **kwargs: Any) -> None:
            loop.close = close  # type: ignore[method-assign]
            for wires in (self._wires, self._reader_wires):
                wire = wires.pop(loop, None)
                if wire is not None:
                    wire.close()
            if not loop.is_running():  # the transports' own close runs on the loop
                loop.run_until_complete(asyncio.sleep(0))
            close(*args, **kwargs)

        loop.close = close_wires_then_loop  # type: ignore[method-assign]

    async def flush(self) -> None:
        """Every message and group of the layer gone, here as in Redis."""
        await super().flush()
        self._local_groups.clear()
        self._groups_of.clear()
        self._popped.clear()
        for channel in [name for name in self.receive_buffer if not self._read_for(name)]:
            del self.receive_buffer[channel]

    def _read_for(self, channel: str) -> bool:
        """Whether a consumer takes `channel`'s messages now (a `receive` waits, or attached)."""
        return channel in self._waiting or channel in self._attached

    def attach(self, channel: str) -> Inbox:
        """From now until `forget_channel`, every message of this process's `channel` goes into
        the returned Inbox (the process's reader runs meanwhile): its consumer awaits the
        Inbox instead of calling `receive` for each message."""
        real_channel = self.non_local_name(channel)
        if not real_channel.endswith(self.client_prefix + "!"):
            raise ValueError(f"{channel} is not a channel of this process")
        inbox = Inbox(self.capacity)
        waiting = self.receive_buffer.pop(channel, None)
        while waiting is not None and not waiting.empty():  # sent before it was attached
            inbox.put_nowait(waiting.get_nowait())
        self.receive_buffer[channel] = inbox
        self._attached.add(channel)
        self._start_reader(real_channel)
        return inbox

    def _is_local(self, channel: str) -> bool:
        """Whether `channel` is one of this process's (`new_channel`)."""
        return f".{self.client_prefix}!" in channel

    async def receive(self, channel: str) -> dict:
        """The next message of `channel`. A channel of this process waits on its own queue,
        which the process's one reader (`_read`) or a local `group_send_many` fills; any other
        channel is read off Redis directly, as channels_redis does."""
        self.require_valid_channel_name(channel)  # raises TypeError if not
        if "!" not in channel:
            return (await self.receive_single(channel))[1]
        real_channel = self.non_local_name(channel)
        if not real_channel.endswith(self.client_prefix + "!"):
            raise ValueError(f"{channel} is not a channel of this process")
        queue = self.receive_buffer[channel]
        if queue.empty():
            self._waiting.add(channel)
            try:
                self._start_reader(real_channel)
                message = await queue.get()
            except asyncio.CancelledError:
                # The socket is gone, and what waits for it; a reader nobody waits for any
                # more stops (a test's event loop ends with its sockets).
                self._waiting.discard(channel)
                self.receive_buffer.pop(channel, None)
                self._stop_reader_if_unread()
                raise
            finally:
                self._waiting.discard(channel)
        else:
            message = queue.get_nowait()
        if queue.empty() and channel not in self._attached:
            self.receive_buffer.pop(channel, None)
        if isinstance(message, _ReadFailed):
            raise message.error
        return message

    def _stop_reader_if_unread(self) -> None:
        """A reader nobody waits for any more stops (a test's event loop ends with its
        sockets)."""
        reader = self._reader
        if self._waiting or self._attached or reader is None or reader.done():
            return
        if reader.get_loop().is_closed():  # its loop ended with it (a test's)
            self._reader = None
        else:
            reader.cancel()

    def _start_reader(self, real_channel: str) -> None:
        loop = asyncio.get_running_loop()
        reader = self._reader
        if reader is not None and not reader.done() and not reader.cancelling():
            if reader.get_loop() is loop:
                return
            if not reader.get_loop().is_closed():
                raise RuntimeError(
                    "Two event loops are trying to receive() on one channel layer at once!"
                )
        self._reader = loop.create_task(self._read(real_channel))

    async def _read(self, real_channel: str) -> None:
        """Take this process's messages off Redis into their channels' queues while any of
        its channels waits. Redis failing is every waiting channel's failure: each `receive`
        raises it (its socket closes with 4503), as the one whose turn it was did before. A
        message that cannot be read is dropped and logged, and the others are read on."""
        try:
            while self._waiting or self._attached:
                try:
                    channel, message = await self.receive_single(real_channel, reading=True)
                except (RedisError, OSError):
                    raise
                except Exception:  # one message no socket can read: the others are read on
                    logger.exception("a channel layer message could not be read; dropped")
                    continue
                for name in channel if isinstance(channel, list) else (channel,):
                    if name not in self._forgotten:
                        self.receive_buffer[name].put_nowait(message)
        except (RedisError, OSError) as error:
            for name in self._waiting | self._attached:
                self.receive_buffer[name].put_nowait(_ReadFailed(error))

    async def receive_single(self, channel: str, *, reading: bool = False) -> tuple[str, dict]:
        """The next message of `channel`, taken off Redis in batches: every message waiting
        (up to RECEIVE_BATCH) in one round trip (`_pop_many`).
        channels_redis's own receive made four round trips per message (a backup script, the
        BZPOPMIN, a ZADD into the backup and a task to ZPOPMIN it out again), which guarded
        against losing a message whose receive was cancelled mid-command; delivery is at most
        once anyway (docs/RELIABILITY.md), and what was taken is kept here, not lost."""
        self.require_valid_channel_name(channel, receive=True)  # raises TypeError if not
        if "!" in channel:
            index = self.consistent_hash(channel)
        else:
            index = next(self._receive_index_generator)
        channel_key = self.prefix + channel
        pending = self._popped[channel_key]
        while not pending:
            if reading and (wire := self._loop_wire(self._reader_wires)) is not None:
                pending.extend(await self._pop_many_on(wire, channel_key))
            else:
                pending.extend(await self._pop_many(index, channel_key))
        message = self.deserialize(pending.popleft())
        if "__asgi_channel__" in message:
            channel = message.pop("__asgi_channel__")
        return channel, message

    async def _pop_many(self, index: int, channel_key: str) -> list[bytes]:
        """One round trip: BZPOPMIN waits for the first message and the ZPOPMIN pipelined
        behind it takes the rest of what waits (up to RECEIVE_BATCH in all). A sparse channel
        costs one round trip a message instead of two (a ZPOPMIN finding the one message, then
        another finding none before the next BZPOPMIN)."""
        pipe = self.connection(index).pipeline(transaction=False)
        pipe.bzpopmin(channel_key, timeout=self.brpop_timeout)
        pipe.zpopmin(channel_key, RECEIVE_BATCH - 1)
        first, rest = await pipe.execute()
        popped = [first[1]] if first is not None else []
        return popped + [member for member, _score in rest or ()]

    async def _pop_many_on(self, wire: Wire, channel_key: str) -> list[bytes]:
        """`_pop_many` on the process reader's own Wire. A pop cancelled mid-wait (the reader
        stops) drops that connection, so Redis gives up the blocked pop instead of taking a
        message for a reply nobody reads, as redis-py drops a cancelled command's connection."""
        try:
            first, rest = await wire.calls(
                [
                    ("BZPOPMIN", channel_key, self.brpop_timeout),
                    ("ZPOPMIN", channel_key, RECEIVE_BATCH - 1),
                ],
                timeout=None,
            )
        except asyncio.CancelledError:
            wire.close()
            raise
        popped = [first[1]] if first is not None else []
        return popped + (rest or [])[0::2]

    def create_pool(self, index: int) -> Any:
        """A pool that makes a command wait for a free connection past `max_connections`
        instead of failing it."""
        host = dict(self.hosts[index])
        address = host.pop("address", None)
        if address is None:  # sentinels: channels_redis's own pool
            return super().create_pool(index)
        host.setdefault("max_connections", self.max_connections)
        host.setdefault("timeout", POOL_WAIT_SECONDS)
        return BlockingConnectionPool.from_url(address, **host)

    async def _bounded(self, operation: str, awaitable: Any, timeout: float | None = None) -> Any:
        timeout = timeout or self.command_timeout
        try:
            async with asyncio.timeout(timeout):  # no task of its own, as wait_for makes
                return await awaitable
        except TimeoutError:
            wire = self._wires.get(asyncio.get_running_loop())
            if wire is not None:  # what is pending on it can no longer be trusted
                wire.close()
            raise RedisTimeoutError(
                f"channel layer {operation} took longer than {timeout} s"
            ) from None

    async def send(self, channel: str, message: dict) -> None:
        await self._bounded("send", super().send(channel, message))

    async def group_add(self, group: str, channel: str) -> None:
        """A handshake's: its deadline is at least a second, like `group_send_many`'s — in a
        burst of handshakes the process's event loop alone holds a reply past 0.25 s (1,928
        of 2,000 sockets opened at once, 72 closed with 4503; docs/PERFORMANCE.md)."""
        await self._bounded(
            "group_add", super().group_add(group, channel), max(self.command_timeout, 1.0)
        )
        if self._is_local(channel):
            self._local_groups[group].add(channel)
            self._groups_of[channel].add(group)

    async def group_discard(self, group: str, channel: str) -> None:
        """Out of the group here at once (nothing more is delivered locally), then in Redis."""
        self._forget(group, channel)
        groups = self._groups_of.get(channel)
        if groups is not None:
            groups.discard(group)
            if not groups:
                del self._groups_of[channel]
        await self._bounded("group_discard", super().group_discard(group, channel))

    def forget_channel(self, channel: str) -> None:
        """This process's channel `channel` is gone (its consumer ended, however it ended):
        out of every group here, and what waits for it dropped. Redis forgets it on its own
        (`group_discard`, or the groups' expiry when Redis was down)."""
        for group in self._groups_of.pop(channel, ()):
            self._forget(group, channel)
        self._attached.discard(channel)
        if channel not in self._waiting:
            self.receive_buffer.pop(channel, None)
        if self._is_local(channel):
            self._forgotten[channel] = None
            if len(self._forgotten) > FORGOTTEN_CHANNELS:
                self._forgotten.popitem(last=False)
        self._stop_reader_if_unread()

    def _forget(self, group: str, channel: str) -> None:
        local = self._local_groups.get(group)
        if local is not None:
            local.discard(channel)
            if not local:
                del self._local_groups[group]

    async def group_send(self, group: str, message: dict) -> None:
        await self._bounded("group_send", super().group_send(group, message))

    async def group_send_many(
        self,
        sends: list[tuple[str, dict]],
        *,
        push: tuple[str, list[str]] | None = None,
        exclude: str | None = None,
    ) -> int | None:
        """`group_send` of several (group, message) pairs in two round trips to Redis instead
        of four per group (a chat message goes to its sender's and its recipient's groups).
        `push` = (list key, entries): RPUSHed in the second round trip (a chat message's
        notifications for the worker); returns the list's length after it (None without).
        `exclude`: a channel left out of every group (a socket the caller answers itself; not
        honoured when the layer is sharded, see `excludes`).
        Its deadline is at least a second: it carries a chat message's acknowledgement, and a
        busy process's event loop alone can hold it past the 0.25 s of other commands."""
        return await self._bounded(
            "group_send_many",
            self._group_send_many(sends, push, exclude),
            max(self.command_timeout, 1.0),
        )

    @property
    def excludes(self) -> bool:
        """Whether `group_send_many` honours `exclude` (one Redis, not sharded)."""
        return len(self.hosts) == 1

    async def _group_send_many(
        self,
        sends: list[tuple[str, dict]],
        push: tuple[str, list[str]] | None,
        exclude: str | None,
    ) -> int | None:
        if not self.excludes:  # sharded: channels_redis's own path, group by group
            for group, message in sends:
                await super().group_send(group, message)
            return await self.connection(0).rpush(push[0], *push[1]) if push else None
        excluded = self._deliver_locally(sends, exclude)
        bases = [self._base_payload(message) for _group, message in sends]
        if all(base is not None for base in bases):
            return await self._group_send_in_one(sends, bases, push, excluded)
        return await self._group_send_in_two(sends, push, excluded)

    def _deliver_locally(self, sends: list[tuple[str, dict]], exclude: str | None) -> set[str]:
        """Each message into the queues of this process's channels in its group (`exclude`
        left out); returns the channels Redis must leave out: those and `exclude`."""
        excluded = {exclude} if exclude else set()
        for group, message in sends:
            for channel in self._local_groups.get(group, ()):
                if channel != exclude:
                    excluded.add(channel)
                    self.receive_buffer[channel].put_nowait(dict(message))
        return excluded

    def _base_payload(self, message: dict) -> bytes | None:
        """`message` as msgpack, for `_GROUP_SEND_ONE_LUA` to add each channel key's
        `__asgi_channel__` to: a map of fewer than 15 keys (its first byte holds the count), no
        encryption, channels_redis's default msgpack serializer; None otherwise."""
        serializer = self._serializer
        if getattr(serializer, "crypter", None) or len(message) >= 15:
            return None
        if serializer.as_bytes is not _msgpack_packb:
            return None
        return bytes(_msgpack_packb(message))

    async def _group_send_in_one(
        self,
        sends: list[tuple[str, dict]],
        bases: list[bytes | None],
        push: tuple[str, list[str]] | None,
        excluded: set[str],
    ) -> int | None:
        """One round trip: a script reads each group's channels and queues the message to each
        channel key with the channels it names, as channels_redis's send does (capacity,
        expiry, random prefix), and the notifications' RPUSH rides along
        (docs/PERFORMANCE.md, "Chat send path, fifth round"). The channel keys are worked out in
        the script, so they are not declared as its keys: one Redis, never a cluster
        (`excludes`)."""
        keys = []
        for group, _message in sends:
            self.require_valid_group_name(group)  # raises TypeError for a bad name
            keys.append(self._group_key(group))
        now = time.time()
        prefix_length = self._serializer.random_prefix_length
        arguments = [
            now,
            int(now) - self.group_expiry,
            int(self.expiry),
            self.capacity,
            self.prefix,
            len(excluded),
            *excluded,
            *(os.urandom(prefix_length) for _ in sends),
            *bases,
        ]
        wire = self.wire()
        if wire is not None:
            commands = [("RPUSH", push[0], *push[1])] if push else []
            commands.append(_GROUP_SEND_ONE.command(keys, arguments))
            results = await wire.calls(commands, timeout=None)  # within `_bounded`'s deadline
            return int(results[0]) if push else None
        pipe = self.connection(0).pipeline(transaction=False)
        if push:
            pipe.rpush(push[0], *push[1])
        pipe.eval(_GROUP_SEND_ONE_LUA, len(keys), *keys, *arguments)
        results = await pipe.execute()
        return int(results[0]) if push else None

    async def _group_send_in_two(
        self,
        sends: list[tuple[str, dict]],
        push: tuple[str, list[str]] | None,
        excluded: set[str],
    ) -> int | None:
        """The groups' channels in one round trip, then every message in a second one."""
        connection = self.connection(0)
        pipe = connection.pipeline(transaction=False)
        for group, _message in sends:
            self.require_valid_group_name(group)  # raises TypeError for a bad name
            key = self._group_key(group)
            pipe.zremrangebyscore(key, min=0, max=int(time.time()) - self.group_expiry)
            pipe.zrange(key, 0, -1)
        members = (await pipe.execute())[1::2] if sends else []
        keys: list[str] = []
        payloads: list[bytes] = []
        capacities: list[int] = []
        for (_group, message), names in zip(sends, members, strict=True):
            channel_names = [name.decode("utf8") for name in names]
            channel_names = [name for name in channel_names if name not in excluded]
            _by_connection, messages, capacity = self._map_channel_keys_to_connection(
                channel_names, message
            )
            for key, payload in messages.items():
                keys.append(key)
                payloads.append(payload)
                capacities.append(capacity[key])
        if not keys and not push:
            return None
        pipe = connection.pipeline(transaction=False)
        if push:
            pipe.rpush(push[0], *push[1])
        if keys:
            for key in set(keys):
                pipe.zremrangebyscore(key, min=0, max=int(time.time()) - int(self.expiry))
            pipe.eval(
                _GROUP_SEND_LUA, len(keys), *keys, *payloads, *capacities, time.time(), self.expiry
            )
        results = await pipe.execute()
        return int(results[0]) if push else None


# channels_redis's group_send script: each message into its channel's sorted set, unless full.
_GROUP_SEND_LUA = """
local over_capacity = 0
local current_time = ARGV[#ARGV - 1]
local expiry = ARGV[#ARGV]
for i=1,#KEYS do
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[i + #KEYS]) then
        redis.call('ZADD', KEYS[i], current_time, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""


# `_group_send_in_one`'s script. KEYS: the groups' sorted sets. ARGV: the time, the oldest group
# membership kept, the message expiry, the channel capacity, the layer's key prefix, the number
# of channels to leave out and those channels, then per group a random prefix and the message
# as a msgpack map (`_base_payload`). For each group: drop expired memberships, read its
# channels, and for each channel key (a process's channels share one: the name up to "!")
# queue the message once with `__asgi_channel__` = the list of its channels — the map's count
# byte + 1 and the new entry at its end — unless the key is at capacity; expired messages are
# dropped first, as channels_redis does. Returns how many keys were at capacity.
_GROUP_SEND_ONE_LUA = """
local now, oldest, expiry = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local capacity, prefix = tonumber(ARGV[4]), ARGV[5]
local excluded, skip = {}, tonumber(ARGV[6])
for i = 1, skip do
    excluded[ARGV[6 + i]] = true
end
local first = 6 + skip
local groups = #KEYS
local over_capacity = 0
for g = 1, groups do
    redis.call('ZREMRANGEBYSCORE', KEYS[g], 0, oldest)
    local order, by_key = {}, {}
    for _, channel in ipairs(redis.call('ZRANGE', KEYS[g], 0, -1)) do
        if not excluded[channel] then
            local bang = string.find(channel, '!', 1, true)
            local key = prefix .. (bang and string.sub(channel, 1, bang) or channel)
            if by_key[key] == nil then
                by_key[key] = {}
                table.insert(order, key)
            end
            table.insert(by_key[key], channel)
        end
    end
    local base = ARGV[first + groups + g]
    local head = string.char(string.byte(base, 1) + 1) .. string.sub(base, 2)
    for _, key in ipairs(order) do
        redis.call('ZREMRANGEBYSCORE', key, 0, tonumber(now) - expiry)
        if redis.call('ZCOUNT', key, '-inf', '+inf') < capacity then
            local payload = ARGV[first + g] .. head .. cmsgpack.pack('__asgi_channel__')
                .. cmsgpack.pack(by_key[key])
            redis.call('ZADD', key, now, payload)
            redis.call('EXPIRE', key, expiry)
        else
            over_capacity = over_capacity + 1
        end
    end
end
return over_capacity
"""


_GROUP_SEND_ONE = Script(_GROUP_SEND_ONE_LUA)


def _wire_url(hosts: list[dict]) -> str | None:
    """The URL a Wire can take for `hosts`: one host given by a redis:// or rediss://
    address."""
    if len(hosts) != 1:
        return None
    address = hosts[0].get("address")
    if not isinstance(address, str) or not address.startswith(("redis://", "rediss://")):
        return None
    return address


class Inbox:
    """Everything one consumer handles, in the order it came, for it alone to `get`: its
    channel's messages (put by the layer, `put_nowait`) and whatever the consumer puts itself
    (`put_event`: its ASGI events). channels' consumers race a receive of each source in a
    new task for every event (`await_many_dispatch`: a task, an `asyncio.wait` and its
    callbacks each time); a consumer with an Inbox awaits one future only while it is empty.

    Channel messages past `capacity` waiting are dropped, the newest, as channels_redis drops
    what a consumer that stopped reading is sent (its queue's oldest); a consumer's own events
    and a failure (`fail`) never are."""

    __slots__ = ("_items", "_waiter", "capacity")

    def __init__(self, capacity: int) -> None:
        self._items: collections.deque[Any] = collections.deque()
        self._waiter: asyncio.Future | None = None
        self.capacity = capacity

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, message: Any) -> None:
        if len(self._items) >= self.capacity and not isinstance(message, _ReadFailed):
            logger.warning("a consumer's inbox is full (%d): a message dropped", self.capacity)
            return
        self.put_event(message)

    def put_event(self, event: Any) -> None:
        self._items.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def fail(self, error: BaseException) -> None:
        """`get` raises `error` once what came before it is taken."""
        self.put_event(_ReadFailed(error))

    def get_nowait(self) -> Any:
        item = self._items.popleft()
        if isinstance(item, _ReadFailed):
            raise item.error
        return item

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self.get_nowait()


class _ReadFailed:
    """What a waiting `receive` gets when the process's reader failed: its error, to raise."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error
