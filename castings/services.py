"""Writes of the castings domain: castings, saves, responses and their state machines.

Every service owns its transaction, locks the row whose state it changes, and schedules
notifications with `transaction.on_commit` (docs/API.md §6, §7, §11).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.selectors import blocked_user_ids_subquery
from agencies.selectors import acting_owner, roster_profile_for_agency
from billing.entitlements import (
    Entitlements,
    consume_invite,
    consume_response,
    entitlements_for,
    entitlements_from_json,
    free_entitlements,
    insert_counting_response,
)
from castings.card import EDITABLE_FIELDS
from castings.models import (
    CASTING_TRANSITIONS,
    RESPONSE_OWNER_TRANSITIONS,
    Audition,
    AuditionStatus,
    Casting,
    CastingInvite,
    CastingStatus,
    Response,
    ResponseNote,
    ResponseStatus,
    SavedCasting,
)
from castings.selectors import applicant_profile_get, model_profiles_matching_casting
from mwork.api.exceptions import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    ProfileRequired,
    ValidationFailed,
)
from mwork.api.formats import format_datetime
from mwork.callbacks import deferred
from notifications.services import casting_reminder_notify, notify
from profiles.models import EmployerProfile, ModelProfile
from profiles.selectors import model_profile_get_visible, user_display
from safety.models import LimitKind, TargetKind
from safety.services import content_scan, flag_record, trust_facts_count, trust_limit_consume

logger = logging.getLogger(__name__)

NEW_CASTING_BATCH_SIZE = 500
REMINDER_LEAD_TIME = timedelta(hours=24)

EDITABLE_STATUSES = (CastingStatus.DRAFT, CastingStatus.ACTIVE, CastingStatus.PENDING_REVIEW)
# The texts the safety rules read (docs/SAFETY.md).
SCANNED_FIELDS = ("title", "description", "address")


# ------------------------------------------------------------------------------------------
# Castings
# ------------------------------------------------------------------------------------------
def _schedule_new_casting_fan_out(casting: Casting) -> None:
    from castings import tasks  # tasks import this module

    casting_id = str(casting.id)
    # robust: with the broker down the casting is still published instead of a 500 after the
    # commit; the beat job `castings_announce_missed` queues the fan-out again later.
    transaction.on_commit(lambda: tasks.notify_matching_models.delay(casting_id), robust=True)


def _scanned_text(casting: Casting) -> str:
    return "\n".join(str(getattr(casting, name) or "") for name in SCANNED_FIELDS)


def _safety_check(casting: Casting) -> bool:
    """Scan a casting about to be visible (active or pending review) with the safety rules and
    queue what fired; True when a `hold` rule fired (the caller makes it pending_review)."""
    text = _scanned_text(casting)
    result = content_scan(kind=TargetKind.CASTING, text=text)
    flag_record(
        kind=TargetKind.CASTING,
        target_id=casting.id,
        target_user=casting.owner,
        text=text,
        result=result,
        held=result.hold,
    )
    return result.hold


def casting_create(*, actor: User, status: str = CastingStatus.ACTIVE, **fields: Any) -> Casting:
    """Post a casting as an employer or agency with an employer profile.

    `fields` are the validated columns of EDITABLE_FIELDS; `status` is draft or active.
    Raises PermissionDenied for other roles, ProfileRequired without an employer profile,
    TrustLimitExceeded past the owner's daily castings for its trust level.
    An active casting schedules the new_casting fan-out to matching models after commit,
    unless a safety rule holds it: then it is created pending_review (docs/SAFETY.md).
    """
    if actor.role not in (Role.EMPLOYER, Role.AGENCY):
        raise PermissionDenied(_("Only employers and agencies can post castings."))
    # A manager posts for its organization: the casting belongs to the organization's owner.
    owner = acting_owner(user=actor)
    if not EmployerProfile.objects.filter(user_id=owner.id).exists():
        raise ProfileRequired(_("Create your employer profile before posting a casting."))
    if status not in (CastingStatus.DRAFT, CastingStatus.ACTIVE):
        raise InvalidState(_("A new casting is a draft or active."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not casting fields: {sorted(unknown)}")
    with transaction.atomic():
        trust_limit_consume(user=owner, kind=LimitKind.CASTINGS)
        casting = Casting(owner=owner, status=status, **fields)
        if status == CastingStatus.ACTIVE:
            casting.published_at = timezone.now()
        casting.save()
        if status == CastingStatus.ACTIVE and _safety_check(casting):
            casting.status = CastingStatus.PENDING_REVIEW
            casting.published_at = None
            casting.save(update_fields=["status", "published_at", "updated_at"])
        if casting.status == CastingStatus.ACTIVE:
            _schedule_new_casting_fan_out(casting)
    return casting


def casting_update(*, casting: Casting, **fields: Any) -> Casting:
    """Change some columns of a draft, active or pending casting (the caller checked
    ownership).

    Moving the shoot date re-arms the 24 h reminder. Changed texts of a visible casting are
    scanned again: a `hold` rule takes an active casting to pending_review.
    Raises InvalidState for completed or cancelled castings.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not casting fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Casting.objects.select_for_update().get(id=casting.id)
        if locked.status not in EDITABLE_STATUSES:
            raise InvalidState(
                _("A {status} casting can no longer be edited.").format(status=locked.status)
            )
        if "shoot_date" in fields and fields["shoot_date"] != locked.shoot_date:
            # A moved shoot gets its own reminder 24 h before the new date.
            locked.reminder_sent_at = None
        text_changed = any(
            name in SCANNED_FIELDS and fields[name] != getattr(locked, name) for name in fields
        )
        for name, value in fields.items():
            setattr(locked, name, value)
        if fields:
            locked.save()
        held = text_changed and locked.status != CastingStatus.DRAFT and _safety_check(locked)
        if held and locked.status == CastingStatus.ACTIVE:
            locked.status = CastingStatus.PENDING_REVIEW
            locked.save(update_fields=["status", "updated_at"])
    for name in (*fields, "status", "ends_at", "updated_at", "reminder_sent_at"):
        setattr(casting, name, getattr(locked, name))
    return casting


