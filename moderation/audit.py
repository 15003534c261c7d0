"""The staff audit log: one append-only `AuditLogEntry` per staff write, with the before/after
of the fields it changed. The back office of every app writes through here (its admin module
through `moderation.admin_policy`), so this module imports nothing above `accounts`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib.postgres.search import SearchVectorField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from accounts.models import User
from moderation.models import AuditLogEntry


def audit_log_write(
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: Any,
    reason: str = "",
    data: dict[str, Any] | None = None,
    target_label: str = "",
    changes: dict[str, list[Any]] | None = None,
) -> AuditLogEntry:
    """Append one row to the audit log. Rows are never updated or deleted."""
    return AuditLogEntry.objects.create(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_label=str(target_label)[:200],
        reason=reason or "",
        data=data or {},
        changes=changes or {},
    )


def audit_snapshot(obj: models.Model | None) -> dict[str, Any]:
    """The stored values of `obj` (concrete fields, and many-to-many as sorted ids), JSON-safe.

    Read from the database, so an instance a form has already modified does not leak in.
    """
    if obj is None or obj.pk is None:
        return {}
    model = type(obj)
    stored = model._default_manager.filter(pk=obj.pk).first()
    if stored is None:
        return {}
    values = {
        field.attname: field.value_from_object(stored)
        for field in model._meta.concrete_fields
        # bookkeeping that changes on every save, and derived search columns
        if not getattr(field, "auto_now", False) and not isinstance(field, SearchVectorField)
    }
    for field in model._meta.many_to_many:
        values[field.name] = sorted(str(related.pk) for related in field.value_from_object(stored))
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def audit_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """`{field: [before, after]}` for every field whose value differs (secrets masked)."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            masked = name in _SECRET_FIELDS
            changed[name] = ["***", "***"] if masked else [old, new]
    return changed


_SECRET_FIELDS = frozenset({"password", "token", "key", "secret"})


def audit_target_type(obj: models.Model) -> str:
    """`app_label.model_name`, the target type of a generic staff write."""
    return obj._meta.label_lower


def audited_write(
    *,
    actor: User,
    action: str,
    obj: models.Model,
    write: Callable[[], Any],
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLogEntry | None:
    """Run `write()` (a service call changing `obj`) and audit it, in one transaction.

    One entry with the before/after of `obj`'s changed fields; none when nothing changed. A
    `DomainError` from `write` rolls back and propagates (nothing changed, nothing written).
    """
    label, pk = str(obj), obj.pk  # a deleting write clears obj.pk
    with transaction.atomic():
        before = audit_snapshot(obj)
        write()
        after = audit_snapshot(obj)
        changes = audit_changes(before, after)
        if not changes and not data:
            return None
        return audit_log_write(
            actor=actor,
            action=action,
            target_type=audit_target_type(obj),
            target_id=pk,
            target_label=label,
            reason=reason,
            data=data,
            changes=changes,
        )
