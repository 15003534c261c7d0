"""Back office for castings: moderation actions go through the services."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.defaultfilters import truncatechars
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from castings import employer_trust, services
from castings.models import (
    Casting,
    CastingStatus,
    EmployerReview,
    Response,
    ResponseStatus,
    SavedCasting,
)
from moderation.admin_links import Link, RelatedLinksMixin, audit_about, reports_on
from moderation.admin_policy import PolicyAdmin, PolicyTabularInline
from moderation.models import AuditAction
from mwork.admin_display import json_display
from mwork.api.exceptions import DomainError


class DeletedFilter(admin.SimpleListFilter):
    title = _("deleted by owner")
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return (("no", _("No")), ("yes", _("Yes")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


class ResponseInline(PolicyTabularInline):
    model = Response
    extra = 0
    can_delete = False
    fields = ("model_profile", "status", "message", "portfolio", "applied_at")
    readonly_fields = fields
    show_change_link = False
    ordering = ("-applied_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("model_profile")

    @admin.display(description=_("portfolio links"))
    def portfolio(self, response: Response) -> str:
        return json_display(response.portfolio_links)


@admin.register(Casting)
class CastingAdmin(RelatedLinksMixin, PolicyAdmin):
    def related(self, obj: Casting) -> list[Link]:
        return [
            Link(_("owner"), "accounts.user", pk=obj.owner_id),
            Link(_("responses"), "castings.response", {"casting": obj.pk}),
            Link(_("chat rooms"), "chat.room", {"casting": obj.pk}),
            reports_on(obj.pk),
            audit_about(obj.pk),
        ]

    # Six columns, so the list fits 1440 px: where/what under the title, hidden beside status.
    list_display = (
        "title_card",
        "status_mark",
        "owner",
        "shoot_date",
        "applicants",
        "created_at",
    )
    list_filter = (
        "status",
        "category",
        "city",
        ("owner", admin.RelatedOnlyFieldListFilter),
        "is_hidden",
        DeletedFilter,
        "created_at",
    )
    search_fields = ("title", "description", "city", "owner__email")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    # Status and visibility change only through the actions below (the services' rules).
    readonly_fields = (
        "id",
        "status",
        "is_hidden",
        "ends_at",
        "published_at",
        "matching_notified_at",
        "reminder_sent_at",
        "deleted_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("id", "owner", "title", "description", "category", "status")}),
        (
            _("Where and when"),
            {"fields": ("city", "address", "shoot_date", "duration_days", "ends_at")},
        ),
        (_("Pay"), {"fields": ("pay_min", "pay_max")}),
        (
            _("Requirements"),
            {
                "fields": (
                    "required_gender",
                    ("min_age", "max_age"),
                    ("min_height", "max_height"),
                    "required_experience",
                )
            },
        ),
        (
            _("Moderation and history"),
            {
                "fields": (
                    "is_hidden",
                    "published_at",
                    "matching_notified_at",
                    "reminder_sent_at",
                    "deleted_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    inlines = (ResponseInline,)
    actions = ("approve", "hide", "unhide", "cancel")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                applicant_count=Count(
                    "responses", filter=~Q(responses__status=ResponseStatus.WITHDRAWN)
                )
            )
        )

    @admin.display(description=_("title"), ordering="title")
    def title_card(self, obj: Casting) -> str:
        return format_html(
            "{}<br><small>{} · {}</small>", obj.title, obj.city, obj.get_category_display()
        )

    @admin.display(description=_("status"), ordering="status")
    def status_mark(self, obj: Casting) -> str:
        if obj.is_hidden:
            return format_html("{}<br><small>{}</small>", obj.get_status_display(), _("hidden"))
        return obj.get_status_display()

    @admin.display(description=_("responses"), ordering="applicant_count")
    def applicants(self, obj: Any) -> int:  # a Casting annotated by get_queryset
        return obj.applicant_count

    def _change_status(self, request, queryset, status: str, done_message, audit_action) -> None:
        changed, refused = 0, []
        for casting in queryset:
            try:
                self.audited(
                    request,
                    casting,
                    audit_action,
                    partial(
                        services.casting_change_status,
                        casting=casting,
                        status=status,
                        reviewed=True,
                    ),
                )
                changed += 1
            except DomainError as error:
                refused.append(f"{casting.title}: {error.message}")
        if changed:
            self.message_user(request, done_message % {"count": changed}, messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                _("Not changed — %(reasons)s") % {"reasons": "; ".join(refused)},
                messages.WARNING,
            )

    @admin.action(description=_("Approve (publish) selected drafts"), permissions=["publish"])
    def approve(self, request, queryset):
        self._change_status(
            request,
            queryset,
            CastingStatus.ACTIVE,
            ngettext_lazy("%(count)d casting published.", "%(count)d castings published.", "count"),
            AuditAction.CASTING_PUBLISH,
        )

    @admin.action(description=_("Cancel selected castings"), permissions=["publish"])
    def cancel(self, request, queryset):
        self._change_status(
            request,
            queryset,
            CastingStatus.CANCELLED,
            ngettext_lazy("%(count)d casting cancelled.", "%(count)d castings cancelled.", "count"),
            AuditAction.CASTING_CANCEL,
        )

    @admin.action(
        description=_("Hide selected castings from everyone but their owners"),
        permissions=["enforce"],
    )
    def hide(self, request, queryset):
        self._set_hidden(request, queryset, hidden=True)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d casting hidden.", "%(count)d castings hidden.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Show selected hidden castings again"), permissions=["enforce"])
    def unhide(self, request, queryset):
        self._set_hidden(request, queryset, hidden=False)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d casting visible.", "%(count)d castings visible.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def _set_hidden(self, request, queryset, *, hidden: bool) -> None:
        action = AuditAction.CASTING_HIDE if hidden else AuditAction.CASTING_UNHIDE
        for casting in queryset.filter(is_hidden=not hidden):
            self.audited(
                request,
                casting,
                action,
                partial(services.casting_set_hidden, casting=casting, hidden=hidden),
            )


@admin.register(Response)
class ResponseAdmin(RelatedLinksMixin, PolicyAdmin):
    def related(self, obj: Response) -> list[Link]:
        return [
            Link(_("casting"), "castings.casting", pk=obj.casting_id),
            Link(_("model profile"), "profiles.modelprofile", pk=obj.model_profile_id),
        ]

    list_display = ("casting", "model_profile", "status", "applied_at")
    list_filter = ("status", "applied_at")
    search_fields = ("casting__title", "model_profile__name", "model_profile__user__email")
    list_select_related = ("casting", "model_profile")
    raw_id_fields = ("casting", "model_profile")
    readonly_fields = (
        "id",
        "casting",
        "model_profile",
        "message",
        "portfolio",
        "status",
        "applied_at",
        "status_changed_at",
    )

    @admin.display(description=_("portfolio links"))
    def portfolio(self, response: Response) -> str:
        return json_display(response.portfolio_links)


@admin.register(SavedCasting)
class SavedCastingAdmin(PolicyAdmin):
    list_display = ("user", "casting", "created_at")
    raw_id_fields = ("user", "casting")
    list_select_related = ("user", "casting")
    search_fields = ("user__email", "casting__title")


@admin.register(EmployerReview)
class EmployerReviewAdmin(PolicyAdmin):
    list_display = ("employer", "author", "rating", "short_comment", "casting", "created_at")
    list_filter = ("rating",)
    search_fields = ("employer__company_name", "author__email", "comment")
    list_select_related = ("employer", "author", "casting")
    raw_id_fields = ("employer", "author", "casting")

    @admin.display(description=_("comment"))
    def short_comment(self, review: EmployerReview) -> str:
        return truncatechars(review.comment, 120) or "—"

    def delete_model(self, request, obj) -> None:
        employer_trust.employer_review_delete(review=obj)

    def delete_queryset(self, request, queryset) -> None:
        for review in queryset:
            employer_trust.employer_review_delete(review=review)