def casting_change_status(*, casting: Casting, status: str, reviewed: bool = False) -> Casting:
    """Move a casting along draft→active|cancelled, active→completed|cancelled,
    pending_review→cancelled.

    Raises InvalidState for any other transition, and for activating a draft whose shoot date
    has passed. Activation schedules the new_casting fan-out after commit; a draft that a
    safety rule holds becomes pending_review instead (not when staff publish it: `reviewed`).
    """
    with transaction.atomic():
        locked = Casting.objects.select_for_update().get(id=casting.id)
        if status not in CASTING_TRANSITIONS.get(locked.status, ()):
            raise InvalidState(
                _("A {current} casting cannot become {status}.").format(
                    current=locked.status, status=status
                ),
                details={"status": [_("Not allowed from {status}.").format(status=locked.status)]},
            )
        now = timezone.now()
        update_fields = ["status", "updated_at"]
        if status == CastingStatus.ACTIVE:
            if locked.shoot_date <= now:
                raise InvalidState(_("The shoot date has passed; change it before publishing."))
            locked.published_at = now
            update_fields.append("published_at")
        locked.status = status
        if status == CastingStatus.ACTIVE and not reviewed and _safety_check(locked):
            locked.status = CastingStatus.PENDING_REVIEW
            locked.published_at = None
        locked.save(update_fields=update_fields)
        if locked.status == CastingStatus.ACTIVE:
            _schedule_new_casting_fan_out(locked)
    casting.status = locked.status
    casting.published_at = locked.published_at
    casting.updated_at = locked.updated_at
    return casting


def casting_review_decide(*, casting: Casting, approve: bool) -> Casting:
    """Staff decision on a casting held for review (the caller checked the staff capability):
    approved → active, published now, with the normal new_casting fan-out (once); rejected →
    cancelled and hidden. Raises InvalidState when it is not pending review."""
    with transaction.atomic():
        locked = Casting.objects.select_for_update().get(id=casting.id)
        if locked.status != CastingStatus.PENDING_REVIEW:
            raise InvalidState(_("This casting is not waiting for review."))
        if approve:
            locked.status = CastingStatus.ACTIVE
            locked.published_at = timezone.now()
            locked.save(update_fields=["status", "published_at", "updated_at"])
            _schedule_new_casting_fan_out(locked)
        else:
            locked.status = CastingStatus.CANCELLED
            locked.is_hidden = True
            locked.save(update_fields=["status", "is_hidden", "updated_at"])
    for name in ("status", "published_at", "is_hidden", "updated_at"):
        setattr(casting, name, getattr(locked, name))
    return casting


