"""Organizations (an employer's or agency's team) and agency rosters of models.

- Every employer/agency user owns exactly one `Organization` (created lazily, see
  `services.organization_get_or_create`). Colleagues join it as `OrganizationMember`s with the
  role manager; the owner is `Organization.owner` and has no member row. A casting belongs to
  the organization of its `owner` (a manager's casting is created with the organization's owner
  as `Casting.owner`), so every ownership check is "the caller is the owner or a manager of the
  owner's organization" (`selectors.user_acts_for`).
- Nobody joins a team without consent: the owner invites an e-mail address
  (`OrganizationInvitation`), and the person with an employer/agency account under that
  address accepts or declines; only then is there an `OrganizationMember` row. Castings a
  manager creates belong to the organization; castings the person owned before joining stay
  theirs, before, during and after (docs/RELIABILITY.md, "Team membership by invitation").
- An agency invites models (`AgencyInvitation`); an accepted invitation becomes a
  `RosterMembership`. A model belongs to at most one agency: `model_profile` is unique.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_organization"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        try:
            return self.owner.employer_profile.company_name
        except ObjectDoesNotExist:
            return f"organization of {self.owner_id}"


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")


class OrganizationMember(models.Model):
    """A colleague in someone else's organization (the owner is `Organization.owner`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_memberships"
    )
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.MANAGER)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organization member")
        verbose_name_plural = _("organization members")
        ordering = ["created_at", "id"]
        constraints = [
            # A user works for one organization besides their own: whose castings a manager
            # creates is never ambiguous.
            models.UniqueConstraint(fields=["user"], name="agencies_member_one_organization"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.role}) in {self.organization_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class OrganizationInvitation(models.Model):
    """The owner invites an e-mail address to the team; its account holder accepts or declines.

    Addressed to an e-mail, not to an account, so creating one never reveals whether the
    address has an account; it is shown to whoever holds a verified employer/agency account
    with that address.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(max_length=254)  # lower-cased, as accounts store theirs
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.MANAGER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    # Who answered (set on accept/decline): the account that held the address then.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the delivery task, so a redelivered task does not notify twice.
    delivered_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("organization invitation")
        verbose_name_plural = _("organization invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(status="pending"),
                name="agencies_team_invitation_one_pending",
            ),
        ]
        indexes = [
            models.Index(fields=["email", "-created_at"], name="agencies_team_inv_email_idx"),
            models.Index(fields=["organization", "-created_at"], name="agencies_team_inv_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} → {self.email} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now()


class AgencyInvitation(models.Model):
    """An agency asks a model to join its roster; the model accepts or declines."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_invitations_sent"
    )
    model_profile = models.ForeignKey(
        "profiles.ModelProfile", on_delete=models.CASCADE, related_name="agency_invitations"
    )
    message = models.TextField(max_length=1000, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agency invitation")
        verbose_name_plural = _("agency invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "model_profile"],
                condition=Q(status="pending"),
                name="agencies_invitation_one_pending",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="agencies_inv_agency_idx"),
            models.Index(fields=["model_profile", "-created_at"], name="agencies_inv_model_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} → {self.model_profile_id} ({self.status})"


class RosterMembership(models.Model):
    """A model represented by an agency. One agency per model (unique `model_profile`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roster"
    )
    model_profile = models.OneToOneField(
        "profiles.ModelProfile", on_delete=models.CASCADE, related_name="agency_link"
    )
    invitation = models.ForeignKey(
        AgencyInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The model's standing consent: the agency may upload, edit and delete portfolio photos.
    photo_consent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("roster membership")
        verbose_name_plural = _("roster memberships")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "-created_at"], name="agencies_roster_idx")]

    def __str__(self) -> str:
        return f"{self.model_profile_id} represented by {self.agency_id}"
