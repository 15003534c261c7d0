import importlib

import pytest
from django.apps import apps as django_apps

from safety.services import rules_invalidate


@pytest.fixture
def default_rules(db):
    """The shipped rule set, freshly compiled (a flushing test may have removed the rows; a
    test that edits rules must not leave its compiled set to the next one)."""
    migration = importlib.import_module("safety.migrations.0002_default_rules")
    migration.add_default_rules(django_apps, None)
    rules_invalidate()
    yield
    rules_invalidate()
