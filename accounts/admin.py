"""Staff back office for users: list, search, filters, and the ban / verify actions."""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.models import Consent, LegalDocument, User, normalize_email
from moderation.admin_links import (
    Link,
    RelatedLinksMixin,
    audit_about,
    reports_against,
)
from moderation.admin_policy import AuditedAdminMixin, PolicyAdmin, PolicyPermissionsMixin
from moderation.models import AuditAction


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "role", "language")
        field_classes: dict = {}

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


@admin.register(User)
class UserAdmin(RelatedLinksMixin, AuditedAdminMixin, PolicyPermissionsMixin, DjangoUserAdmin):
    def related(self, obj: User) -> list[Link]:
        profile = getattr(obj, "model_profile", None)
        company = getattr(obj, "employer_profile", None)
        links = []
        if profile is not None:
            links += [
                Link(_("model profile"), "profiles.modelprofile", pk=profile.pk),
                Link(_("responses"), "castings.response", {"model_profile": profile.pk}),
            ]
        if company is not None:
            links.append(Link(_("employer profile"), "profiles.employerprofile", pk=company.pk))
        return [
            *links,
            Link(_("castings"), "castings.casting", {"owner": obj.pk}),
            Link(_("subscriptions"), "billing.subscription", {"user": obj.pk}),
            Link(_("payments"), "billing.payment", {"user": obj.pk}),
            reports_against(obj.pk),
            Link(_("reports filed"), "moderation.report", {"reporter": obj.pk, "status": "all"}),
            audit_about(obj.pk),
            Link(_("audit entries by"), "moderation.auditlogentry", {"actor": obj.pk}),
        ]

    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    list_display = ("email", "role", "email_verified", "is_active", "is_staff", "created_at")
    list_filter = ("role", "email_verified", "is_active", "is_staff")
    search_fields = ("email",)
    ordering = ("-created_at",)
    # "is active" changes only through the ban/unban actions (tokens, profile, audit).
    readonly_fields = ("id", "is_active", "created_at", "last_login", "token_version")
    list_per_page = 50
    show_full_result_count = False  # avoids a COUNT(*) over the whole table on every page
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        (_("Account"), {"fields": ("role", "language", "email_verified")}),
        (
            _("Access"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups"),
                "description": _(
                    "Use the “Ban” and “Unban” actions to deactivate or reactivate a user: a "
                    "ban also revokes every token the user holds. Staff rights come from the "
                    "groups (the staff policy), not from per-user permissions."
                ),
            },
        ),
        (_("Dates"), {"fields": ("created_at", "last_login", "token_version")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "role",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    # moderation.admin adds "ban_users" (the ban is an enforcement: moderation sits above).
    actions: tuple[str, ...] = ("unban_users", "mark_email_verified")

    @admin.action(description=_("Unban selected users"), permissions=["ban"])
    def unban_users(self, request, queryset) -> None:
        done = 0
        for user in queryset.filter(is_active=False):
            self.audited(
                request,
                user,
                AuditAction.USER_UNBAN,
                partial(services.user_unban, user=user, actor=request.user),
            )
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d user unbanned.", "%(count)d users unbanned.", done)
            % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark e-mail verified"), permissions=["verify"])
    def mark_email_verified(self, request, queryset) -> None:
        done = 0
        for user in queryset.filter(email_verified=False):
            self.audited(
                request,
                user,
                AuditAction.EMAIL_VERIFY,
                partial(services.user_mark_email_verified, user=user, actor=request.user),
            )
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d e-mail address marked verified.",
                "%(count)d e-mail addresses marked verified.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )


@admin.register(LegalDocument)
class LegalDocumentAdmin(PolicyAdmin):
    """Staff publish a new version by adding a row; accepted versions are never edited (they
    are what people consented to). Users are asked again through `consents_required`."""

    list_display = ("document", "version", "title", "published_at")
    list_filter = ("document",)
    ordering = ("document", "-published_at")
    fields = ("document", "version", "title", "url", "body", "published_at")

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ()


@admin.register(Consent)
class ConsentAdmin(PolicyAdmin):
    list_display = ("user", "document", "version", "accepted_at", "withdrawn_at")
    list_filter = ("document", "version")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("user", "document", "version", "accepted_at", "ip_address", "user_agent")
    ordering = ("-accepted_at",)
    show_full_result_count = False
