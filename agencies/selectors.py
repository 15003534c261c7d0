"""Reads of organizations and agency rosters, and the access checks other apps use.

Ownership of castings is organization-wide: `user_acts_for(user=, owner_id=)` is the one
check ("the caller is the owner, or a manager of the owner's organization"), and
`managed_owner_ids(user_id=)` is its SQL twin for querysets. Memberships are read on every
call (nothing cached), so a removed manager loses access with the next request.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import (
    AgencyInvitation,
    InvitationStatus,
    Organization,
    OrganizationInvitation,
    OrganizationMember,
    RosterMembership,
)
from mwork.api.exceptions import NotFound, PermissionDenied, ProfileRequired
from mwork.ids import parse_uuid
from profiles.models import EmployerProfile, ModelProfile
from profiles.selectors import has_agency_link, model_profile_list

EMPLOYER_ROLES = ("employer", "agency")


# ---------------------------------------------------------------------------------------------
# Organization access (used by castings, chat, media, analytics)
# ---------------------------------------------------------------------------------------------
def managed_owner_ids(*, user_id: Any) -> QuerySet[OrganizationMember, Any]:
    """Owners of the organizations `user_id` manages, as a subquery (`owner_id__in=`)."""
    return OrganizationMember.objects.filter(user_id=user_id).values("organization__owner_id")


def user_acts_for(*, user: Any, owner_id: Any) -> bool:
    """True when `user` is `owner_id` or a manager of that owner's organization."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if str(user.pk) == str(owner_id):
        return True
    if user.role not in EMPLOYER_ROLES:
        return False
    return user_id_manages_for(user_id=user.pk, owner_id=owner_id)


def user_id_manages_for(*, user_id: Any, owner_id: Any) -> bool:
    """True when `user_id` is a manager in the organization of `owner_id` (one query)."""
    return OrganizationMember.objects.filter(
        user_id=user_id, organization__owner_id=owner_id
    ).exists()


def acting_owner(*, user: Any) -> Any:
    """The user whose organization `user` works for: its owner for a manager, else `user`."""
    if user.role not in EMPLOYER_ROLES:
        return user
    membership = (
        OrganizationMember.objects.filter(user_id=user.pk)
        .select_related("organization__owner")
        .first()
    )
    return membership.organization.owner if membership is not None else user


# ---------------------------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------------------------
def organization_of_user(*, user: Any) -> tuple[Organization | None, str]:
    """`(organization, role)` the caller works in: the one they manage, else their own
    (None when it was not created yet) with role owner."""
    membership = (
        OrganizationMember.objects.filter(user_id=user.pk)
        .select_related("organization__owner__employer_profile")
        .first()
    )
    if membership is not None:
        return membership.organization, membership.role
    organization = (
        Organization.objects.filter(owner_id=user.pk)
        .select_related("owner__employer_profile")
        .first()
    )
    return organization, "owner"


def organization_member_list(*, organization: Organization) -> QuerySet[OrganizationMember]:
    return OrganizationMember.objects.filter(organization=organization).select_related(
        "user", "user__employer_profile"
    )


def organization_member_get_for_removal(*, actor: Any, user_id: Any) -> OrganizationMember:
    """The membership `actor` may end: any manager of the actor's own organization, or the
    actor's own membership (leaving). NotFound otherwise."""
    target = parse_uuid(user_id)
    membership = (
        OrganizationMember.objects.filter(user_id=target).select_related("organization").first()
        if target is not None
        else None
    )
    if membership is None:
        raise NotFound(_("Member not found."))
    if membership.organization.owner_id == actor.pk or membership.user_id == actor.pk:
        return membership
    raise NotFound(_("Member not found."))


def _team_invitations() -> QuerySet[OrganizationInvitation]:
    return OrganizationInvitation.objects.select_related(
        "organization__owner__employer_profile", "invited_by__employer_profile"
    )


def organization_invitation_list(
    *, user: Any, direction: str = "received", status: str | None = None
) -> QuerySet[OrganizationInvitation]:
    """Team invitations, newest first: `received` — addressed to the caller's e-mail (pending
    ones only while not expired); `sent` — those of the organization the caller owns (for a
    manager, of the organization it works for)."""
    if direction == "sent":
        queryset = _team_invitations().filter(organization__owner_id=acting_owner(user=user).pk)
    else:
        queryset = (
            _team_invitations()
            .filter(email=user.email.lower())
            .exclude(status=InvitationStatus.PENDING, expires_at__lte=timezone.now())
        )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def _team_invitation(invitation_id: Any) -> OrganizationInvitation | None:
    pk = parse_uuid(invitation_id)
    return _team_invitations().filter(pk=pk).first() if pk is not None else None


def organization_invitation_get_for_invitee(
    *, user: Any, invitation_id: Any
) -> OrganizationInvitation:
    """A team invitation addressed to the caller's e-mail. The organization that sent it gets
    PermissionDenied (it cannot answer for the invitee); everyone else NotFound."""
    invitation = _team_invitation(invitation_id)
    if invitation is None:
        raise NotFound(_("Invitation not found."))
    if invitation.email == user.email.lower():
        return invitation
    if user_acts_for(user=user, owner_id=invitation.organization.owner_id):
        raise PermissionDenied(_("Only the invited person can answer this invitation."))
    raise NotFound(_("Invitation not found."))


