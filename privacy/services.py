"""Account deletion and consent withdrawal (docs/PRIVACY.md).

Deletion is two-step. `account_deletion_schedule` makes the account inactive at once (every
token revoked, sockets closed, profiles and castings gone from every list, search and detail),
closes its castings, withdraws its pending responses and stops auto-renewal; the e-mail with
the undo link goes after commit. `account_purge` runs when `purge_at` has passed (beat job) or
when staff purge at once: it applies `privacy.catalogue` row by row, deletes the stored files
after commit and leaves the user row as an anonymised tombstone.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import consents as accounts_consents
from accounts.consents import ConsentEvidence
from accounts.deletion import account_anonymise, account_deletion_mark, users_purge_due
from accounts.models import LegalDocumentKind, User
from billing.models import CURRENT_STATUSES, Subscription
from billing.services import subscription_cancel
from castings.models import Casting, CastingStatus, Response, ResponseStatus
from castings.services import casting_change_status, response_withdraw
from media.models import Photo
from media.services import delete_files
from moderation.audit import audit_log_write
from moderation.models import AuditAction
from moderation.staff_policy import capability_permission
from mwork.api.exceptions import InvalidState, PermissionDenied, RateLimitExceeded
from notifications.models import NotificationType
from notifications.services import notify
from privacy import exports, tasks
from privacy.catalogue import CATALOGUE, DELETE, KEEP
from privacy.models import DataExport, ExportStatus
from profiles.models import EmployerProfile
from safety.models import TargetKind

logger = logging.getLogger(__name__)

EXPORT_INTERVAL = dt.timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Scheduling and its immediate effects
# ---------------------------------------------------------------------------------------------
def _castings_close(user: User) -> list[str]:
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


def _responses_withdraw(user: User) -> int:
    pending = list(Response.objects.filter(model_profile__user=user, status=ResponseStatus.PENDING))
    for response in pending:
        response_withdraw(response=response)
    return len(pending)


def _auto_renew_stop(user: User) -> None:
    renewing = Subscription.objects.filter(
        user=user, status__in=CURRENT_STATUSES, auto_renew=True, expires_at__gt=timezone.now()
    )
    if renewing.exists():
        subscription_cancel(user=user)


def _schedule(user: User, password: str) -> User:
    locked = account_deletion_mark(user=user, password=password)
    _castings_close(locked)
    _responses_withdraw(locked)
    _auto_renew_stop(locked)
    user_id = str(locked.pk)
    transaction.on_commit(lambda: tasks.send_deletion_scheduled_email.delay(user_id), robust=True)
    return locked


def account_deletion_schedule(*, user: User, password: str) -> User:
    """Schedule the deletion of `user`'s account at `purge_at` (now + ACCOUNT_PURGE_DAYS).

    At once: the account is inactive, every token revoked (and so every socket closed), its
    castings cancelled, its pending responses withdrawn and auto-renewal stopped. Raises
    `ValidationFailed` for a wrong password and `InvalidState` when already scheduled. Schedules
    the confirmation e-mail (with the undo link) on commit.
    """
    with transaction.atomic():
        return _schedule(user, password)


def consent_withdraw(*, user: User, document: str, password: str = "") -> User | None:
    """Withdraw the consent to `document`. Withdrawing the privacy consent schedules the
    deletion of the account (the password is then required, as for DELETE /auth/me) and
    returns the user; other documents return None. Raises `NotFound` for an unknown document
    and what `account_deletion_schedule` raises."""
    with transaction.atomic():
        accounts_consents.consent_withdraw(user=user, document=document)
        if document == LegalDocumentKind.PRIVACY:
            return _schedule(user, password)
    return None


def consent_accept(*, user: User, document: str, version: str, evidence: ConsentEvidence) -> Any:
    """Accept the current version of a legal document (see `accounts.consents`)."""
    return accounts_consents.consent_accept(
        user=user, document=document, version=version, evidence=evidence
    )


# ---------------------------------------------------------------------------------------------
# Purge
# ---------------------------------------------------------------------------------------------
def _stored_files(user: User) -> tuple[list[str], list[str]]:
    """(public storage names, private export names) that belong to the user."""
    names: list[str] = []
    for image, thumbnail in Photo.objects.filter(profile__user=user).values_list(
        "image", "thumbnail"
    ):
        names += [image, thumbnail]
    names += list(
        EmployerProfile.objects.filter(user=user)
        .exclude(avatar="")
        .values_list("avatar", flat=True)
    )
    private = list(
        DataExport.objects.filter(user=user).exclude(file="").values_list("file", flat=True)
    )
    return names, private


def _purge_rows(user: User) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in CATALOGUE:
        if entry.purge == KEEP:
            continue
        try:
            model = apps.get_model(entry.model)
        except LookupError:  # an optional app (django-otp) that is not installed
            continue
        rows = model.objects.filter(**{entry.path_to_user: user})
        if entry.purge == DELETE:
            counts[f"{entry.model}.{entry.lookup}"] = rows.delete()[0]
        elif isinstance(entry.purge, dict):
            counts[f"{entry.model}.{entry.lookup}"] = rows.update(**entry.purge)
        else:
            raise ValueError(f"{entry.model}.{entry.lookup}: unknown purge {entry.purge!r}")
    return counts


def account_purge(*, user: User, actor: User | None = None, reason: str = "") -> User:
    """Erase the personal data of a user whose deletion is scheduled (at `purge_at`, or at once
    by a staff `actor` holding the `purge` capability): rows per `privacy.catalogue`, the
    photos, thumbnails, avatar and export archives in storage (after commit), then the user
    row becomes an anonymised tombstone (e-mail free again). Payments, messages, reviews given
    and castings stay, pointing at the tombstone. Writes an audit entry. Idempotent: a
    tombstone is returned unchanged. Raises `PermissionDenied` for an actor without `purge`
    and `InvalidState` for an account whose deletion is not scheduled.
    """
    with transaction.atomic():
        if actor is not None and not actor.has_perm(capability_permission("purge")):
            raise PermissionDenied(_("Your staff role cannot purge accounts."))
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.deleted_at is not None:
            return locked
        if locked.purge_at is None:
            raise InvalidState(_("Only an account scheduled for deletion can be purged."))
        public_files, private_files = _stored_files(locked)
        counts = _purge_rows(locked)
        scheduled_for = locked.purge_at
        account_anonymise(user=locked)
        audit_log_write(
            actor=actor,
            action=AuditAction.ACCOUNT_PURGE,
            target_type=TargetKind.USER,
            target_id=locked.pk,
            target_label=str(locked),  # the tombstone's address: nothing personal in the log
            reason=reason,
            data={
                "scheduled_for": scheduled_for.isoformat() if scheduled_for else None,
                "rows": counts,
                "files": len(public_files) + len(private_files),
            },
        )
        if public_files:
            transaction.on_commit(lambda: delete_files(public_files))
        if private_files:
            transaction.on_commit(lambda: exports.export_files_delete(private_files))
    logger.info("account %s purged (actor %s)", locked.pk, getattr(actor, "pk", None))
    return locked


def accounts_purge_due() -> int:
    """Purge every account whose `purge_at` has passed; one transaction each, so one failure
    does not hold back the others. Returns how many were purged."""
    purged = 0
    for user in users_purge_due():
        try:
            account_purge(user=user)
        except Exception:
            logger.exception("purge of account %s failed", user.pk)
            continue
        purged += 1
    return purged


# ---------------------------------------------------------------------------------------------
# Data export
# ---------------------------------------------------------------------------------------------
def data_export_request(*, user: User) -> DataExport:
    """Queue an archive of everything MWork holds about `user` (at most one a day).

    Raises `RateLimitExceeded` (with `retry_after`) when an export was requested in the last
    24 hours. Schedules the build task on commit.
    """
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # serialises requests
        since = timezone.now() - EXPORT_INTERVAL
        last = DataExport.objects.filter(user=user, created_at__gt=since).first()
        if last is not None:
            retry = int((last.created_at + EXPORT_INTERVAL - timezone.now()).total_seconds())
            raise RateLimitExceeded(_("One data export a day: try again later."), retry_after=retry)
        export = DataExport.objects.create(user=user)
        export_id = str(export.pk)
        transaction.on_commit(lambda: tasks.build_data_export.delay(export_id), robust=True)
    return export


def data_export_build(*, export_id: Any, base_url: str) -> DataExport | None:
    """Build and store the archive of a pending export, mark it ready until now +
    DATA_EXPORT_DAYS and notify the user (`data_export_ready`, in-app and e-mail). A failure
    marks it failed. Returns None when the export is gone or not pending."""
    export = DataExport.objects.filter(pk=export_id, status=ExportStatus.PENDING).first()
    if export is None:
        return None
    user = export.user
    try:
        name, size = exports.archive_build(user=user, name=f"{user.pk}/{export.pk}.zip")
    except Exception:
        logger.exception("data export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
        raise
    now = timezone.now()
    with transaction.atomic():
        export.status = ExportStatus.READY
        export.file = name
        export.size = size
        export.ready_at = now
        export.expires_at = now + dt.timedelta(days=settings.DATA_EXPORT_DAYS)
        export.save(update_fields=["status", "file", "size", "ready_at", "expires_at"])
        notify(
            user=user,
            type=NotificationType.DATA_EXPORT_READY,
            data={
                "export_id": str(export.pk),
                "expires_at": export.expires_at,
                "download_url": exports.download_url(export=export, base_url=base_url),
            },
        )
    return export


def data_exports_delete_expired() -> int:
    """Delete archives past `expires_at` (file and row); returns how many."""
    expired = list(DataExport.objects.filter(expires_at__lte=timezone.now()))
    exports.export_files_delete([e.file for e in expired if e.file])
    DataExport.objects.filter(pk__in=[e.pk for e in expired]).delete()
    return len(expired)
