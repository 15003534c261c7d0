"""Writes of organizations (team members) and agency rosters (invitations, links, consent).

Every service owns its transaction; uniqueness is held by database constraints (one
organization a manager works for, one pending invitation per agency and model, one agency per
model) and a lost race becomes `Conflict`. Notifications go out after commit.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, normalize_email
from agencies import signals
from agencies.models import (
    AgencyInvitation,
    InvitationStatus,
    MemberRole,
    Organization,
    OrganizationInvitation,
    OrganizationMember,
    RosterMembership,
)
from agencies.selectors import EMPLOYER_ROLES, agency_for_roster
from mwork.api.exceptions import (
    Conflict,
    InvalidState,
    PermissionDenied,
    ValidationFailed,
)
from notifications.services import notify
from profiles.selectors import model_profile_get_visible, user_display

logger = logging.getLogger(__name__)


def _notify(user_id: Any, type: str, data: dict[str, Any]) -> None:
    user = User.objects.filter(id=user_id, is_active=True).first()
    if user is not None:
        notify(user=user, type=type, data=data)


def _notify_on_commit(user_id: Any, type: str, data: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _notify(user_id, type, data), robust=True)


def _company_name(user: Any) -> str:
    return user_display(user)["name"]


# ---------------------------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------------------------
def organization_get_or_create(*, owner: User) -> Organization:
    """The organization `owner` owns, created on first use (every employer/agency has one).

    Raises PermissionDenied for other roles.
    """
    if owner.role not in EMPLOYER_ROLES:
        raise PermissionDenied(_("Only employers and agencies have an organization."))
    organization, _created = Organization.objects.get_or_create(owner=owner)
    return organization


TEAM_INVITATION_DAYS = 14
# Anti-spam: invitations e-mail whoever holds the address, so an owner keeps few open at once.
MAX_PENDING_TEAM_INVITATIONS = 50


def organization_invitation_create(
    *, actor: User, email: str, role: str = MemberRole.MANAGER
) -> OrganizationInvitation:
    """Invite an e-mail address to the actor's organization as a manager.

    Adds nobody: the holder of a verified employer/agency account with that address accepts
    or declines (`organization_invitation_accept`/`_decline`). The answer is the same whether
    or not such an account exists: nothing here reads accounts; the account is looked up and
    notified (organization_invitation, in-app and e-mail) by a task after commit.

    Raises ValidationFailed (`role` other than manager; `email` the actor's own),
    PermissionDenied (not an employer/agency, or a manager: only the owner invites),
    Conflict (an invitation to that address is still pending), InvalidState (too many pending
    invitations). None of these depend on the invited address having an account.
    """
    from agencies import tasks  # tasks import this module

    if role != MemberRole.MANAGER:
        raise ValidationFailed.for_field(
            "role", _("An organization has one owner; invite managers.")
        )
    if actor.role not in EMPLOYER_ROLES:
        raise PermissionDenied(_("Only employers and agencies have an organization."))
    if OrganizationMember.objects.filter(user_id=actor.pk).exists():
        raise PermissionDenied(_("Only the organization's owner can invite members."))
    address = normalize_email(email)
    if address == normalize_email(actor.email):
        raise ValidationFailed.for_field("email", _("You already own this organization."))
    now = timezone.now()
    try:
        with transaction.atomic():
            organization = organization_get_or_create(owner=actor)
            # An expired invitation no longer blocks a new one to the same address.
            OrganizationInvitation.objects.filter(
                organization=organization,
                email=address,
                status=InvitationStatus.PENDING,
                expires_at__lte=now,
            ).update(status=InvitationStatus.CANCELLED)
            pending = OrganizationInvitation.objects.filter(
                organization=organization, status=InvitationStatus.PENDING, expires_at__gt=now
            ).count()
            if pending >= MAX_PENDING_TEAM_INVITATIONS:
                raise InvalidState(
                    _("Too many pending invitations; withdraw some or wait for answers.")
                )
            invitation = OrganizationInvitation.objects.create(
                organization=organization,
                email=address,
                role=role,
                invited_by=actor,
                created_at=now,
                expires_at=now + timedelta(days=TEAM_INVITATION_DAYS),
            )
            invitation_id = str(invitation.id)
            transaction.on_commit(
                lambda: tasks.deliver_organization_invitation.delay(invitation_id), robust=True
            )
    except IntegrityError:
        raise Conflict(_("An invitation to this address is already pending.")) from None
    invitation.organization = organization
    return invitation


def organization_invitation_deliver(*, invitation_id: Any) -> bool:
    """Tell the holder of the invited address, if there is one: an `organization_invitation`
    notification (in-app, e-mail). Nothing happens for addresses without an active
    employer/agency account, nor for invitations no longer pending. Returns whether a
    notification was stored."""
    with transaction.atomic():
        claimed = OrganizationInvitation.objects.filter(
            pk=invitation_id, status=InvitationStatus.PENDING, delivered_at__isnull=True
        ).update(delivered_at=timezone.now())
        if not claimed:
            return False
        invitation = OrganizationInvitation.objects.select_related(
            "organization__owner__employer_profile"
        ).get(pk=invitation_id)
        invitee = User.objects.filter(
            email__iexact=invitation.email, is_active=True, role__in=EMPLOYER_ROLES
        ).first()
        if invitee is None:
            return False
        notify(
            user=invitee,
            type="organization_invitation",
            data={
                "invitation_id": str(invitation.id),
                "organization_id": str(invitation.organization_id),
                "organization_name": _company_name(invitation.organization.owner),
                "role": invitation.role,
            },
        )
    return True


def _team_answer(invitation: OrganizationInvitation, *, actor: User, status: str) -> None:
    locked = OrganizationInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != InvitationStatus.PENDING:
        raise InvalidState(_("This invitation is already %(status)s.") % {"status": locked.status})
    if locked.is_expired and status != InvitationStatus.CANCELLED:
        raise InvalidState(_("This invitation has expired; ask for a new one."))
    locked.status = status
    locked.responded_at = timezone.now()
    locked.answered_by = actor if status != InvitationStatus.CANCELLED else None
    locked.save(update_fields=["status", "responded_at", "answered_by"])
    invitation.status = locked.status
    invitation.responded_at = locked.responded_at
    invitation.answered_by = locked.answered_by


def _notify_inviter(invitation: OrganizationInvitation, actor: User) -> None:
    _notify_on_commit(
        invitation.organization.owner_id,
        "organization_invitation_answered",
        {
            "invitation_id": str(invitation.id),
            "member_name": _company_name(actor),
            "status": invitation.status,
        },
    )


def organization_invitation_accept(
    *, actor: User, invitation: OrganizationInvitation
) -> OrganizationMember:
    """The invited person joins the organization as a manager; the owner is notified
    (organization_invitation_answered).

    The castings the person already owns stay theirs (they keep managing them; the team gets
    no access to them); castings they post while a member belong to the organization.
    Raises PermissionDenied (e-mail address not verified), InvalidState (not pending, expired,
    or the person has a team of their own), Conflict (already works for an organization).
    """
    if not actor.email_verified:
        raise PermissionDenied(_("Verify your e-mail address before joining a team."))
    if OrganizationMember.objects.filter(organization__owner_id=actor.pk).exists():
        raise InvalidState(_("You have a team of your own; remove its members first."))
    try:
        with transaction.atomic():
            _team_answer(invitation, actor=actor, status=InvitationStatus.ACCEPTED)
            member = OrganizationMember.objects.create(
                organization_id=invitation.organization_id,
                user=actor,
                role=invitation.role,
                added_by_id=invitation.invited_by_id,
            )
            _notify_inviter(invitation, actor)
    except IntegrityError:
        raise Conflict(
            _("You already work for an organization; leave it before joining another.")
        ) from None
    member.user = actor
    return member


def organization_invitation_decline(
    *, actor: User, invitation: OrganizationInvitation
) -> OrganizationInvitation:
    """The invited person declines; the owner is notified. Raises InvalidState unless pending
    (and not expired)."""
    with transaction.atomic():
        _team_answer(invitation, actor=actor, status=InvitationStatus.DECLINED)
        _notify_inviter(invitation, actor)
    return invitation


def organization_invitation_cancel(*, invitation: OrganizationInvitation) -> None:
    """The owner withdraws a pending invitation. Raises InvalidState unless pending."""
    with transaction.atomic():
        locked = OrganizationInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.status != InvitationStatus.PENDING:
            raise InvalidState(
                _("This invitation is already %(status)s.") % {"status": locked.status}
            )
        locked.status = InvitationStatus.CANCELLED
        locked.responded_at = timezone.now()
        locked.save(update_fields=["status", "responded_at"])


def organization_member_remove(*, membership: OrganizationMember) -> None:
    """End a membership (the owner removes a manager, or a manager leaves). Access ends at
    once: every check reads the membership table, and the manager leaves the chat rooms it
    opened about the organization's castings."""
    with transaction.atomic():
        OrganizationMember.objects.filter(pk=membership.pk).delete()
        signals.organization_member_removed.send(
            sender=OrganizationMember,
            user=membership.user,
            owner_id=membership.organization.owner_id,
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
    agency = agency_for_roster(user=actor)
    profile = model_profile_get_visible(profile_id=model_profile_id)
    link = RosterMembership.objects.filter(model_profile_id=profile.pk).first()
    if link is not None:
        if link.agency_id == agency.pk:
            raise Conflict(_("This model is already in your roster."))
        raise Conflict(_("This model is already represented by an agency."))
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
        raise Conflict(_("An invitation to this model is already pending.")) from None
    invitation.agency = agency
    invitation.model_profile = profile
    return invitation


def _answer(invitation: AgencyInvitation, status: str) -> AgencyInvitation:
    locked = AgencyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != InvitationStatus.PENDING:
        raise InvalidState(_("This invitation is already {status}.").format(status=locked.status))
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
                raise Conflict(_("You are already represented by an agency; leave it first."))
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
        raise Conflict(_("You are already represented by an agency; leave it first.")) from None
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
        deleted, _by_model = RosterMembership.objects.filter(pk=link.pk).delete()
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
        raise PermissionDenied(_("Only agencies have a roster of models."))
    try:
        with transaction.atomic():
            return RosterMembership.objects.create(agency=agency, model_profile=model_profile)
    except IntegrityError:
        raise Conflict(_("This model is already represented by an agency.")) from None
