"""Writes of organizations (team members) and agency rosters (invitations, links, consent).

Every service owns its transaction; uniqueness is held by database constraints (one
organization a manager works for, one pending invitation per agency and model, one agency per
model) and a lost race becomes `Conflict`. Notifications go out after commit.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from agencies.models import (
    AgencyInvitation,
    InvitationStatus,
    MemberRole,
    Organization,
    OrganizationMember,
    RosterMembership,
)
from agencies.selectors import EMPLOYER_ROLES, agency_for_roster
from mwork.api.exceptions import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

logger = logging.getLogger(__name__)


def _notify(user_id: Any, type: str, data: dict[str, Any]) -> None:
    from notifications.services import notify

    user = User.objects.filter(id=user_id, is_active=True).first()
    if user is not None:
        notify(user=user, type=type, data=data)


def _notify_on_commit(user_id: Any, type: str, data: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _notify(user_id, type, data), robust=True)


def _company_name(user: Any) -> str:
    from profiles.selectors import user_display

    return user_display(user)["name"]


# ---------------------------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------------------------
def organization_get_or_create(*, owner: User) -> Organization:
    """The organization `owner` owns, created on first use (every employer/agency has one).

    Raises PermissionDenied for other roles.
    """
    if owner.role not in EMPLOYER_ROLES:
        raise PermissionDenied("Only employers and agencies have an organization.")
    organization, _ = Organization.objects.get_or_create(owner=owner)
    return organization


def organization_member_add(
    *, actor: User, email: str, role: str = MemberRole.MANAGER
) -> OrganizationMember:
    """Add an existing employer/agency account, found by e-mail, as a manager of the actor's
    organization. The colleague is notified (organization_member_added).

    Rules: only the owner adds members (a manager gets PermissionDenied); role is manager
    (ValidationFailed `role` for owner: an organization has one owner); the colleague must be an
    active employer or agency account (NotFound otherwise, also for unknown e-mails), not the
    actor, without castings of their own and without a team of their own (InvalidState), and
    not already working for an organization (Conflict).
    """
    from castings.models import Casting

    if role != MemberRole.MANAGER:
        raise ValidationFailed.for_field("role", "An organization has one owner; invite managers.")
    if actor.role not in EMPLOYER_ROLES:
        raise PermissionDenied("Only employers and agencies have an organization.")
    if OrganizationMember.objects.filter(user_id=actor.pk).exists():
        raise PermissionDenied("Only the organization's owner can add members.")
    colleague = User.objects.filter(
        email__iexact=email.strip(), is_active=True, role__in=EMPLOYER_ROLES
    ).first()
    if colleague is None:
        raise NotFound("No employer or agency account uses this e-mail.")
    if colleague.pk == actor.pk:
        raise ValidationFailed.for_field("email", "You already own this organization.")
    if Casting.objects.filter(owner_id=colleague.pk).exists():
        raise InvalidState("This account has castings of its own and cannot join a team.")
    if OrganizationMember.objects.filter(organization__owner_id=colleague.pk).exists():
        raise InvalidState("This account has a team of its own and cannot join another.")
    try:
        with transaction.atomic():
            organization = organization_get_or_create(owner=actor)
            member = OrganizationMember.objects.create(
                organization=organization, user=colleague, role=role, added_by=actor
            )
            _notify_on_commit(
                colleague.pk,
                "organization_member_added",
                {
                    "organization_id": str(organization.id),
                    "organization_name": _company_name(actor),
                    "role": role,
                },
            )
    except IntegrityError:
        raise Conflict("This account already works for an organization.") from None
    member.user = colleague
    return member


def organization_member_remove(*, membership: OrganizationMember) -> None:
    """End a membership (the owner removes a manager, or a manager leaves). Access ends at
    once: every check reads the membership table, and the manager leaves the chat rooms it
    opened about the organization's castings."""
    from chat.services import chat_memberships_end_for_organization

    with transaction.atomic():
        OrganizationMember.objects.filter(pk=membership.pk).delete()
        chat_memberships_end_for_organization(
            user=membership.user, owner_id=membership.organization.owner_id
        )


