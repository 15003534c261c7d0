"""Writes of the moderation app: reports, blocks, and staff enforcement with its audit trail.

Enforcement acts on other apps through *their* services, imported inside the functions
(moderation sits just above `accounts`: profiles, castings, media and chat import its block
selectors, so importing them at module level would be circular). Each enforcement checks the
actor's permission, runs in one transaction and writes one `AuditLogEntry` (who, what, when,
why).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.postgres.search import SearchVectorField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from moderation.models import (
    AuditAction,
    AuditLogEntry,
    Block,
    Report,
    ReportStatus,
    TargetType,
)
from moderation.staff_policy import capability_permission
from mwork.api.exceptions import Conflict, InvalidState, PermissionDenied, ValidationFailed

BAN_PERMISSION = capability_permission("ban")
ENFORCE_PERMISSION = capability_permission("enforce")
RESOLVE_PERMISSION = capability_permission("resolve")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _require(actor: User, permission: str) -> None:
    if not (actor and actor.is_active and actor.is_staff and actor.has_perm(permission)):
        raise PermissionDenied(_("Your staff role cannot perform this action."))


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


def _close_report(*, report: Report | None, actor: User, status: str, note: str) -> None:
    if report is None:
        return
    updated = Report.objects.filter(pk=report.pk, status=ReportStatus.OPEN).update(
        status=status, resolved_by=actor, resolved_at=timezone.now(), resolution_note=note[:2000]
    )
    if updated:
        report.refresh_from_db()


# ---------------------------------------------------------------------------------------------
# Reports (API)
# ---------------------------------------------------------------------------------------------
def report_create(
    *,
    reporter: User,
    target_type: str,
    target_id: uuid.UUID,
    reason: str,
    comment: str = "",
) -> Report:
    """File a report on something the reporter can see.

    Raises `NotFound` when the target does not exist or is not visible to the reporter,
    `ValidationFailed` for a report on oneself, `Conflict` when the reporter already has an
    open report on that target (a partial unique constraint holds it under races).
    """
    from moderation.selectors import report_target_get_for_reporter

    target = report_target_get_for_reporter(
        user=reporter, target_type=target_type, target_id=target_id
    )
    if target.user_id is not None and str(target.user_id) == str(reporter.pk):
        raise ValidationFailed.for_field("target_id", _("You cannot report yourself."))
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter,
                target_type=target_type,
                target_id=target_id,
                target_user_id=target.user_id,
                reason=reason,
                comment=comment,
            )
    except IntegrityError:
        raise Conflict(_("You have already reported this; it is being reviewed.")) from None


@transaction.atomic
def report_resolve(*, actor: User, report: Report, note: str = "") -> Report:
    """Staff: close an open report as resolved. Raises `PermissionDenied`, `InvalidState`."""
    return _report_close(actor=actor, report=report, note=note, status=ReportStatus.RESOLVED)


@transaction.atomic
def report_dismiss(*, actor: User, report: Report, note: str = "") -> Report:
    """Staff: close an open report as unfounded. Raises `PermissionDenied`, `InvalidState`."""
    return _report_close(actor=actor, report=report, note=note, status=ReportStatus.DISMISSED)


def _report_close(*, actor: User, report: Report, note: str, status: str) -> Report:
    _require(actor, RESOLVE_PERMISSION)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.OPEN:
        raise InvalidState(_("This report is already closed."))
    report.status = status
    report.resolved_by = actor
    report.resolved_at = timezone.now()
    report.resolution_note = note[:2000]
    report.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    audit_log_write(
        actor=actor,
        action=(
            AuditAction.REPORT_RESOLVE
            if status == ReportStatus.RESOLVED
            else AuditAction.REPORT_DISMISS
        ),
        target_type="report",
        target_id=report.pk,
        target_label=str(report),
        changes={"status": [ReportStatus.OPEN, status]},
        reason=note,
        data={"target_type": report.target_type, "target_id": str(report.target_id)},
    )
    return report


# ---------------------------------------------------------------------------------------------
# Blocks (API)
# ---------------------------------------------------------------------------------------------
def block_create(*, blocker: User, blocked: User) -> tuple[Block, bool]:
    """Block `blocked` for `blocker`; returns `(block, created)` — blocking twice is a no-op.

    Raises `ValidationFailed` for a self-block.
    """
    if blocker.pk == blocked.pk:
        raise ValidationFailed.for_field("user_id", _("You cannot block yourself."))
    try:
        with transaction.atomic():
            return Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    except IntegrityError:  # a concurrent identical block won the race
        return Block.objects.get(blocker=blocker, blocked=blocked), False


def block_delete(*, blocker: User, blocked: User) -> None:
    """Remove the block of `blocker` on `blocked` (nothing happens when there is none)."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()


