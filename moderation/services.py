"""Writes of the moderation app: reports and staff enforcement with its audit trail.

Enforcement acts on other apps through *their* services (moderation sits above them). Each
enforcement checks the actor's permission, runs in one transaction and writes one
`AuditLogEntry` (who, what, when, why) through `moderation.audit`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import user_ban as accounts_user_ban
from billing.services import subscription_renewal_stop
from castings.models import Casting, CastingStatus
from castings.services import casting_change_status, casting_set_hidden
from chat.services import message_delete_by_staff
from media.services import photo_delete
from moderation.audit import audit_log_write
from moderation.models import AuditAction, Report, ReportStatus
from moderation.selectors import report_target_get_for_reporter
from moderation.staff_policy import capability_permission
from mwork.api.exceptions import Conflict, InvalidState, PermissionDenied, ValidationFailed
from profiles.models import ModelProfile
from profiles.services import model_profile_set_hidden
from safety import services as safety
from safety.models import Flag, TargetKind

BAN_PERMISSION = capability_permission("ban")
ENFORCE_PERMISSION = capability_permission("enforce")
RESOLVE_PERMISSION = capability_permission("resolve")
REVIEW_PERMISSION = capability_permission("review")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _require(actor: User, permission: str) -> None:
    if not (actor and actor.is_active and actor.is_staff and actor.has_perm(permission)):
        raise PermissionDenied(_("Your staff role cannot perform this action."))


def _close_report(*, report: Report | None, actor: User, status: str, note: str) -> None:
    if report is None:
        return
    updated = Report.objects.filter(pk=report.pk, status=ReportStatus.OPEN).update(
        status=status, resolved_by=actor, resolved_at=timezone.now(), resolution_note=note[:2000]
    )
    if updated:
        report.refresh_from_db()
        _count_report_outcome(report)


def _count_report_outcome(report: Report) -> None:
    # Trust facts (docs/SAFETY.md): upheld reports lower the reported account's trust, dismissed
    # ones make the reporter's next reports count less.
    if report.status == ReportStatus.RESOLVED:
        safety.trust_facts_count(user_id=report.target_user_id, upheld_reports=1)
    elif report.status == ReportStatus.DISMISSED:
        safety.trust_facts_count(user_id=report.reporter_id, dismissed_reports=1)


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
    target = report_target_get_for_reporter(
        user=reporter, target_type=target_type, target_id=target_id
    )
    if target.user_id is not None and str(target.user_id) == str(reporter.pk):
        raise ValidationFailed.for_field("target_id", _("You cannot report yourself."))
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter,
                target_type=target_type,
                target_id=target_id,
                target_user_id=target.user_id,
                reason=reason,
                comment=comment,
            )
            report_escalate_if_due(report=report)
            return report
    except IntegrityError:
        raise Conflict(_("You have already reported this; it is being reviewed.")) from None


def report_escalate_if_due(*, report: Report) -> bool:
    """Escalate the report's target when distinct trusted users reported it within
    REPORT_ESCALATION_WINDOW_HOURS with a total weight of REPORT_ESCALATION_THRESHOLD
    (`safety.services.reporter_weight`: untrusted reporters count 0, often-dismissed ones
    less): its open reports get `escalated_at` (top of the queue) and a casting or model
    profile is hidden pending review. True when it escalated now."""
    now = timezone.now()
    window = now - timedelta(hours=settings.REPORT_ESCALATION_WINDOW_HOURS)
    same_target = Report.objects.filter(target_type=report.target_type, target_id=report.target_id)
    if same_target.filter(escalated_at__isnull=False, status=ReportStatus.OPEN).exists():
        same_target.filter(status=ReportStatus.OPEN, escalated_at__isnull=True).update(
            escalated_at=now
        )
        return False
    reporters = {
        r.reporter_id: r.reporter
        for r in same_target.filter(created_at__gte=window).select_related("reporter")
    }
    weight = sum(safety.reporter_weight(user=user) for user in reporters.values())
    if weight < settings.REPORT_ESCALATION_THRESHOLD:
        return False
    same_target.filter(status=ReportStatus.OPEN).update(escalated_at=now)
    report.escalated_at = now
    _hide_pending_review(target_type=report.target_type, target_id=report.target_id)
    return True


def _hide_pending_review(*, target_type: str, target_id: Any) -> None:
    if target_type == TargetKind.CASTING:
        from castings.models import Casting
        from castings.services import casting_set_hidden

        casting = Casting.objects.filter(pk=target_id).first()
        if casting is not None:
            casting_set_hidden(casting=casting, hidden=True)
    elif target_type == TargetKind.MODEL_PROFILE:
        from profiles.models import ModelProfile
        from profiles.services import model_profile_set_hidden

        profile = ModelProfile.objects.filter(pk=target_id).first()
        if profile is not None:
            model_profile_set_hidden(profile=profile, is_hidden=True)


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
    _count_report_outcome(report)
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
# Enforcement (staff)
# ---------------------------------------------------------------------------------------------
def _hide_model_profile(*, user: User) -> str | None:
    profile = ModelProfile.objects.filter(user_id=user.pk, is_hidden=False).first()
    if profile is None:
        return None
    model_profile_set_hidden(profile=profile, is_hidden=True)
    return str(profile.pk)


def _castings_cancel_active(*, user: User) -> list[str]:
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
    accounts_user_ban(user=user, actor=actor)
    user.refresh_from_db()
    profile_id = _hide_model_profile(user=user)
    cancelled = _castings_cancel_active(user=user)
    renewal = subscription_renewal_stop(user_id=user.pk)
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.USER_BAN,
        target_type=TargetKind.USER,
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
    was_hidden = bool(casting.is_hidden)
    casting_set_hidden(casting=casting, hidden=True)
    casting.refresh_from_db()
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.CASTING_HIDE,
        target_type=TargetKind.CASTING,
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
    photo_delete(actor=actor, photo=photo)
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.PHOTO_REMOVE,
        target_type=TargetKind.PHOTO,
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
    message_delete_by_staff(actor=actor, message=message)
    _close_report(report=report, actor=actor, status=ReportStatus.RESOLVED, note=reason)
    audit_log_write(
        actor=actor,
        action=AuditAction.MESSAGE_DELETE,
        target_type=TargetKind.MESSAGE,
        target_id=message_id,
        target_label=label,
        reason=reason,
        data=data,
    )


# ---------------------------------------------------------------------------------------------
# Automatic flags (safety rules)
# ---------------------------------------------------------------------------------------------
def flag_review(*, actor: User, flag: Flag, approve: bool) -> Flag:
    """Staff decision on an automatic flag (the caller audits it, e.g. the admin action).

    Approve: the content is fine — a held casting is published (normal fan-out), a held
    message delivered. Reject: the rules were right — a held casting is cancelled and hidden,
    a held message dropped (its sender told), a flagged visible casting hidden. Either way
    each fired rule's precision counts the decision.
    Raises `PermissionDenied` without the `review` capability, `InvalidState` when the flag
    was already decided.
    """
    _require(actor, REVIEW_PERMISSION)
    with transaction.atomic():
        try:
            decided = safety.flag_decide(flag=flag, actor=actor, approve=approve)
        except Flag.DoesNotExist:
            raise InvalidState(_("This flag was already decided.")) from None
        _flag_act_on_target(flag=decided, approve=approve)
    for name in ("status", "decided_by", "decided_at", "updated_at"):
        setattr(flag, name, getattr(decided, name))
    return flag


def _flag_act_on_target(*, flag: Flag, approve: bool) -> None:
    if flag.target_kind == TargetKind.CASTING:
        from castings.models import Casting, CastingStatus
        from castings.services import casting_review_decide, casting_set_hidden

        casting = Casting.objects.filter(pk=flag.target_id).first()
        if casting is None:
            return
        if casting.status == CastingStatus.PENDING_REVIEW:
            casting_review_decide(casting=casting, approve=approve)
        elif not approve:
            casting_set_hidden(casting=casting, hidden=True)
    elif flag.target_kind == TargetKind.MESSAGE and flag.held:
        from chat.models import Message
        from chat.services import chat_message_review_decide

        if Message.objects.filter(pk=flag.target_id, held=True, rejected=False).exists():
            chat_message_review_decide(message_id=flag.target_id, approve=approve)


def flag_label(flag: Flag) -> str:
    """What the audit log calls a flag: its kind and the rules that fired."""
    rules = sorted({hit["rule"] for hit in flag.hits})
    return f"{flag.get_target_kind_display()}: {', '.join(rules)}"[:200]


def chat_message_screen(*, message: Any, sender: User) -> None:
    """The safety rules on every new chat message (registered in `chat.services.MESSAGE_SCREENS`
    by this app's ready()): a `hold` rule holds the message of a sender who is not trusted
    (`message.held`; chat delivers it to no one else), a trusted sender's is only flagged; any
    fired rule queues an automatic flag. Nothing fired: no query (docs/SAFETY.md)."""
    scan = safety.content_scan(kind=TargetKind.MESSAGE, text=message.content)
    if scan.action is None:
        return
    message.held = scan.hold and not safety.is_trusted(sender)
    from chat.models import Membership

    other = (
        Membership.objects.filter(room_id=message.room_id)
        .exclude(user_id=sender.id)
        .select_related("user")
        .first()
    )
    safety.flag_record(
        kind=TargetKind.MESSAGE,
        target_id=message.id,
        target_user=sender,
        counterpart=other.user if other else None,
        text=message.content,
        result=scan,
        held=message.held,
    )


def _chat_message_screen_is_quiet(text: str) -> bool:
    """The screen has nothing to do for `text`, known without I/O (chat's event-loop send path
    runs the screen itself, in a thread, only when this is False)."""
    return safety.content_scan_is_quiet(kind=TargetKind.MESSAGE, text=text)


chat_message_screen.is_quiet = _chat_message_screen_is_quiet  # type: ignore[attr-defined]
