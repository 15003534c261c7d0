"""Writes of the moderation app: reports, blocks, and staff enforcement with its audit trail.

Enforcement acts on other apps through *their* services, imported lazily inside the functions
(moderation sits just above `accounts` and may not import upper apps at module level). Each
enforcement checks the actor's permission, runs in one transaction and writes one
`AuditLogEntry` (who, what, when, why). When an upper app does not (yet) offer the service we
need, the fallback is a minimal direct write on its model, logged as a warning.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from moderation.models import (
    AuditAction,
    AuditLogEntry,
    Block,
    Report,
    ReportStatus,
    TargetType,
)
from mwork.api.exceptions import Conflict, InvalidState, PermissionDenied, ValidationFailed

logger = logging.getLogger(__name__)

BAN_PERMISSION = "moderation.can_ban_users"
ENFORCE_PERMISSION = "moderation.can_enforce"
REPORT_CHANGE_PERMISSION = "moderation.change_report"


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _other_service(module_path: str, *names: str) -> Callable[..., Any] | None:
    """The first of `names` defined in another app's module, or None when it is not there."""
    try:
        module = importlib.import_module(module_path)
    except ImportError:
        return None
    for name in names:
        function = getattr(module, name, None)
        if callable(function):
            return function
    return None


def _call(function: Callable[..., Any], **kwargs: Any) -> Any:
    """Call another app's service with the keyword arguments its signature accepts.

    Their services are built concurrently; some take `actor`, some do not.
    """
    parameters = inspect.signature(function).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        kwargs = {key: value for key, value in kwargs.items() if key in parameters}
    return function(**kwargs)


def _model(app_label: str, model_name: str) -> Any:
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None


def _require(actor: User, permission: str) -> None:
    if not (actor and actor.is_active and actor.is_staff and actor.has_perm(permission)):
        raise PermissionDenied("Your staff role cannot perform this action.")


