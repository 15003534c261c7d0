"""Agency roster and organization (team) endpoints: validate → selector → service → envelope."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from agencies import selectors, services
from agencies.serializers import (
    InvitationCreateInputSerializer,
    InvitationListQuerySerializer,
    InvitationOutputSerializer,
    MemberAddInputSerializer,
    MemberOutputSerializer,
    OrganizationOutputSerializer,
    RosterConsentInputSerializer,
    RosterListQuerySerializer,
    RosterMembershipOutputSerializer,
    RosterModelOutputSerializer,
    TeamInvitationListQuerySerializer,
    TeamInvitationOutputSerializer,
    member_payload,
)
from mwork.api.outputs import Output
from mwork.api.permissions import IsEmployer, IsModel
from mwork.api.responses import created, no_content, ok
from mwork.api.schema import api_schema, envelope
from mwork.api.serializers import validated_query
from profiles.selectors import ModelFilters

INVITATIONS = Output(InvitationOutputSerializer, item="invitation", items="invitations")
ROSTER = Output(RosterModelOutputSerializer, items="models")
MEMBERSHIP = Output(RosterMembershipOutputSerializer, item="membership")
TEAM_INVITATIONS = Output(TeamInvitationOutputSerializer, item="invitation", items="invitations")
ORGANIZATION = Output(OrganizationOutputSerializer, item="organization")


# ---------------------------------------------------------------------------------------------
# Roster
# ---------------------------------------------------------------------------------------------
class InvitationListCreateView(APIView):
    def get_permissions(self):
        if self.request.method == "POST":
            return [IsEmployer()]
        return [IsAuthenticated()]

    @api_schema(
        operation_id="agency_invitations_list",
        summary="Agency invitations: a model sees the ones it received, an agency the ones it sent",
        parameters=[InvitationListQuerySerializer],
        responses={200: INVITATIONS.page_envelope("AgenciesInvitationList")},
        errors=(400, 401, 429),
    )
    def get(self, request):
        status = validated_query(request, InvitationListQuerySerializer).get("status")
        queryset = selectors.invitation_list_for_user(user=request.user, status=status)
        return ok(INVITATIONS.page(request, queryset))

    @api_schema(
        operation_id="agency_invitations_create",
        summary="Invite a model to the agency's roster (agency with an employer profile)",
        request=InvitationCreateInputSerializer,
        responses={201: INVITATIONS.one_envelope("AgenciesInvitationCreate")},
        errors=(400, 401, 403, 404, 409, 429),
    )
    def post(self, request):
        data = InvitationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.agency_invitation_create(
            actor=request.user,
            model_profile_id=data.validated_data["model_id"],
            message=data.validated_data["message"],
        )
        return created(INVITATIONS.one(invitation))


class InvitationDetailView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="agency_invitations_destroy",
        summary="Withdraw a pending invitation (the agency that sent it)",
        responses={204: None},
        errors=(401, 403, 404, 422, 429),
    )
    def delete(self, request, invitation_id: UUID):
        invitation = selectors.invitation_get_for_agency(
            user=request.user, invitation_id=invitation_id
        )
        services.agency_invitation_cancel(invitation=invitation)
        return no_content()


class InvitationAcceptView(APIView):
    @api_schema(
        operation_id="agency_invitations_accept",
        summary="Accept an agency's invitation (the invited model); one agency per model",
        request=None,
        responses={200: INVITATIONS.one_envelope("AgenciesInvitationAccept")},
        errors=(401, 403, 404, 409, 422, 429),
    )
    def post(self, request, invitation_id: UUID):
        invitation = selectors.invitation_get_for_invitee(
            user=request.user, invitation_id=invitation_id
        )
        services.agency_invitation_accept(invitation=invitation)
        return ok(INVITATIONS.one(invitation))


class InvitationDeclineView(APIView):
    @api_schema(
        operation_id="agency_invitations_decline",
        summary="Decline an agency's invitation (the invited model)",
        request=None,
        responses={200: INVITATIONS.one_envelope("AgenciesInvitationDecline")},
        errors=(401, 403, 404, 422, 429),
    )
    def post(self, request, invitation_id: UUID):
        invitation = selectors.invitation_get_for_invitee(
            user=request.user, invitation_id=invitation_id
        )
        services.agency_invitation_decline(invitation=invitation)
        return ok(INVITATIONS.one(invitation))


class RosterListView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="agency_models_list",
        summary="The agency's roster, with the catalogue's filters, search and ordering",
        parameters=[RosterListQuerySerializer],
        responses={200: ROSTER.page_envelope("AgenciesRosterList")},
        errors=(400, 401, 403, 429),
    )
    def get(self, request):
        filters = ModelFilters(**validated_query(request, RosterListQuerySerializer))
        agency = selectors.agency_for_roster(user=request.user)
        queryset = selectors.roster_list(agency=agency, filters=filters, viewer=request.user)
        return ok(ROSTER.page(request, queryset))


class RosterDetailView(APIView):
    @api_schema(
        operation_id="agency_models_destroy",
        summary="End a model's link with its agency (the model or the agency)",
        responses={204: None},
        errors=(401, 404, 429),
    )
    def delete(self, request, model_id: UUID):
        link = selectors.roster_membership_get_for_party(
            user=request.user, model_profile_id=model_id
        )
        services.roster_membership_end(actor=request.user, link=link)
        return no_content()


class MyAgencyView(APIView):
    permission_classes = [IsModel]

    @api_schema(
        operation_id="agency_membership_retrieve",
        summary="The caller's (a model's) agency and photo consent; 404 without an agency",
        responses={200: MEMBERSHIP.one_envelope("AgenciesMembership")},
        errors=(401, 403, 404, 429),
    )
    def get(self, request):
        link = selectors.roster_membership_of_model(user=request.user)
        return ok(MEMBERSHIP.one(link))

    @api_schema(
        operation_id="agency_membership_update",
        summary="Give or take back the agency's right to manage your photos (model)",
        request=RosterConsentInputSerializer,
        responses={200: MEMBERSHIP.one_envelope("AgenciesMembershipUpdate")},
        errors=(400, 401, 403, 404, 429),
    )
    def put(self, request):
        data = RosterConsentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        link = selectors.roster_membership_of_model(user=request.user)
        link = services.roster_consent_set(link=link, **data.validated_data)
        return ok(MEMBERSHIP.one(link))


# ---------------------------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------------------------
def _organization_data(organization: Any, role: str) -> dict[str, Any]:
    owner = organization.owner
    members = [
        member_payload(member.user, member.role, member.created_at)
        for member in selectors.organization_member_list(organization=organization)
    ]
    return {
        "id": organization.id,
        "name": member_payload(owner, "owner", None)["name"],
        "my_role": role,
        "owner": member_payload(owner, "owner", organization.created_at),
        "members": members,
    }


def _organization_for(user: Any) -> dict[str, Any]:
    """`{"organization": {...}}`: the one the user works in (its own, created on first use)."""
    organization, role = selectors.organization_of_user(user=user)
    if organization is None:
        organization = services.organization_get_or_create(owner=user)
    return ORGANIZATION.one(_organization_data(organization, role))


class OrganizationMeView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="organizations_me",
        summary="The organization the caller works in (its own, or the one it manages for)",
        responses={200: ORGANIZATION.one_envelope("OrganizationsMe")},
        errors=(401, 403, 429),
    )
    def get(self, request):
        return ok(_organization_for(request.user))


class MemberListCreateView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="organizations_members_list",
        summary="Members of the caller's organization, the owner first",
        responses={
            200: envelope(
                "OrganizationsMembers",
                {"members": serializers.ListField(child=MemberOutputSerializer())},
            )
        },
        errors=(401, 403, 429),
    )
    def get(self, request):
        organization = _organization_for(request.user)[ORGANIZATION.item]
        return ok({"members": [organization["owner"], *organization["members"]]})

    @api_schema(
        operation_id="organizations_members_create",
        summary="Invite a colleague by e-mail as a manager (owner only). Adds nobody: the "
        "holder of that address accepts or declines; the answer is the same whether or not "
        "the address has an account",
        request=MemberAddInputSerializer,
        responses={201: TEAM_INVITATIONS.one_envelope("OrganizationsMemberInvite")},
        errors=(400, 401, 403, 409, 422, 429),
    )
    def post(self, request):
        data = MemberAddInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.organization_invitation_create(
            actor=request.user, **data.validated_data
        )
        return created(TEAM_INVITATIONS.one(invitation))


class TeamInvitationListView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="organizations_invitations_list",
        summary="Team invitations addressed to the caller's e-mail (or, with direction=sent, "
        "those its organization sent), newest first",
        parameters=[TeamInvitationListQuerySerializer],
        responses={200: TEAM_INVITATIONS.page_envelope("OrganizationsInvitationList")},
        errors=(400, 401, 403, 429),
    )
    def get(self, request):
        query = validated_query(request, TeamInvitationListQuerySerializer)
        queryset = selectors.organization_invitation_list(user=request.user, **query)
        return ok(TEAM_INVITATIONS.page(request, queryset))


class TeamInvitationDetailView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="organizations_invitations_destroy",
        summary="Withdraw a pending team invitation (the organization's owner)",
        responses={204: None},
        errors=(401, 403, 404, 422, 429),
    )
    def delete(self, request, invitation_id: UUID):
        invitation = selectors.organization_invitation_get_for_owner(
            user=request.user, invitation_id=invitation_id
        )
        services.organization_invitation_cancel(invitation=invitation)
        return no_content()


class TeamInvitationAcceptView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="organizations_invitations_accept",
        summary="Accept a team invitation (the holder of the invited address): become a "
        "manager of that organization",
        request=None,
        responses={200: TEAM_INVITATIONS.one_envelope("OrganizationsInvitationAccept")},
        errors=(401, 403, 404, 409, 422, 429),
    )
    def post(self, request, invitation_id: UUID):
        invitation = selectors.organization_invitation_get_for_invitee(
            user=request.user, invitation_id=invitation_id
        )
        services.organization_invitation_accept(actor=request.user, invitation=invitation)
        return ok(TEAM_INVITATIONS.one(invitation))


class TeamInvitationDeclineView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="organizations_invitations_decline",
        summary="Decline a team invitation (the holder of the invited address)",
        request=None,
        responses={200: TEAM_INVITATIONS.one_envelope("OrganizationsInvitationDecline")},
        errors=(401, 403, 404, 422, 429),
    )
    def post(self, request, invitation_id: UUID):
        invitation = selectors.organization_invitation_get_for_invitee(
            user=request.user, invitation_id=invitation_id
        )
        services.organization_invitation_decline(actor=request.user, invitation=invitation)
        return ok(TEAM_INVITATIONS.one(invitation))


class MemberDetailView(APIView):
    permission_classes = [IsEmployer]

    @api_schema(
        operation_id="organizations_members_destroy",
        summary="Remove a manager (owner), or leave the organization (the manager); access "
        "ends at once",
        responses={204: None},
        errors=(401, 403, 404, 429),
    )
    def delete(self, request, user_id: UUID):
        membership = selectors.organization_member_get_for_removal(
            actor=request.user, user_id=user_id
        )
        services.organization_member_remove(membership=membership)
        return no_content()
