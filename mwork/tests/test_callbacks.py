"""A robust on-commit side effect that fails is logged; the request that committed still answers."""

import logging

import pytest
from django.db import transaction

from mwork.callbacks import deferred

pytestmark = pytest.mark.django_db(transaction=True)


def _push(*, user_id):
    raise ConnectionError(f"push to {user_id} failed")


def test_a_failing_deferred_callback_is_logged_not_raised(caplog):
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"), transaction.atomic():
        transaction.on_commit(deferred(_push, user_id=7), robust=True)

    [record] = [r for r in caplog.records if "on_commit" in r.getMessage()]
    assert "_push" in record.getMessage()


def test_deferred_calls_with_its_arguments():
    seen = []

    deferred(seen.append, 3)()

    assert seen == [3]
