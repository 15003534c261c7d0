"""Back office for organizations, team members, agency invitations and rosters.

Rows are created and changed only through the services (their rules and notifications):
adding a roster link in the admin calls the service, the actions below end memberships, links
and invitations the same way the API does. Staff add no team members: joining a team takes the
person's consent (an invitation they accept), so members are only listed and removed here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from agencies import services
from agencies.models import (
    AgencyInvitation,
    InvitationStatus,
    Organization,
    OrganizationInvitation,
    OrganizationMember,
    RosterMembership,
)
from moderation.admin_policy import PolicyAdmin, PolicyTabularInline
from moderation.models import AuditAction
from mwork.api.exceptions import DomainError


def _cancel_pending(model_admin, request, queryset, cancel) -> None:
    """Cancel the pending invitations of `queryset` with `cancel(invitation=...)`, one audit
    entry each; refusals are reported, not raised."""
    done, refused = 0, []
    for invitation in queryset.filter(status=InvitationStatus.PENDING):
        try:
            model_admin.audited(
                request,
                invitation,
                AuditAction.INVITATION_CANCEL,
                lambda i=invitation: cancel(invitation=i),
            )
            done += 1
        except DomainError as error:
            refused.append(f"{invitation}: {error.message}")
    _report(model_admin, request, done, refused, _INVITATIONS_CANCELLED)


def _report(modeladmin, request, done: int, refused: list[str], message) -> None:
    """`message`: an ngettext_lazy(..., "count") text with a %(count)d placeholder."""
    if done:
        modeladmin.message_user(request, message % {"count": done}, messages.SUCCESS)
    if refused:
        modeladmin.message_user(
            request,
            _("Not changed — %(reasons)s") % {"reasons": "; ".join(refused)},
            messages.WARNING,
        )


_MEMBERS_REMOVED = ngettext_lazy("%(count)d member removed.", "%(count)d members removed.", "count")
_INVITATIONS_CANCELLED = ngettext_lazy(
    "%(count)d invitation cancelled.", "%(count)d invitations cancelled.", "count"
)
_LINKS_ENDED = ngettext_lazy(
    "%(count)d roster link ended.", "%(count)d roster links ended.", "count"
)


class OrganizationMemberInline(PolicyTabularInline):
    model = OrganizationMember
    fk_name = "organization"
    extra = 0
    fields = ("user", "role", "added_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # added on the member page, through the service

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(PolicyAdmin):
    list_display = ("__str__", "owner", "members_count", "created_at")
    search_fields = ("owner__email", "owner__employer_profile__company_name")
    list_select_related = ("owner", "owner__employer_profile")
    readonly_fields = ("id", "owner", "created_at")
    inlines = [OrganizationMemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(members_total=Count("members"))

    @admin.display(description=_("managers"), ordering="members_total")
    def members_count(self, obj: Any) -> int:  # an Organization annotated by get_queryset
        return obj.members_total


@admin.register(OrganizationMember)
class OrganizationMemberAdmin(PolicyAdmin):
    list_display = ("user", "organization", "role", "added_by", "created_at")
    list_select_related = ("user", "organization__owner", "added_by")
    search_fields = ("user__email", "organization__owner__email")
    raw_id_fields = ("organization", "user")
    readonly_fields = ("role", "added_by", "created_at")
    actions = ["remove_members"]

    # Members join by accepting an invitation (their consent): the policy grants no "add".

    @admin.action(
        description=_("Remove selected members (access ends at once)"),
        permissions=["manage_agencies"],
    )
    def remove_members(self, request, queryset):
        count = 0
        for membership in queryset.select_related("organization", "user"):
            self.audited(
                request,
                membership,
                AuditAction.MEMBER_REMOVE,
                lambda m=membership: services.organization_member_remove(membership=m),
            )
            count += 1
        _report(self, request, count, [], _MEMBERS_REMOVED)


@admin.register(OrganizationInvitation)
class OrganizationInvitationAdmin(PolicyAdmin):
    list_display = ("email", "organization", "status", "created_at", "expires_at")
    list_filter = ("status", "created_at")
    list_select_related = ("organization__owner",)
    search_fields = ("email", "organization__owner__email")
    readonly_fields = (
        "id",
        "organization",
        "email",
        "role",
        "invited_by",
        "status",
        "answered_by",
        "created_at",
        "expires_at",
        "responded_at",
    )
    actions = ["cancel_team_invitations"]

    @admin.action(
        description=_("Cancel selected pending invitations"), permissions=["manage_agencies"]
    )
    def cancel_team_invitations(self, request, queryset):
        _cancel_pending(self, request, queryset, services.organization_invitation_cancel)


@admin.register(AgencyInvitation)
class AgencyInvitationAdmin(PolicyAdmin):
    list_display = ("agency", "model_profile", "status", "created_at", "responded_at")
    list_filter = ("status", "created_at")
    list_select_related = ("agency", "model_profile")
    search_fields = ("agency__email", "model_profile__name")
    readonly_fields = (
        "id",
        "agency",
        "model_profile",
        "message",
        "status",
        "created_at",
        "responded_at",
    )
    actions = ["cancel_invitations"]

    @admin.action(
        description=_("Cancel selected pending invitations"), permissions=["manage_agencies"]
    )
    def cancel_invitations(self, request, queryset):
        _cancel_pending(self, request, queryset, services.agency_invitation_cancel)


@admin.register(RosterMembership)
class RosterMembershipAdmin(PolicyAdmin):
    list_display = ("model_profile", "agency", "photo_consent", "created_at")
    list_filter = ("photo_consent", "created_at")
    list_select_related = ("model_profile", "agency")
    search_fields = ("model_profile__name", "agency__email")
    raw_id_fields = ("agency", "model_profile")
    readonly_fields = ("invitation", "created_at")
    actions = ["end_links"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("agency", "model_profile", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        try:
            if change:
                services.roster_consent_set(link=obj, photo_consent=obj.photo_consent)
                return
            link = services.roster_membership_create_by_staff(
                agency=obj.agency, model_profile=obj.model_profile
            )
            services.roster_consent_set(link=link, photo_consent=obj.photo_consent)
            obj.pk = link.pk
        except DomainError as error:
            self.message_user(
                request, _("Not saved — %(reason)s") % {"reason": error.message}, messages.ERROR
            )

    @admin.action(
        description=_("End selected roster links (both sides are notified)"),
        permissions=["manage_agencies"],
    )
    def end_links(self, request, queryset):
        count = 0
        for link in queryset.select_related("agency", "model_profile"):
            self.audited(
                request,
                link,
                AuditAction.ROSTER_END,
                lambda link=link: services.roster_membership_end(actor=None, link=link),
            )
            count += 1
        _report(self, request, count, [], _LINKS_ENDED)