def casting_delete(*, casting: Casting) -> None:
    """Delete a casting for its owner: a soft delete, so accepted work keeps its history.

    The casting disappears from every list and answers 404; its responses stay in the database
    (reviews and chat rooms refer to them) but are no longer listed.
    """
    Casting.objects.filter(id=casting.id, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), updated_at=timezone.now()
    )


def casting_set_hidden(*, casting: Casting, hidden: bool) -> Casting:
    """Staff moderation: a hidden casting is seen only by its owner."""
    Casting.objects.filter(id=casting.id).update(is_hidden=hidden, updated_at=timezone.now())
    casting.is_hidden = hidden
    return casting


def casting_save(*, user: User, casting: Casting) -> tuple[SavedCasting, bool]:
    """Bookmark a casting; saving again is harmless. Returns (saved, created)."""
    return SavedCasting.objects.get_or_create(user=user, casting=casting)


def casting_unsave(*, user: User, casting: Casting) -> None:
    """Remove a bookmark (nothing happens when there was none)."""
    SavedCasting.objects.filter(user=user, casting=casting).delete()


# ------------------------------------------------------------------------------------------
# Responses
# ------------------------------------------------------------------------------------------
_UNREAD: Any = object()  # response_submit's applicant, when the caller did not read it


def response_submit(
    *,
    actor: User,
    casting: Casting,
    message: str = "",
    portfolio_links: list[str] | None = None,
    model_id: Any = None,
    applicant: Any = _UNREAD,
) -> Response:
    """Apply to an active casting as a model with a profile, once, within the plan.

    With `model_id`, an agency (or one of its managers) submits a model of its roster instead:
    the plan counted is the agency's, the response records `submitted_by`, and the model is
    notified (agency_submission). A model outside the roster is PermissionDenied.

    Raises PermissionDenied (not a model / not the agency's model), ProfileRequired (no model
    profile), InvalidState (casting not active), Conflict (already applied; a unique constraint
    holds it under races) and SubscriptionLimitExceeded (monthly allowance and package credits
    spent). The plan counter is spent in the same transaction as the insert, so a failed insert
    spends nothing. Notifies the casting owner (new_response) after commit.

    `applicant`: the actor's own profile as `selectors.casting_get_to_apply` read it with the
    casting (None: no profile); read here when not given. Unused for an agency's submission,
    which reads the roster model's profile. The plan the actor's apply is counted against is
    taken from the casting row when that selector read it (`applicant_plan`), else read.
    """
    submitted_by = None
    payer = actor
    duplicate = _("You have already applied to this casting.")
    if model_id is not None:
        agency = acting_owner(user=actor)  # a manager submits for its agency
        if agency.role != Role.AGENCY:
            raise PermissionDenied(_("Only agencies submit models of their roster."))
        profile = roster_profile_for_agency(
            actor=actor, model_profile_id=model_id, purpose="submit"
        )
        payer = submitted_by = agency
        duplicate = _("This model has already applied to this casting.")
        applied = Response.objects.filter(casting_id=casting.id, model_profile=profile).exists()
    else:
        if actor.role != Role.MODEL:
            raise PermissionDenied(_("Only models can apply to castings."))
        profile = (
            applicant_profile_get(user=actor, casting_id=casting.id)
            if applicant is _UNREAD
            else applicant
        )
        if profile is None:
            raise ProfileRequired(_("Create your model profile before applying."))
        applied = profile.already_applied
    if casting.status != CastingStatus.ACTIVE:
        raise InvalidState(_("This casting is not accepting applications."))
    # Checked before the plan is touched, so a duplicate answers 409 and spends nothing; the
    # unique constraint below still holds against a concurrent request of the same model.
    if applied:
        raise Conflict(duplicate)
    # The plan counted: read with the casting (casting_get_to_apply) when it is the actor's,
    # where NULL is no paid plan (FREE); else read here.
    entitlements: Entitlements | None = None
    if payer is actor and hasattr(casting, "applicant_plan"):
        entitlements = entitlements_from_json(casting.applicant_plan) or free_entitlements()
    response = Response(
        casting=casting,
        model_profile=profile,
        message=message,
        portfolio_links=list(portfolio_links or []),
        submitted_by=submitted_by,
    )
    try:
        # A model's apply within its allowance is one statement; the rest (an agency's
        # submission, credits, a refusal) one transaction.
        inserted = None
        if submitted_by is None:
            if entitlements is None:  # not read with the casting: read once, for both paths
                entitlements = entitlements_for(payer)
            inserted = _insert_within_allowance(payer, response, entitlements)
        if not inserted:
            with transaction.atomic():
                consume_response(
                    payer, entitlements=entitlements, allowance_spent=inserted is False
                )
                response.save(force_insert=True)
                if submitted_by is not None:
                    _schedule_submission_notice(response=response, casting=casting, agency=payer)
    except IntegrityError:
        # A concurrent request of the same model won the race for the unique constraint.
        raise Conflict(duplicate) from None
    owner_id = casting.owner_id
    data = {
        "casting_id": str(casting.id),
        "casting_title": casting.title,
        "response_id": str(response.id),
        "applicant_name": profile.name,
    }
    transaction.on_commit(lambda: _notify_user(owner_id, "new_response", data))
    response.casting = casting
    response.model_profile = profile
    return response


