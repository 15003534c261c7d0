"""Fixtures of the fault tests: private Redis servers, TCP proxies, a real Celery broker."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.conf import settings
from kombu import pools as kombu_pools

from mwork.celery import app as celery_app
from reliability.faults import PrivateRedis, TcpProxy

needs_redis_server = pytest.mark.skipif(
    not PrivateRedis.available(), reason="needs the redis-server binary for a private Redis"
)
needs_real_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="the Redis-backed cache and channel layer need REDIS_URL"
)


def _reset_celery_connections() -> None:
    """Forget pooled broker connections so the next publish dials `broker_url` again."""
    pool = celery_app._pool
    if pool is not None:
        with contextlib.suppress(Exception):
            pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu keeps producer pools per broker URL process-wide: without this, the next publish to
    # the same URL (an eager task still takes a producer) would get the pool closed above.
    kombu_pools.reset()


@contextlib.contextmanager
def broker(url: str) -> Iterator[None]:
    """Tasks are really published to `url` (not run eagerly) inside the block."""
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    _reset_celery_connections()
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        _reset_celery_connections()
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A port reserved for a private redis-server that is NOT started: start()/kill() at will."""
    redis = PrivateRedis()
    yield redis
    redis.kill()


@pytest.fixture
def proxy_factory() -> Iterator:
    proxies: list[TcpProxy] = []

    def _make(target: tuple[str, int]) -> TcpProxy:
        proxy = TcpProxy(target).start()
        proxies.append(proxy)
        return proxy

    yield _make
    for proxy in proxies:
        proxy.stop()
