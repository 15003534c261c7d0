"""PostgreSQL from an event loop, without a thread: a few psycopg `AsyncConnection`s per loop.

Django's ORM is synchronous; an async caller reaches it through `database_sync_to_async`, a hop
to a worker thread and back (a future, a context copy, the connection-closing calls around it)
that cost a chat message more CPU than its SQL (docs/PERFORMANCE.md, "Chat send path, fifth
round"). The one path that sends a statement from the loop itself — a chat message from a
WebSocket (chat/loop_send.py) — takes a connection here.

- One small pool per event loop (`ASYNC_DB_MAX_CONNECTIONS`, default 4): a statement waits for
  a free connection rather than opening more; connections open lazily and stay open.
- The same database as the ORM (`connections["default"]`, so a test database in tests), in
  autocommit, with the ORM's `prepare_threshold`: a statement run with the same text keeps its
  plan on the connection, as the compiled reads do (`mwork.db.prepared_statements`).
- A connection that failed is closed, not returned: the next statement opens a fresh one.
- PostgreSQL only: `available()` says whether this database can be used so; callers keep their
  thread path for SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections

# Every connection opened here and not closed yet, for `close_all` (tests drop their database at
# the end); held strongly, so one whose loop is gone is still found and closed.
_opened: set[psycopg.AsyncConnection[Any]] = set()


def available() -> bool:
    """Whether the default database is PostgreSQL (the only one this module talks to)."""
    return connections["default"].vendor == "postgresql"


def _connection_params() -> dict[str, Any]:
    """The ORM's connection parameters for psycopg, minus what only Django's cursors use."""
    params = connections["default"].get_connection_params()
    for django_only in ("cursor_factory", "context", "pool", "server_side_binding"):
        params.pop(django_only, None)
    return params


class _Pool:
    """The connections of one event loop: at most `size`, handed out one caller at a time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: list[psycopg.AsyncConnection[Any]] = []
        self.opened = 0
        self.freed = asyncio.Condition()

    async def take(self) -> psycopg.AsyncConnection[Any]:
        async with self.freed:
            while not self.idle and self.opened >= self.size:
                await self.freed.wait()
            if self.idle:
                return self.idle.pop()
            self.opened += 1
        try:
            connection = await psycopg.AsyncConnection.connect(
                autocommit=True, **_connection_params()
            )
        except BaseException:
            await self._lost()
            raise
        _opened.add(connection)
        return connection

    async def give_back(self, connection: psycopg.AsyncConnection[Any], *, broken: bool) -> None:
        if broken or connection.closed:
            _opened.discard(connection)
            with contextlib.suppress(Exception):
                await connection.close()
            await self._lost()
            return
        async with self.freed:
            self.idle.append(connection)
            self.freed.notify()

    async def _lost(self) -> None:
        async with self.freed:
            self.opened -= 1
            self.freed.notify()


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pool] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def connection() -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A connection of this event loop's pool, in autocommit, for the `async with` block."""
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = _Pool(settings.ASYNC_DB_MAX_CONNECTIONS)
    held = await pool.take()
    broken = False
    try:
        yield held
    except BaseException:
        # A statement that failed or was cancelled mid-way may leave the connection
        # unusable (or in the middle of a result): never hand it to the next caller.
        broken = True
        raise
    finally:
        await pool.give_back(held, broken=broken)


async def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one statement (parameters bound on the server) and return its rows."""
    async with connection() as held, held.cursor() as cursor:
        await cursor.execute(sql, params)
        return await cursor.fetchall()


async def close_this_loop() -> None:
    """Close this event loop's connections (a test's loop, before it ends)."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    for idle in pool.idle if pool is not None else ():
        _opened.discard(idle)
        with contextlib.suppress(Exception):
            await idle.close()


def close_all() -> None:
    """Close every connection opened here, from any thread, whatever loop it belongs to (the
    test session, before its database is dropped)."""
    for opened in list(_opened):
        with contextlib.suppress(Exception):
            opened.pgconn.finish()
    _opened.clear()
    _pools.clear()
