"""Back office for profiles: filters, photo thumbnails, hide/unhide, promotion, verification.

State-changing actions go through `profiles.services`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from moderation.admin_links import (
    Link,
    RelatedLinksMixin,
    audit_about,
    reports_against,
    reports_on,
)
from moderation.admin_policy import PolicyAdmin, PolicyTabularInline
from moderation.models import AuditAction
from mwork.api.exceptions import ValidationFailed
from mwork.storage import storage_url
from profiles import services
from profiles.models import (
    LANGUAGES_MAX_ITEMS,
    Category,
    EmployerProfile,
    ModelProfile,
    Review,
    WorkExperience,
)


class PromotionActionForm(ActionForm):
    promoted_until = forms.DateField(
        required=False,
        label=_("Promote until"),
        help_text=_("For “Grant promotion until the date”: the last day of the promotion."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


# Offered as ticks on the profile page; a profile's own other languages are added to its list.
COMMON_LANGUAGES = (
    "Kazakh",
    "Russian",
    "English",
    "Uzbek",
    "Kyrgyz",
    "Turkish",
    "Chinese",
    "Korean",
    "German",
    "French",
    "Spanish",
    "Italian",
    "Arabic",
    "Japanese",
)


class ModelProfileAdminForm(forms.ModelForm):
    """Languages and categories (JSON lists in the table) as ticks, never raw JSON."""

    categories = forms.MultipleChoiceField(
        label=_("categories"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("languages"), widget=forms.CheckboxSelectMultiple, required=False
    )
    other_languages = forms.CharField(
        label=_("other languages"),
        required=False,
        help_text=_("Languages not in the list, separated by commas."),
    )

    class Meta:
        model = ModelProfile
        fields = "__all__"  # noqa: DJ007 - the admin shows every field, as without a form

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = list(getattr(self.instance, "languages", None) or [])
        names = list(dict.fromkeys([*COMMON_LANGUAGES, *own]))
        languages = self.fields["languages"]
        if isinstance(languages, forms.ChoiceField):  # the MultipleChoiceField declared above
            languages.choices = [(name, name) for name in names]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        extra = [item.strip() for item in cleaned.get("other_languages", "").split(",")]
        languages = list(dict.fromkeys([*cleaned.get("languages", []), *filter(None, extra)]))
        if len(languages) > LANGUAGES_MAX_ITEMS:
            self.add_error(
                "languages",
                _("At most %(count)d languages.") % {"count": LANGUAGES_MAX_ITEMS},
            )
        cleaned["languages"] = languages
        return cleaned


class CategoryFilter(admin.SimpleListFilter):
    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return Category.choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        # Python-side membership keeps this portable (SQLite has no JSON containment); the
        # admin works on one page at a time, so the id list stays small enough.
        ids = [pk for pk, cats in queryset.values_list("pk", "categories") if value in (cats or [])]
        return queryset.filter(pk__in=ids)


class WorkExperienceInline(PolicyTabularInline):
    model = WorkExperience
    extra = 0
    fields = ("company", "position", "start_date", "end_date")


@admin.register(ModelProfile)
class ModelProfileAdmin(RelatedLinksMixin, PolicyAdmin):
    def related(self, obj: ModelProfile) -> list[Link]:
        return [
            Link(_("user"), "accounts.user", pk=obj.user_id),
            Link(_("photos"), "media.photo", {"profile": obj.pk}),
            Link(_("responses"), "castings.response", {"model_profile": obj.pk}),
            Link(_("subscriptions"), "billing.subscription", {"user": obj.user_id}),
            Link(_("payments"), "billing.payment", {"user": obj.user_id}),
            reports_on(obj.pk),
            reports_against(obj.user_id),
            audit_about(obj.pk),
        ]

    form = ModelProfileAdminForm
    # Eight columns, so the list fits 1440 px: the account under the name, the body
    # measurements in one cell, visibility and promotion in one.
    list_display = (
        "thumbnail",
        "name_card",
        "city",
        "measurements",
        "experience",
        "rating",
        "completeness",
        "visibility",
        "created_at",
    )
    list_display_links = ("thumbnail", "name_card")
    list_filter = ("is_hidden", "gender", "city", CategoryFilter, "experience", "can_travel")
    search_fields = ("name", "user__email", "city")
    list_select_related = ("user",)
    readonly_fields = (
        "thumbnail_large",
        "rating",
        "reviews_count",
        "completeness",
        "main_photo",
        "main_thumbnail",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("user",)
    action_form = PromotionActionForm
    actions = ("hide_profiles", "unhide_profiles", "grant_promotion", "end_promotion")
    ordering = ("-created_at",)

    def get_inlines(self, request, obj):
        return [WorkExperienceInline]  # media.admin puts the photos first

    @admin.display(description=_("name"), ordering="name")
    def name_card(self, obj: ModelProfile) -> str:
        return format_html("{}<br><small>{}</small>", obj.name, obj.user.email)

    @admin.display(description=_("gender · age · height"), ordering="age")
    def measurements(self, obj: ModelProfile) -> str:
        height = f"{obj.height} cm" if obj.height else "—"
        return f"{obj.get_gender_display()} · {obj.age} · {height}"

    @admin.display(description=_("visibility"), ordering="is_hidden")
    def visibility(self, obj: ModelProfile) -> str | Promise:
        if obj.is_hidden:
            return format_html("<strong>{}</strong>", _("hidden"))
        if obj.promoted_until and obj.promoted_until > timezone.now():
            return format_html(
                "{}<br><small>{}</small>",
                _("promoted until"),
                date_format(timezone.localtime(obj.promoted_until), "SHORT_DATE_FORMAT"),
            )
        return _("visible")

    @admin.display(description=_("Photo"))
    def thumbnail(self, obj: ModelProfile) -> str:
        url = storage_url(obj.main_thumbnail or obj.main_photo)
        if not url:
            return "—"
        return format_html('<img src="{}" style="height:48px;border-radius:4px" alt="">', url)

    @admin.display(description=_("Main photo"))
    def thumbnail_large(self, obj: ModelProfile) -> str:
        url = storage_url(obj.main_thumbnail or obj.main_photo)
        if not url:
            return "—"
        return format_html('<img src="{}" style="max-height:200px" alt="">', url)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Staff edits change filled fields: keep completeness true to the profile.
        services.model_profile_refresh_completeness(
            profile=obj, photo_count=services.photo_count(obj)
        )

    @admin.action(
        description=_("Hide selected profiles from the catalogue"), permissions=["enforce"]
    )
    def hide_profiles(self, request: HttpRequest, queryset: QuerySet[ModelProfile]) -> None:
        self._each(
            request,
            queryset,
            AuditAction.PROFILE_HIDE,
            lambda p: services.model_profile_set_hidden(profile=p, is_hidden=True),
        )
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d profile hidden.", "%(count)d profiles hidden.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Show selected profiles again"), permissions=["enforce"])
    def unhide_profiles(self, request: HttpRequest, queryset: QuerySet[ModelProfile]) -> None:
        self._each(
            request,
            queryset,
            AuditAction.PROFILE_UNHIDE,
            lambda p: services.model_profile_set_hidden(profile=p, is_hidden=False),
        )
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d profile visible.", "%(count)d profiles visible.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Grant promotion until the date"), permissions=["promote"])
    def grant_promotion(self, request: HttpRequest, queryset: QuerySet[ModelProfile]) -> None:
        form = PromotionActionForm(request.POST)
        day = form.fields["promoted_until"].clean(request.POST.get("promoted_until") or None)
        if day is None:
            self.message_user(request, _("Pick the last day of the promotion."), messages.ERROR)
            return
        # Until the end of that day in the platform's time zone (Asia/Almaty).
        until = timezone.make_aware(
            dt.datetime.combine(day, dt.time.max.replace(microsecond=0)),
            _platform_tz(),
        )
        try:
            self._each(
                request,
                queryset,
                AuditAction.PROMOTION_GRANT,
                lambda p: services.model_profile_grant_promotion(profile=p, until=until),
            )
        except ValidationFailed as error:
            self.message_user(
                request, _("Not promoted: %(details)s") % {"details": error.details}, messages.ERROR
            )
            return
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)d profile promoted until %(day)s.",
                "%(count)d profiles promoted until %(day)s.",
                count,
            )
            % {"count": count, "day": day},
            messages.SUCCESS,
        )

    @admin.action(description=_("End staff promotion"), permissions=["promote"])
    def end_promotion(self, request: HttpRequest, queryset: QuerySet[ModelProfile]) -> None:
        self._each(
            request,
            queryset,
            AuditAction.PROMOTION_END,
            lambda p: services.model_profile_grant_promotion(profile=p, until=None),
        )
        self.message_user(request, _("Staff promotion ended."), messages.SUCCESS)

    def _each(self, request: HttpRequest, queryset, audit_action: str, write) -> None:
        for profile in queryset:
            self.audited(request, profile, audit_action, partial(write, profile))


def _platform_tz() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    from django.conf import settings

    return ZoneInfo(getattr(settings, "PLATFORM_TIME_ZONE", "Asia/Almaty"))


@admin.register(EmployerProfile)
class EmployerProfileAdmin(RelatedLinksMixin, PolicyAdmin):
    def related(self, obj: EmployerProfile) -> list[Link]:
        return [
            Link(_("user"), "accounts.user", pk=obj.user_id),
            Link(_("castings"), "castings.casting", {"owner": obj.user_id}),
            Link(_("subscriptions"), "billing.subscription", {"user": obj.user_id}),
            Link(_("payments"), "billing.payment", {"user": obj.user_id}),
            reports_on(obj.pk),
            reports_against(obj.user_id),
            audit_about(obj.pk),
        ]

    list_display = ("company_name", "user", "city", "is_verified", "created_at")
    list_filter = ("is_verified", "city")
    search_fields = ("company_name", "user__email", "contact_person", "phone")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")
    actions = ("mark_verified", "mark_unverified")

    @admin.action(description=_("Mark as verified company"), permissions=["verify"])
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[EmployerProfile]) -> None:
        self._verify(request, queryset, verified=True)
        self.message_user(request, _("Marked as verified."), messages.SUCCESS)

    @admin.action(description=_("Remove the verified mark"), permissions=["verify"])
    def mark_unverified(self, request: HttpRequest, queryset: QuerySet[EmployerProfile]) -> None:
        self._verify(request, queryset, verified=False)
        self.message_user(request, _("Verified mark removed."), messages.SUCCESS)

    def _verify(self, request: HttpRequest, queryset, *, verified: bool) -> None:
        action = AuditAction.COMPANY_VERIFY if verified else AuditAction.COMPANY_UNVERIFY
        for profile in queryset:
            self.audited(
                request,
                profile,
                action,
                partial(
                    services.employer_profile_set_verified, profile=profile, is_verified=verified
                ),
            )


@admin.register(Review)
class ReviewAdmin(PolicyAdmin):
    list_display = ("profile", "author", "rating", "casting_id", "created_at")
    list_filter = ("rating",)
    search_fields = ("profile__name", "author__email", "comment")
    list_select_related = ("profile", "author")
    raw_id_fields = ("profile", "author")

    def delete_model(self, request, obj) -> None:
        services.review_delete(review=obj)

    def delete_queryset(self, request, queryset) -> None:
        for review in queryset:
            services.review_delete(review=review)