def _insert_within_allowance(
    payer: User, response: Response, entitlements: Entitlements
) -> bool | None:
    """`insert_counting_response` under a savepoint only inside an atomic block."""
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        return insert_counting_response(payer, response, entitlements=entitlements)


def _status_change_data(response: Response, status: str, message: str = "") -> dict[str, Any]:
    data = {
        "casting_id": str(response.casting_id),
        "casting_title": response.casting.title,
        "response_id": str(response.id),
        "status": status,
    }
    if message:
        data["message"] = message
    return data


def _count_accepted(profile_ids: list[Any]) -> None:
    # A trust fact of the models (docs/SAFETY.md, "Trust levels"): accepted work.
    user_ids = ModelProfile.objects.filter(id__in=profile_ids).values_list("user_id", flat=True)
    for user_id in user_ids:
        trust_facts_count(user_id=user_id, accepted_responses=1)


def _response_apply_status(
    *, locked: Response, status: str, notify_model: bool, now: datetime
) -> bool:
    """Move a locked response to `status` (caller holds the row lock and the transaction).
    Returns whether the model is to be told. Raises InvalidState for a transition the owner
    may not make."""
    if status not in RESPONSE_OWNER_TRANSITIONS.get(locked.status, ()):
        raise InvalidState(
            _("A {current} response cannot become {status}.").format(
                current=locked.status, status=status
            ),
            details={"status": [_("Not allowed from {status}.").format(status=locked.status)]},
        )
    locked.status = status
    locked.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if locked.answered_at is None:
        locked.answered_at = now
        fields.append("answered_at")
    # Decisions always reach the model; a shortlist only when the owner chooses to tell.
    tell = status != ResponseStatus.SHORTLISTED or notify_model
    if status == ResponseStatus.SHORTLISTED:
        locked.shortlist_shared = notify_model
        fields.append("shortlist_shared")
    locked.save(update_fields=fields)
    return tell


def response_change_status(
    *, response: Response, status: str, notify_model: bool = False
) -> Response:
    """The casting owner (or its team) moves a response: pending→shortlisted|accepted|rejected,
    shortlisted→accepted|rejected, accepted→rejected.

    Accepting and rejecting notify the model (response_status_change) after commit, as always;
    shortlisting does only with `notify_model` — otherwise the model keeps seeing pending.
    Raises InvalidState for any other transition or when the casting was cancelled.
    """
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(id=response.id)
        if response.casting.status == CastingStatus.CANCELLED and status in (
            RESPONSE_OWNER_TRANSITIONS.get(locked.status, ())
        ):
            raise InvalidState(_("This casting was cancelled."))
        tell = _response_apply_status(
            locked=locked, status=status, notify_model=notify_model, now=timezone.now()
        )
        if status == ResponseStatus.ACCEPTED:
            _count_accepted([locked.model_profile_id])
        if tell:
            model_user_id = response.model_profile.user_id
            data = _status_change_data(response, status)
            transaction.on_commit(
                lambda: _notify_user(model_user_id, "response_status_change", data)
            )
    response.status = locked.status
    response.status_changed_at = locked.status_changed_at
    response.shortlist_shared = locked.shortlist_shared
    return response


BULK_STATUS_MAX_IDS = 200