# ---------------------------------------------------------------------------------------------
# Roster: invitations
# ---------------------------------------------------------------------------------------------
def agency_invitation_create(
    *, actor: User, model_profile_id: Any, message: str = ""
) -> AgencyInvitation:
    """An agency (or one of its managers) invites a visible model to its roster; the model is
    notified (agency_invitation).

    Raises PermissionDenied (not an agency), ProfileRequired (no agency profile), NotFound
    (model not visible), Conflict (already in this roster, already represented by an agency,
    or an invitation is still pending).
    """
    from profiles.selectors import model_profile_get_visible

    agency = agency_for_roster(user=actor)
    profile = model_profile_get_visible(profile_id=model_profile_id)
    link = RosterMembership.objects.filter(model_profile_id=profile.pk).first()
    if link is not None:
        if link.agency_id == agency.pk:
            raise Conflict("This model is already in your roster.")
        raise Conflict("This model is already represented by an agency.")
    try:
        with transaction.atomic():
            invitation = AgencyInvitation.objects.create(
                agency=agency, model_profile=profile, message=message
            )
            _notify_on_commit(
                profile.user_id,
                "agency_invitation",
                {"invitation_id": str(invitation.id), "agency_name": _company_name(agency)},
            )
    except IntegrityError:
        raise Conflict("An invitation to this model is already pending.") from None
    invitation.agency = agency
    invitation.model_profile = profile
    return invitation


def _answer(invitation: AgencyInvitation, status: str) -> AgencyInvitation:
    locked = AgencyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != InvitationStatus.PENDING:
        raise InvalidState(f"This invitation is already {locked.status}.")
    locked.status = status
    locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "responded_at"])
    invitation.status = locked.status
    invitation.responded_at = locked.responded_at
    return invitation


def agency_invitation_accept(*, invitation: AgencyInvitation) -> RosterMembership:
    """The invited model joins the agency's roster; the agency is notified.

    Raises InvalidState (not pending) and Conflict when the model is already represented by an
    agency (the unique link holds it under races; leave the other agency first).
    """
    try:
        with transaction.atomic():
            if RosterMembership.objects.filter(
                model_profile_id=invitation.model_profile_id
            ).exists():
                raise Conflict("You are already represented by an agency; leave it first.")
            _answer(invitation, InvitationStatus.ACCEPTED)
            link = RosterMembership.objects.create(
                agency_id=invitation.agency_id,
                model_profile_id=invitation.model_profile_id,
                invitation=invitation,
            )
            _notify_on_commit(
                invitation.agency_id,
                "agency_invitation_answered",
                {
                    "invitation_id": str(invitation.id),
                    "model_name": invitation.model_profile.name,
                    "status": InvitationStatus.ACCEPTED,
                },
            )
    except IntegrityError:
        raise Conflict("You are already represented by an agency; leave it first.") from None
    return link


def agency_invitation_decline(*, invitation: AgencyInvitation) -> AgencyInvitation:
    """The invited model declines; the agency is notified. Raises InvalidState unless pending."""
    with transaction.atomic():
        _answer(invitation, InvitationStatus.DECLINED)
        _notify_on_commit(
            invitation.agency_id,
            "agency_invitation_answered",
            {
                "invitation_id": str(invitation.id),
                "model_name": invitation.model_profile.name,
                "status": InvitationStatus.DECLINED,
            },
        )
    return invitation


def agency_invitation_cancel(*, invitation: AgencyInvitation) -> AgencyInvitation:
    """Withdraw a pending invitation (the agency, or staff). Raises InvalidState otherwise."""
    with transaction.atomic():
        _answer(invitation, InvitationStatus.CANCELLED)
    return invitation


# ---------------------------------------------------------------------------------------------
# Roster: the link
# ---------------------------------------------------------------------------------------------
def roster_membership_end(*, actor: User | None, link: RosterMembership) -> None:
    """End a model's link with its agency (either side, or staff with `actor=None`). The
    other side is notified (agency_link_ended)."""
    with transaction.atomic():
        deleted, _ = RosterMembership.objects.filter(pk=link.pk).delete()
        if not deleted:
            return
        model_user_id = link.model_profile.user_id
        data = {
            "agency_name": _company_name(link.agency),
            "model_name": link.model_profile.name,
        }
        if actor is None or actor.pk != model_user_id:
            _notify_on_commit(model_user_id, "agency_link_ended", data)
        if actor is None or actor.pk == model_user_id:
            _notify_on_commit(link.agency_id, "agency_link_ended", data)


def roster_consent_set(*, link: RosterMembership, photo_consent: bool) -> RosterMembership:
    """The model gives or takes back the agency's right to manage its portfolio photos."""
    RosterMembership.objects.filter(pk=link.pk).update(photo_consent=photo_consent)
    link.photo_consent = photo_consent
    return link


def roster_membership_create_by_staff(*, agency: User, model_profile: Any) -> RosterMembership:
    """Staff links a model to an agency directly (the admin). Raises PermissionDenied when
    `agency` is not an agency, Conflict when the model already has one."""
    if agency.role != "agency":
        raise PermissionDenied("Only agencies have a roster of models.")
    try:
        with transaction.atomic():
            return RosterMembership.objects.create(agency=agency, model_profile=model_profile)
    except IntegrityError:
        raise Conflict("This model is already represented by an agency.") from None