def organization_invitation_get_for_owner(
    *, user: Any, invitation_id: Any
) -> OrganizationInvitation:
    """A team invitation the caller's own organization sent (the owner withdraws it). A
    manager of that organization gets PermissionDenied; everyone else NotFound."""
    invitation = _team_invitation(invitation_id)
    if invitation is None:
        raise NotFound(_("Invitation not found."))
    owner_id = invitation.organization.owner_id
    if owner_id == user.pk:
        return invitation
    if user_acts_for(user=user, owner_id=owner_id):
        raise PermissionDenied(_("Only the organization's owner can withdraw invitations."))
    raise NotFound(_("Invitation not found."))


# ---------------------------------------------------------------------------------------------
# Invitations and roster
# ---------------------------------------------------------------------------------------------
def agency_for_roster(*, user: Any) -> Any:
    """The agency user whose roster the caller manages (itself, or the agency it manages for).

    Raises PermissionDenied unless that user has the role agency, ProfileRequired when the
    agency has no employer profile.
    """
    agency = acting_owner(user=user)
    if agency.role != "agency":
        raise PermissionDenied(_("Only agencies have a roster of models."))
    if not EmployerProfile.objects.filter(user_id=agency.pk).exists():
        raise ProfileRequired(_("Create the agency's employer profile first."))
    return agency


def invitation_list_for_user(*, user: Any, status: str | None = None) -> QuerySet[AgencyInvitation]:
    """A model's received invitations, or the invitations its agency sent; newest first."""
    if user.role == "model":
        queryset = AgencyInvitation.objects.filter(model_profile__user_id=user.pk)
    else:
        queryset = AgencyInvitation.objects.filter(agency_id=acting_owner(user=user).pk)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("agency__employer_profile", "model_profile")


def invitation_get_for_invitee(*, user: Any, invitation_id: Any) -> AgencyInvitation:
    """An invitation addressed to the caller's model profile. The agency that sent it gets
    PermissionDenied (it cannot answer for the model); everyone else NotFound."""
    pk = parse_uuid(invitation_id)
    invitation = (
        AgencyInvitation.objects.select_related("model_profile", "agency__employer_profile")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if invitation is None:
        raise NotFound(_("Invitation not found."))
    if invitation.model_profile.user_id == user.pk:
        return invitation
    if user_acts_for(user=user, owner_id=invitation.agency_id):
        raise PermissionDenied(_("Only the invited model can answer this invitation."))
    raise NotFound(_("Invitation not found."))


def roster_membership_get(*, model_profile_id: Any) -> RosterMembership | None:
    pk = parse_uuid(model_profile_id)
    if pk is None:
        return None
    return (
        RosterMembership.objects.select_related("model_profile", "agency")
        .filter(model_profile_id=pk)
        .first()
    )


def roster_membership_get_for_party(*, user: Any, model_profile_id: Any) -> RosterMembership:
    """The roster link of that model, for either side (the model, or its agency and the
    agency's managers). NotFound for anyone else and when there is no link."""
    link = roster_membership_get(model_profile_id=model_profile_id)
    if link is None:
        raise NotFound(_("This model is not in an agency roster."))
    if link.model_profile.user_id == user.pk or user_acts_for(user=user, owner_id=link.agency_id):
        return link
    raise NotFound(_("This model is not in an agency roster."))


def roster_list(*, agency: Any, filters: Any, viewer: Any = None) -> QuerySet[ModelProfile]:
    """The agency's roster in the catalogue's shape, with the catalogue's filters, search and
    ordering (`profiles.selectors.model_profile_list`, restricted to the roster)."""
    roster = RosterMembership.objects.filter(agency_id=agency.pk).values("model_profile_id")
    return (
        model_profile_list(filters=filters, viewer=viewer)
        .filter(id__in=roster)
        .select_related("agency_link")
    )


def roster_profile_for_agency(*, actor: Any, model_profile_id: Any, purpose: str) -> Any:
    """The model profile `actor` (an agency or one of its managers) may act for.

    `purpose` "submit" needs a roster link; "photos" also needs the model's photo consent.
    Raises PermissionDenied otherwise (also for non-agencies), NotFound for unknown ids.
    """
    pk = parse_uuid(model_profile_id)
    profile = (
        ModelProfile.objects.select_related("user", "agency_link").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if profile is None or not profile.user.is_active:
        raise NotFound(_("Model profile not found."))
    link = getattr(profile, "agency_link", None) if has_agency_link(profile) else None
    if link is None or not user_acts_for(user=actor, owner_id=link.agency_id):
        raise PermissionDenied(_("This model is not in your agency's roster."))
    if purpose == "photos" and not link.photo_consent:
        raise PermissionDenied(_("The model has not allowed the agency to manage their photos."))
    return profile


def invitation_get_for_agency(*, user: Any, invitation_id: Any) -> AgencyInvitation:
    """An invitation the caller's agency sent. The invited model gets PermissionDenied;
    everyone else NotFound."""
    pk = parse_uuid(invitation_id)
    invitation = (
        AgencyInvitation.objects.select_related("model_profile", "agency__employer_profile")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if invitation is None:
        raise NotFound(_("Invitation not found."))
    if user_acts_for(user=user, owner_id=invitation.agency_id):
        return invitation
    if invitation.model_profile.user_id == user.pk:
        raise PermissionDenied(_("Only the agency can withdraw its invitation."))
    raise NotFound(_("Invitation not found."))


def roster_membership_of_model(*, user: Any) -> RosterMembership:
    """The caller's (a model's) own agency link; NotFound when it has none."""
    link = (
        RosterMembership.objects.select_related("agency__employer_profile", "model_profile")
        .filter(model_profile__user_id=user.pk)
        .first()
    )
    if link is None:
        raise NotFound(_("You are not represented by an agency."))
    return link
