"""The Redis channel layer with a deadline on every command a request path waits for.

A socket's receive loop blocks on Redis by design, so the layer's connections keep
`socket_timeout=None` (redis-py would otherwise drop idle consumers). Everything else — a
group_send from a view's on_commit, a WebSocket handshake's group_add — must not wait on a Redis
that hangs instead of dying: each gets `command_timeout` seconds and then raises redis'
`TimeoutError` (a `RedisError`, which callers already treat as "Redis down"). The cancelled
command's connection is discarded by redis-py, so nothing half-read is reused.
docs/RELIABILITY.md ("Redis that hangs") has the measurements.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels_redis.core import RedisChannelLayer
from redis.exceptions import TimeoutError as RedisTimeoutError


class BoundedRedisChannelLayer(RedisChannelLayer):
    def __init__(self, *args: Any, command_timeout: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.command_timeout = command_timeout

    async def _bounded(self, operation: str, awaitable: Any) -> Any:
        try:
            return await asyncio.wait_for(awaitable, self.command_timeout)
        except TimeoutError:
            raise RedisTimeoutError(
                f"channel layer {operation} took longer than {self.command_timeout} s"
            ) from None

    async def send(self, channel: str, message: dict) -> None:
        await self._bounded("send", super().send(channel, message))

    async def group_add(self, group: str, channel: str) -> None:
        await self._bounded("group_add", super().group_add(group, channel))

    async def group_discard(self, group: str, channel: str) -> None:
        await self._bounded("group_discard", super().group_discard(group, channel))

    async def group_send(self, group: str, message: dict) -> None:
        await self._bounded("group_send", super().group_send(group, message))