# ---------------------------------------------------------------------------------------------
# Enforcement (staff)
# ---------------------------------------------------------------------------------------------
def _hide_model_profile(*, user: User) -> str | None:
    from profiles.models import ModelProfile
    from profiles.services import model_profile_set_hidden

    profile = ModelProfile.objects.filter(user_id=user.pk, is_hidden=False).first()
    if profile is None:
        return None
    model_profile_set_hidden(profile=profile, is_hidden=True)
    return str(profile.pk)


def _castings_cancel_active(*, user: User) -> list[str]:
    from castings.models import Casting, CastingStatus
    from castings.services import casting_change_status

    castings = list(
        Casting.objects.filter(
            owner_id=user.pk,
            status__in=[CastingStatus.DRAFT, CastingStatus.ACTIVE],
            deleted_at__isnull=True,
        )
    )
    for casting in castings:
        casting_change_status(casting=casting, status=CastingStatus.CANCELLED)
    return [str(casting.pk) for casting in castings]


@transaction.atomic
def user_ban(*, actor: User, user: User, reason: str, report: Report | None = None) -> User:
    """Staff: ban `user` — revoke every token, hide the model profile, cancel active castings,
    stop auto-renewal and cancel pending renewal payments (a banned account is never charged).

    Also resolves `report` when given. Raises `PermissionDenied` without
    `moderation.can_ban_users`, for staff accounts and for oneself; `InvalidState` when the user
    is already banned.
    """
    _require(actor, BAN_PERMISSION)
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot ban yourself."))
    if user.is_staff or user.is_superuser:
        raise PermissionDenied(_("Staff accounts are not banned here; remove their staff status."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise InvalidState(_("This user is already banned."))
    from accounts.services import user_ban as accounts_user_ban

    accounts_user_ban(user=user, actor=actor)
    user.refresh_from_db()
    profile_id = _hide_model_profile(user=user)
    cancelled = _castings_cancel_active(user=user)
    from billing.services import subscription_renewal_stop

    renewal = subscription_renewal_stop(user_id=user.pk)
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.USER_BAN,
        target_type=TargetType.USER,
        target_id=user.pk,
        target_label=user.email,
        changes={"is_active": [True, False]},
        reason=reason,
        data={
            "email": user.email,
            "hidden_model_profile_id": profile_id,
            "cancelled_casting_ids": cancelled,
            **renewal,
            "report_id": str(report.pk) if report else None,
        },
    )
    return user


@transaction.atomic
def casting_hide(*, actor: User, casting: Any, reason: str, report: Report | None = None) -> Any:
    """Staff: hide a casting from everyone but its owner. Raises `PermissionDenied`."""
    _require(actor, ENFORCE_PERMISSION)
    from castings.services import casting_set_hidden

    was_hidden = bool(casting.is_hidden)
    casting_set_hidden(casting=casting, hidden=True)
    casting.refresh_from_db()
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.CASTING_HIDE,
        target_type=TargetType.CASTING,
        target_id=casting.pk,
        target_label=casting.title,
        changes={"is_hidden": [was_hidden, True]} if not was_hidden else {},
        reason=reason,
        data={
            "title": casting.title,
            "owner_id": str(casting.owner_id),
            "report_id": str(report.pk) if report else None,
        },
    )
    return casting


@transaction.atomic
def photo_remove(*, actor: User, photo: Any, reason: str, report: Report | None = None) -> None:
    """Staff: delete a portfolio photo through media's `photo_delete` (files go after commit).

    Raises `PermissionDenied`.
    """
    _require(actor, ENFORCE_PERMISSION)
    data = {
        "profile_id": str(photo.profile_id),
        "image": photo.image,
        "report_id": str(report.pk) if report else None,
    }
    photo_id, label = photo.pk, str(photo)
    from media.services import photo_delete

    photo_delete(actor=actor, photo=photo)
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.PHOTO_REMOVE,
        target_type=TargetType.PHOTO,
        target_id=photo_id,
        target_label=label,
        reason=reason,
        data=data,
    )


@transaction.atomic
def message_delete(*, actor: User, message: Any, reason: str, report: Report | None = None) -> None:
    """Staff: delete a chat message through chat's service; its text is kept in the audit log.

    Raises `PermissionDenied`.
    """
    _require(actor, ENFORCE_PERMISSION)
    data = {
        "room_id": str(message.room_id),
        "sender_id": str(message.sender_id),
        "content": message.content,
        "report_id": str(report.pk) if report else None,
    }
    message_id, label = message.pk, message.content[:200]
    from chat.services import message_delete_by_staff

    message_delete_by_staff(actor=actor, message=message)
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.MESSAGE_DELETE,
        target_type=TargetType.MESSAGE,
        target_id=message_id,
        target_label=label,
        reason=reason,
        data=data,
    )