def response_bulk_change_status(
    *,
    casting: Casting,
    response_ids: list[Any],
    status: str,
    message: str = "",
    notify_model: bool = False,
) -> list[Response]:
    """Move many responses of one casting to `status` in one transaction: all or none.

    Every id must be a response of `casting` (ValidationFailed `response_ids` naming the others)
    whose current status allows the move (InvalidState naming the ones that do not); the
    cancelled casting's responses are InvalidState. One UPDATE for all rows. After commit one
    task notifies each model once (`response_status_change`, with `message` when given) —
    for shortlisted only with `notify_model`, as `response_change_status`.
    """
    from castings import tasks  # tasks import this module

    wanted = list(dict.fromkeys(str(pk) for pk in response_ids))
    with transaction.atomic():
        locked = list(
            Response.objects.select_for_update()
            .filter(casting_id=casting.id, id__in=wanted)
            .order_by("id")
        )
        found = {str(response.id) for response in locked}
        unknown = [pk for pk in wanted if pk not in found]
        if unknown:
            raise ValidationFailed.for_field(
                "response_ids",
                _("Not responses of this casting: {ids}.").format(ids=", ".join(unknown)),
                code="not_found",
            )
        if casting.status == CastingStatus.CANCELLED:
            raise InvalidState(_("This casting was cancelled."))
        refused = [
            f"{response.id} ({response.status})"
            for response in locked
            if status not in RESPONSE_OWNER_TRANSITIONS.get(response.status, ())
        ]
        if refused:
            raise InvalidState(
                _("These responses cannot become {status}: {ids}.").format(
                    status=status, ids=", ".join(refused)
                ),
                details={"response_ids": refused},
            )
        now = timezone.now()
        changes: dict[str, Any] = {"status": status, "status_changed_at": now}
        if status == ResponseStatus.SHORTLISTED:
            changes["shortlist_shared"] = notify_model
        Response.objects.filter(id__in=[response.id for response in locked]).update(
            **changes, answered_at=Coalesce("answered_at", Value(now))
        )
        if status == ResponseStatus.ACCEPTED:
            _count_accepted([response.model_profile_id for response in locked])
        for response in locked:
            for name, value in changes.items():
                setattr(response, name, value)
            response.answered_at = response.answered_at or now
        if status != ResponseStatus.SHORTLISTED or notify_model:
            ids = [str(response.id) for response in locked]
            transaction.on_commit(
                lambda: tasks.notify_response_status_changes.delay(ids, status, message),
                robust=True,
            )
    return locked


def responses_notify_status(*, response_ids: list[str], status: str, message: str = "") -> int:
    """`response_status_change` to the model of each response (one each; a model has one
    response per casting). Returns how many were notified."""
    responses = Response.objects.filter(id__in=response_ids).select_related(
        "casting", "model_profile__user"
    )
    count = 0
    for response in responses:
        user = response.model_profile.user
        if user.is_active:
            notify(
                user=user,
                type="response_status_change",
                data=_status_change_data(response, status, message),
            )
            count += 1
    return count


def response_note_set(*, actor: User, response: Response, note: str) -> ResponseNote | None:
    """Write the casting team's private note on a response (the caller checked the team);
    a blank note removes it. The model is never told and never sees it."""
    text = note.strip()
    if not text:
        ResponseNote.objects.filter(response_id=response.id).delete()
        return None
    note_row, _created = ResponseNote.objects.update_or_create(
        response_id=response.id,
        defaults={"text": text, "updated_by": actor, "updated_at": timezone.now()},
    )
    return note_row


def response_withdraw(*, response: Response) -> Response:
    """The model takes back a pending (or shortlisted) response. It still counts against the
    monthly limit.

    Raises InvalidState unless the response is pending or shortlisted.
    """
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(id=response.id)
        # An untold shortlist reads pending to the model, so it can be withdrawn like one.
        if locked.status not in (ResponseStatus.PENDING, ResponseStatus.SHORTLISTED):
            raise InvalidState(
                _("A {status} response cannot be withdrawn.").format(status=locked.status)
            )
        locked.status = ResponseStatus.WITHDRAWN
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at"])
    response.status = locked.status
    response.status_changed_at = locked.status_changed_at
    return response


# ------------------------------------------------------------------------------------------
# Auditions
# ------------------------------------------------------------------------------------------
AUDITION_RESPONSE_STATUSES = (
    ResponseStatus.PENDING,
    ResponseStatus.SHORTLISTED,
    ResponseStatus.ACCEPTED,
)
OPEN_AUDITION_STATUSES = (AuditionStatus.PENDING, AuditionStatus.CONFIRMED)


