"""Shared fixtures: users of each role, authenticated API clients, isolated cache, eager Celery.

Apps add their own fixtures in `<app>/tests/conftest.py`; only cross-app fixtures live here.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.cache import cache
from django.db import connections
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import tokens_for_user
from mwork.celery import app as celery_app
from safety.services import rules_invalidate


def _flush_by_delete(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """A transactional test's teardown empties the tables with DELETE instead of TRUNCATE: on
    tables of a few rows PostgreSQL deletes in about 15 ms what TRUNCATE (new files for each
    table) takes 0.5 to 1.5 s to do; the chat socket tests ran 2.5 times faster. Django's
    foreign keys are deferred, so deleting in any order inside the flush's transaction holds; a
    row left outside a partial flush (`available_apps`) that points into it fails the commit
    loudly instead of being cascaded away. Resetting sequences keeps TRUNCATE."""
    if reset_sequences:
        return _truncate_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608 - table names


_truncate_flush = PostgresOperations.sql_flush
PostgresOperations.sql_flush = _flush_by_delete


def pytest_sessionstart(session):
    """Tests read the compiled catalogues: compile locale/*.po first (pure Python, milliseconds)."""
    from django.utils.translation import trans_real

    from mwork.management.commands.compilemessages import compile_catalogues

    if compile_catalogues():
        trans_real._translations = {}  # drop any catalogue loaded before the .mo changed
        trans_real._default = None


@pytest.fixture(scope="session", autouse=True)
def _test_database_droppable(django_db_setup, django_db_blocker):
    """Nothing keeps the test database from being dropped at the end: the event loops'
    connections (mwork/async_db.py) are closed, and a connection a worker thread of a socket
    test left open (asgiref's threads outlive the test's loop) is ended on the server."""
    yield
    from mwork import async_db

    async_db.close_all()
    main = connections["default"]
    if main.vendor != "postgresql":
        return
    own = main.connection.info.backend_pid if main.connection is not None else None
    with django_db_blocker.unblock(), main._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid() AND pid IS DISTINCT FROM %s",
            [main.settings_dict["NAME"], own],
        )


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate-limit counters and the token denylist never leak from one test into another."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def one_rate_window():
    """Rate limits count in fixed windows of a minute: a test that counts up to a limit starts
    just after a window opens (time runs on), so its calls never straddle two windows."""
    now = dt.datetime.now(dt.UTC)
    with time_machine.travel(now.replace(second=0, microsecond=0) + dt.timedelta(seconds=1)):
        yield


@pytest.fixture(autouse=True)
def _eager_celery():
    # Celery reads its config once at import; settings overrides do not reach it.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _seeded_catalogue(request):
    """Transactional tests flush every table, data-migration rows included: re-seed plans,
    response packages and the default safety rules with the migrations' own functions before
    such a test runs."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    seed_migration = importlib.import_module("billing.migrations.0002_seed_plans_and_packages")
    seed_migration.seed(django_apps, None)
    rules_migration = importlib.import_module("safety.migrations.0002_default_rules")
    rules_migration.add_default_rules(django_apps, None)
    rules_invalidate()  # the compiled rule set refers to the flushed rows


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """`make_user(role="employer", plan="PRO", **fields)`; plan needs the billing app."""

    def _make(role: str = "model", plan: str | None = None, **fields) -> User:
        user = UserFactory(role=role, **fields)
        if plan and plan != "FREE":
            from billing.services import subscription_grant  # billing offers this service

            subscription_grant(user=user, plan_name=plan)
        return user

    return _make


def access_token_for(user: User) -> str:
    return str(tokens_for_user(user).access_token)


@pytest.fixture
def auth_client() -> Callable[[User], APIClient]:
    """`auth_client(user)`: an APIClient sending a real access token of `user`."""

    def _client(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
        return client

    return _client
