"""Input and output shapes of the agencies and organizations API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import InvitationStatus, MemberRole
from mwork.api.serializers import QuerySerializer
from mwork.storage import storage_url
from profiles.selectors import user_display
from profiles.serializers import (
    AgencySummaryOutputSerializer,
    ModelListQuerySerializer,
    ModelProfileListItemSerializer,
)


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------
class InvitationCreateInputSerializer(serializers.Serializer):
    model_id = serializers.UUIDField()
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class InvitationListQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=InvitationStatus.choices, required=False)


class RosterListQuerySerializer(ModelListQuerySerializer):
    """The catalogue's filters (`GET /profiles/models`), applied to the roster."""


class RosterConsentInputSerializer(serializers.Serializer):
    photo_consent = serializers.BooleanField()


class MemberAddInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=MemberRole.choices, default=MemberRole.MANAGER)


class TeamInvitationListQuerySerializer(QuerySerializer):
    direction = serializers.ChoiceField(
        choices=[("received", "received"), ("sent", "sent")],
        default="received",
        help_text="received: addressed to your e-mail; sent: sent by your organization",
    )
    status = serializers.ChoiceField(choices=InvitationStatus.choices, required=False)


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
# AgencySummaryOutputSerializer lives in profiles.serializers (a model's detail embeds it).


def agency_summary(agency_user: Any) -> dict[str, Any]:
    try:
        profile = agency_user.employer_profile
    except ObjectDoesNotExist:
        profile = None
    return {
        "id": str(profile.id) if profile is not None else None,
        "user_id": str(agency_user.id),
        "company_name": profile.company_name if profile is not None else None,
    }


class InvitedModelOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    name = serializers.CharField()
    main_thumbnail = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_main_thumbnail(self, profile: Any) -> str | None:
        return storage_url(profile.main_thumbnail)


class InvitationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=InvitationStatus.choices)
    message = serializers.CharField()
    agency = serializers.SerializerMethodField()
    model = InvitedModelOutputSerializer(source="model_profile")
    created_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(AgencySummaryOutputSerializer)
    def get_agency(self, invitation: Any) -> dict[str, Any]:
        return agency_summary(invitation.agency)


class RosterMembershipOutputSerializer(serializers.Serializer):
    """The link as its two sides see it."""

    model_id = serializers.UUIDField(source="model_profile_id")
    agency = serializers.SerializerMethodField()
    photo_consent = serializers.BooleanField()
    joined_at = serializers.DateTimeField(source="created_at")

    @extend_schema_field(AgencySummaryOutputSerializer)
    def get_agency(self, link: Any) -> dict[str, Any]:
        return agency_summary(link.agency)


class RosterModelOutputSerializer(ModelProfileListItemSerializer):
    """A catalogue card plus the roster link's consent and join date."""

    photo_consent = serializers.BooleanField(source="agency_link.photo_consent")
    joined_at = serializers.DateTimeField(source="agency_link.created_at")


class MemberOutputSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=MemberRole.choices)
    added_at = serializers.DateTimeField(allow_null=True)


def member_payload(user: Any, role: str, added_at: Any) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "name": user_display(user)["name"],
        "email": user.email,
        "role": role,
        "added_at": added_at,
    }


class OrganizationSummaryOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class InviterOutputSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    name = serializers.CharField()


class TeamInvitationOutputSerializer(serializers.Serializer):
    """A team invitation. Nothing in it depends on the invited address having an account."""

    id = serializers.UUIDField()
    organization = serializers.SerializerMethodField()
    email = serializers.EmailField(help_text="the invited address, lower-cased")
    role = serializers.ChoiceField(choices=MemberRole.choices)
    status = serializers.SerializerMethodField(
        help_text="pending, accepted, declined, cancelled or expired"
    )
    invited_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(OrganizationSummaryOutputSerializer)
    def get_organization(self, invitation: Any) -> dict[str, Any]:
        organization = invitation.organization
        return {"id": organization.id, "name": user_display(organization.owner)["name"]}

    @extend_schema_field(serializers.ChoiceField(choices=[*InvitationStatus.values, "expired"]))
    def get_status(self, invitation: Any) -> str:
        return "expired" if invitation.is_expired else invitation.status

    @extend_schema_field(InviterOutputSerializer(allow_null=True))
    def get_invited_by(self, invitation: Any) -> dict[str, Any] | None:
        inviter = invitation.invited_by
        if inviter is None:
            return None
        return {"user_id": inviter.id, "name": user_display(inviter)["name"]}


class OrganizationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    my_role = serializers.ChoiceField(choices=MemberRole.choices)
    owner = MemberOutputSerializer()
    members = MemberOutputSerializer(many=True)