def audit_log_write(
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: Any,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Append one row to the audit log. Rows are never updated or deleted."""
    return AuditLogEntry.objects.create(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=reason or "",
        data=data or {},
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
        raise ValidationFailed.for_field("target_id", "You cannot report yourself.")
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
        raise Conflict("You have already reported this; it is being reviewed.") from None


@transaction.atomic
def report_resolve(*, actor: User, report: Report, note: str = "") -> Report:
    """Staff: close an open report as resolved. Raises `PermissionDenied`, `InvalidState`."""
    return _report_close(actor=actor, report=report, note=note, status=ReportStatus.RESOLVED)


@transaction.atomic
def report_dismiss(*, actor: User, report: Report, note: str = "") -> Report:
    """Staff: close an open report as unfounded. Raises `PermissionDenied`, `InvalidState`."""
    return _report_close(actor=actor, report=report, note=note, status=ReportStatus.DISMISSED)


def _report_close(*, actor: User, report: Report, note: str, status: str) -> Report:
    _require(actor, REPORT_CHANGE_PERMISSION)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.OPEN:
        raise InvalidState("This report is already closed.")
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
        raise ValidationFailed.for_field("user_id", "You cannot block yourself.")
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
def _hide_model_profile(*, actor: User, user: User) -> str | None:
    ModelProfile = _model("profiles", "ModelProfile")
    if ModelProfile is None:
        return None
    profile = ModelProfile.objects.filter(user_id=user.pk, is_hidden=False).first()
    if profile is None:
        return None
    set_hidden = _other_service("profiles.services", "model_profile_set_hidden")
    if set_hidden is not None:
        _call(set_hidden, actor=actor, profile=profile, is_hidden=True)
    else:
        logger.warning("profiles.services.model_profile_set_hidden missing; direct update")
        ModelProfile.objects.filter(pk=profile.pk).update(is_hidden=True)
    return str(profile.pk)


def _casting_cancel(*, actor: User, casting: Any) -> None:
    cancel = _other_service("castings.services", "casting_cancel_by_staff", "casting_cancel")
    if cancel is not None:
        _call(cancel, actor=actor, casting=casting)
        return
    change_status = _other_service(
        "castings.services", "casting_change_status", "casting_set_status", "casting_status_change"
    )
    if change_status is not None:
        _call(change_status, actor=actor, casting=casting, status="cancelled")
        return
    logger.warning("castings.services has no cancel service; direct update")
    type(casting).objects.filter(pk=casting.pk).update(status="cancelled")


def _castings_cancel_active(*, actor: User, user: User) -> list[str]:
    Casting = _model("castings", "Casting")
    if Casting is None:
        return []
    castings = list(
        Casting.objects.filter(
            owner_id=user.pk, status__in=["draft", "active"], deleted_at__isnull=True
        )
    )
    for casting in castings:
        _casting_cancel(actor=actor, casting=casting)
    return [str(casting.pk) for casting in castings]


@transaction.atomic
def user_ban(*, actor: User, user: User, reason: str, report: Report | None = None) -> User:
    """Staff: ban `user` — revoke every token, hide the model profile, cancel active castings.

    Also resolves `report` when given. Raises `PermissionDenied` without
    `moderation.can_ban_users`, for staff accounts and for oneself; `InvalidState` when the user
    is already banned.
    """
    _require(actor, BAN_PERMISSION)
    if user.pk == actor.pk:
        raise PermissionDenied("You cannot ban yourself.")
    if user.is_staff or user.is_superuser:
        raise PermissionDenied("Staff accounts are not banned here; remove their staff status.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise InvalidState("This user is already banned.")
    accounts_ban = _other_service("accounts.services", "user_ban")
    if accounts_ban is not None:
        _call(accounts_ban, user=user, actor=actor)
    else:
        logger.warning("accounts.services.user_ban missing; direct update")
        User.objects.filter(pk=user.pk).update(
            is_active=False, token_version=F("token_version") + 1
        )
    user.refresh_from_db()
    profile_id = _hide_model_profile(actor=actor, user=user)
    cancelled = _castings_cancel_active(actor=actor, user=user)
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.USER_BAN,
        target_type=TargetType.USER,
        target_id=user.pk,
        reason=reason,
        data={
            "email": user.email,
            "hidden_model_profile_id": profile_id,
            "cancelled_casting_ids": cancelled,
            "report_id": str(report.pk) if report else None,
        },
    )
    return user


@transaction.atomic
def casting_hide(*, actor: User, casting: Any, reason: str, report: Report | None = None) -> Any:
    """Staff: hide a casting from everyone but its owner. Raises `PermissionDenied`."""
    _require(actor, ENFORCE_PERMISSION)
    hide = _other_service(
        "castings.services", "casting_set_hidden", "casting_hide_by_staff", "casting_hide"
    )
    if hide is not None:
        _call(hide, actor=actor, casting=casting, hidden=True, is_hidden=True)
    else:
        logger.warning("castings.services has no hide service; direct update")
        type(casting).objects.filter(pk=casting.pk).update(is_hidden=True)
    casting.refresh_from_db()
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.CASTING_HIDE,
        target_type=TargetType.CASTING,
        target_id=casting.pk,
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
    photo_id = photo.pk
    delete = _other_service("media.services", "photo_delete")
    if delete is not None:
        _call(delete, actor=actor, photo=photo)
    else:
        logger.warning("media.services.photo_delete missing; direct delete")
        type(photo).objects.filter(pk=photo_id).delete()
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.PHOTO_REMOVE,
        target_type=TargetType.PHOTO,
        target_id=photo_id,
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
    message_id = message.pk
    delete = _other_service(
        "chat.services", "message_delete_by_staff", "chat_message_delete", "message_delete"
    )
    if delete is not None:
        _call(delete, actor=actor, message=message)
    else:
        logger.warning("chat.services has no message delete service; direct delete")
        type(message).objects.filter(pk=message_id).delete()
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.MESSAGE_DELETE,
        target_type=TargetType.MESSAGE,
        target_id=message_id,
        reason=reason,
        data=data,
    )