def _audition_data(audition: Audition) -> dict[str, Any]:
    casting = audition.response.casting
    return {
        "audition_id": str(audition.id),
        "response_id": str(audition.response_id),
        "casting_id": str(casting.id),
        "casting_title": casting.title,
        "kind": audition.kind,
        "starts_at": audition.starts_at.isoformat(),
        "place": audition.place,
    }


def _notify_audition(audition: Audition, type: str, user_id: Any, **extra: Any) -> None:
    data = {**_audition_data(audition), **extra}
    transaction.on_commit(lambda: _notify_user(user_id, type, data), robust=True)


def audition_create(
    *,
    actor: User,
    response: Response,
    kind: str,
    starts_at: datetime,
    place: str,
    message: str = "",
) -> Audition:
    """The casting's team invites an applicant to an audition or callback; the model is
    notified (audition_invitation). Raises InvalidState when the response is withdrawn or
    rejected or the casting is not active."""
    if response.status not in AUDITION_RESPONSE_STATUSES:
        raise InvalidState(
            _("A {status} response cannot be invited to an audition.").format(
                status=response.status
            )
        )
    if response.casting.status != CastingStatus.ACTIVE:
        raise InvalidState(_("Auditions are for active castings."))
    with transaction.atomic():
        audition = Audition.objects.create(
            response=response,
            kind=kind,
            starts_at=starts_at,
            place=place,
            message=message,
            created_by=actor,
        )
        _notify_audition(
            audition, "audition_invitation", response.model_profile.user_id, message=message
        )
    return audition


def audition_update(
    *,
    audition: Audition,
    starts_at: datetime | None = None,
    place: str | None = None,
    message: str | None = None,
) -> Audition:
    """The team changes a pending or confirmed audition. Moving `starts_at` or the place asks
    the model again (status back to pending, the reminder re-armed) and notifies it
    (audition_rescheduled). Raises InvalidState for a declined or cancelled audition."""
    with transaction.atomic():
        locked = Audition.objects.select_for_update().get(id=audition.id)
        if locked.status not in OPEN_AUDITION_STATUSES:
            raise InvalidState(
                _("A {status} audition cannot be changed.").format(status=locked.status)
            )
        moved = starts_at is not None and starts_at != locked.starts_at
        relocated = place is not None and place != locked.place
        if starts_at is not None:
            locked.starts_at = starts_at
        if place is not None:
            locked.place = place
        if message is not None:
            locked.message = message
        if moved or relocated:
            locked.status = AuditionStatus.PENDING
            locked.answered_at = None
            locked.reminder_sent_at = None
        locked.save()
        locked.response = audition.response
        if moved or relocated:
            _notify_audition(
                locked, "audition_rescheduled", audition.response.model_profile.user_id
            )
    return locked


def audition_cancel(*, audition: Audition) -> Audition:
    """The team calls an audition off; the model is notified (audition_cancelled). Raises
    InvalidState unless it is pending or confirmed."""
    with transaction.atomic():
        locked = Audition.objects.select_for_update().get(id=audition.id)
        if locked.status not in OPEN_AUDITION_STATUSES:
            raise InvalidState(
                _("A {status} audition cannot be cancelled.").format(status=locked.status)
            )
        locked.status = AuditionStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        locked.response = audition.response
        _notify_audition(locked, "audition_cancelled", audition.response.model_profile.user_id)
    return locked


def audition_answer(*, audition: Audition, confirm: bool, reason: str = "") -> Audition:
    """The invited model confirms or declines (a confirmed one may still be declined); the
    casting's owner is notified (audition_answered). Raises InvalidState when the audition is
    cancelled, already declined, or has started."""
    status = AuditionStatus.CONFIRMED if confirm else AuditionStatus.DECLINED
    allowed = (AuditionStatus.PENDING,) if confirm else OPEN_AUDITION_STATUSES
    with transaction.atomic():
        locked = Audition.objects.select_for_update().get(id=audition.id)
        if locked.status not in allowed:
            raise InvalidState(
                _("A {status} audition cannot be answered so.").format(status=locked.status)
            )
        if locked.starts_at <= timezone.now():
            raise InvalidState(_("This audition has already started."))
        locked.status = status
        locked.decline_reason = "" if confirm else reason
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "decline_reason", "answered_at", "updated_at"])
        locked.response = audition.response
        _notify_audition(
            locked,
            "audition_answered",
            audition.response.casting.owner_id,
            status=status,
            model_name=audition.response.model_profile.name,
        )
    return locked


