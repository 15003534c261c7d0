"""Test settings: the real settings with test-only overrides.

The database and channel layer still follow DATABASE_URL / REDIS_URL, so CI runs against real
PostgreSQL and Redis.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("ROBOKASSA_SIMULATOR", "1")
# Production settings (DEBUG off) with the simulator and, on SQLite, without Redis: allowed only
# for a declared non-production run (mwork/settings.py, NON_PRODUCTION).
os.environ.setdefault("MWORK_NON_PRODUCTION", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")


def _worker_redis_url(url: str, worker: str) -> str:
    """Under pytest-xdist each worker flushes its own Redis database (every test clears the
    cache): worker gwN takes REDIS_URL's database number minus N (modulo 16)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base - int(worker[2:])) % 16}"))


# pytest-django gives each xdist worker its own test database; Redis and media follow here.
# Processes a test starts inherit the environment: REDIS_URL is already the worker's (or one the
# test chose, such as a private server's), so they leave it as it is.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER and os.environ.get("REDIS_URL") and not os.environ.get("MWORK_WORKER_REDIS"):
    os.environ["REDIS_URL"] = _worker_redis_url(os.environ["REDIS_URL"], XDIST_WORKER)
    os.environ["MWORK_WORKER_REDIS"] = "1"

from mwork.settings import *  # noqa: E402, F403 - after the per-worker environment above

ADMIN_2FA_REQUIRED = False  # explicit: tests that need it turn it on (moderation tests)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A server process started by a fault test may publish to a real broker instead.
CELERY_TASK_ALWAYS_EAGER = env.bool("TEST_CELERY_EAGER", default=True)  # noqa: F405
CELERY_TASK_EAGER_PROPAGATES = True
MEDIA_ROOT = str(VAR_DIR / f"test-media{XDIST_WORKER}")  # noqa: F405
STORAGES["default"]["OPTIONS"]["location"] = MEDIA_ROOT  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = "plain"  # noqa: F405
# Existing tests create fresh unverified users: the trust limits are switched on only by the
# tests of the limits themselves (safety/tests/test_limits.py).
TRUST_LIMITS_ENABLED = False
