"""Primary and read replica (docs/SCALING.md).

With `DATABASE_REPLICA_URL` set, the `replica` alias is a streaming (or logical) copy of the
primary. Only the anonymous-heavy catalogue reads go there, each naming it with `on_replica()`:
the model catalogue and search, the public castings list. Everything else — every write, and
every read that must see the caller's own writes (owner pages, detail pages, checks before a
write) — stays on the primary. A replica lags by up to its replication delay, so a profile
just edited may show its old card in the catalogue for that long; nothing is decided on it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

REPLICA = "replica"
Q = TypeVar("Q", bound=QuerySet)


def on_replica(queryset: Q) -> Q:
    """`queryset` read from the replica when one is configured, else from the primary."""
    return queryset.using(REPLICA if REPLICA in settings.DATABASES else DEFAULT_DB_ALIAS)


class PrimaryReplicaRouter:
    """Writes always go to the primary — also for an object that was read from the replica,
    which Django would otherwise save back to the alias it came from."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return None  # the primary, unless a queryset names the replica (on_replica)

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # a replica gets its schema by replication