def auditions_send_reminders(*, now: datetime | None = None) -> int:
    """Remind models of pending or confirmed auditions starting within 24 h; each once per
    `starts_at` (an atomic claim of `reminder_sent_at`). Returns the number reminded."""
    now = now or timezone.now()
    due = Audition.objects.filter(
        status__in=OPEN_AUDITION_STATUSES,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_LEAD_TIME,
        response__casting__deleted_at__isnull=True,
    ).select_related("response__casting", "response__model_profile")
    reminded = 0
    for audition in due.iterator():
        with transaction.atomic():
            claimed = Audition.objects.filter(
                id=audition.id, reminder_sent_at__isnull=True, starts_at=audition.starts_at
            ).update(reminder_sent_at=now)
            if not claimed:
                continue
            _notify_audition(audition, "audition_reminder", audition.response.model_profile.user_id)
        reminded += 1
    return reminded


# ------------------------------------------------------------------------------------------
# Invitations to apply
# ------------------------------------------------------------------------------------------
def casting_invite_create(
    *, actor: User, casting: Casting, model_profile_id: Any, message: str = ""
) -> CastingInvite:
    """The casting's team (the caller checked it) invites a visible model to apply to an active
    casting; the model is notified (casting_invite). Counted on the casting's organization plan
    (its owner's): FREE 0, PRO 20, BUSINESS 200 a month, spent in the same transaction as the
    insert, so a refused invite spends nothing.

    Raises NotFound (model not visible, or blocked with the owner either way), InvalidState
    (casting not active), Conflict (already invited, or already applied),
    SubscriptionLimitExceeded and TrustLimitExceeded (the sender's daily invites).
    """
    profile = model_profile_get_visible(profile_id=model_profile_id)
    blocked = blocked_user_ids_subquery(user_id=casting.owner_id)
    if User.objects.filter(id=profile.user_id, id__in=blocked).exists():
        raise NotFound(_("Model profile not found."))
    if casting.status != CastingStatus.ACTIVE:
        raise InvalidState(_("Only active castings take invitations to apply."))
    if Response.objects.filter(casting_id=casting.id, model_profile_id=profile.id).exists():
        raise Conflict(_("This model has already applied to this casting."))
    duplicate = _("This model was already invited to this casting.")
    if CastingInvite.objects.filter(casting_id=casting.id, model_profile_id=profile.id).exists():
        raise Conflict(duplicate)
    try:
        with transaction.atomic():
            consume_invite(casting.owner)
            trust_limit_consume(user=actor, kind=LimitKind.INVITES)
            invite = CastingInvite.objects.create(
                casting=casting, model_profile=profile, invited_by=actor, message=message
            )
            data = {
                "casting_id": str(casting.id),
                "casting_title": casting.title,
                "invite_id": str(invite.id),
                "company_name": _company_name(casting.owner),
                "message": message,
            }
            user_id = profile.user_id
            transaction.on_commit(
                lambda: _notify_user(user_id, "casting_invite", data), robust=True
            )
    except IntegrityError:
        raise Conflict(duplicate) from None
    return invite


def _company_name(owner: User) -> str:
    return user_display(owner)["name"]


def _schedule_submission_notice(*, response: Response, casting: Casting, agency: User) -> None:
    model_user_id = response.model_profile.user_id
    data = {
        "casting_id": str(casting.id),
        "casting_title": casting.title,
        "response_id": str(response.id),
        "agency_name": user_display(agency)["name"],
    }
    transaction.on_commit(lambda: _notify_user(model_user_id, "agency_submission", data))


def _notify_user(user_id: Any, type: str, data: dict[str, Any]) -> None:
    user = User.objects.filter(id=user_id, is_active=True).first()
    if user is not None:
        notify(user=user, type=type, data=data)


# ------------------------------------------------------------------------------------------
# Background work (Celery tasks and beat jobs call these)
# ------------------------------------------------------------------------------------------
def casting_matching_user_batches(
    *, casting_id: Any, batch_size: int | None = None
) -> Iterator[list[str]]:
    """Claim the new_casting fan-out of a casting once and yield the matching users in batches.

    Yields nothing when the casting is gone, not active, hidden, or was already announced
    (the claim is an atomic UPDATE, so a redelivered task sends nothing twice).
    """
    claimed = Casting.objects.alive().filter(
        id=casting_id,
        status=CastingStatus.ACTIVE,
        is_hidden=False,
        matching_notified_at__isnull=True,
    )
    if not claimed.update(matching_notified_at=timezone.now()):
        return
    batch_size = batch_size or NEW_CASTING_BATCH_SIZE
    casting = Casting.objects.get(id=casting_id)
    user_ids = (
        model_profiles_matching_casting(casting=casting)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    batch: list[str] = []
    for user_id in user_ids.iterator(chunk_size=batch_size):
        batch.append(str(user_id))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


ANNOUNCE_RETRY_AFTER = timedelta(minutes=5)
ANNOUNCE_GIVE_UP_AFTER = timedelta(hours=24)


def castings_announce_missed(*, now: datetime | None = None) -> list[str]:
    """Ids of castings published 5 min to 24 h ago whose new_casting fan-out never started
    (the broker was down at publish time): the beat job queues their fan-out again.

    The claim in `casting_matching_user_batches` keeps it once-only if the first task was only
    late. Past 24 h "new casting" is stale news and is not sent.
    """
    now = now or timezone.now()
    return [
        str(casting_id)
        for casting_id in Casting.objects.alive()
        .filter(
            status=CastingStatus.ACTIVE,
            is_hidden=False,
            matching_notified_at__isnull=True,
            published_at__gte=now - ANNOUNCE_GIVE_UP_AFTER,
            published_at__lte=now - ANNOUNCE_RETRY_AFTER,
        )
        .values_list("id", flat=True)
    ]


def casting_notify_users(*, casting_id: Any, user_ids: list[str]) -> int:
    """Send new_casting to one batch of users; returns how many were notified."""
    casting = Casting.objects.alive().filter(id=casting_id).first()
    if casting is None:
        return 0
    data = {"casting_id": str(casting.id), "casting_title": casting.title, "city": casting.city}
    count = 0
    for user in User.objects.filter(id__in=user_ids, is_active=True).iterator():
        notify(user=user, type="new_casting", data=data)
        count += 1
    return count


def castings_send_reminders(*, now: datetime | None = None) -> int:
    """Remind accepted models of shoots starting within 24 h; each casting once.

    The claim is an atomic UPDATE of `reminder_sent_at`, so overlapping beat runs never remind
    twice. Returns the number of castings reminded.
    """
    now = now or timezone.now()
    due = Casting.objects.alive().filter(
        status=CastingStatus.ACTIVE,
        reminder_sent_at__isnull=True,
        shoot_date__gt=now,
        shoot_date__lte=now + REMINDER_LEAD_TIME,
    )
    reminded = 0
    for casting in due.only("id", "title", "shoot_date").iterator():
        with transaction.atomic():
            claimed = Casting.objects.filter(id=casting.id, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if not claimed:
                continue
            users = list(
                User.objects.filter(
                    is_active=True,
                    model_profile__casting_responses__casting_id=casting.id,
                    model_profile__casting_responses__status=ResponseStatus.ACCEPTED,
                )
            )
            shoot_date = format_datetime(casting.shoot_date)
            for user in users:
                transaction.on_commit(
                    deferred(
                        casting_reminder_notify,
                        user=user,
                        casting_id=str(casting.id),
                        casting_title=casting.title,
                        shoot_date=shoot_date,
                    )
                )
        reminded += 1
    return reminded


def castings_complete_finished(*, now: datetime | None = None) -> int:
    """Mark active castings whose shoot (shoot_date + duration_days) is over as completed."""
    now = now or timezone.now()
    with transaction.atomic():
        finished = list(
            Casting.objects.alive()
            .filter(status=CastingStatus.ACTIVE, ends_at__lte=now)
            .select_for_update()
            .values_list("id", "owner_id")
        )
        Casting.objects.filter(id__in=[pk for pk, _owner in finished]).update(
            status=CastingStatus.COMPLETED, updated_at=now
        )
        # A trust fact of the owners (docs/SAFETY.md, "Trust levels"): completed castings.
        for owner_id, count in Counter(owner for _pk, owner in finished).items():
            trust_facts_count(user_id=owner_id, completed_castings=count)
    return len(finished)
