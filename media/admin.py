"""Back office for portfolio photos: browse with previews; the photos inline of the model
profile admin (media sits above profiles, so it extends that admin here)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from media.models import Photo
from moderation.admin_links import Link, RelatedLinksMixin, audit_about, reports_on
from moderation.admin_policy import PolicyAdmin, PolicyTabularInline
from mwork.storage import storage_url
from profiles import admin as profiles_admin
from profiles.models import ModelProfile


def _preview(name: str, size: int = 80) -> str:
    url = storage_url(name)
    if not url:
        return "-"
    return format_html(
        '<img src="{}" alt="" style="max-width:{}px;max-height:{}px;border-radius:4px">',
        url,
        size,
        size,
    )


@admin.register(Photo)
class PhotoAdmin(RelatedLinksMixin, PolicyAdmin):
    def related(self, obj: Photo) -> list[Link]:
        return [
            Link(_("model profile"), "profiles.modelprofile", pk=obj.profile_id),
            reports_on(obj.pk),
            audit_about(obj.pk),
        ]

    list_display = ("preview", "profile", "is_main", "order", "width", "height", "created_at")
    list_filter = ("is_main",)
    list_select_related = ("profile",)
    search_fields = ("profile__name", "profile__user__email", "=id", "=profile__id")
    ordering = ("-created_at",)
    list_per_page = 60  # a grid of thumbnails (admin/media/photo/change_list_results.html)
    readonly_fields = (
        "id",
        "profile",
        "large_preview",
        "image",
        "thumbnail",
        "is_main",
        "order",
        "width",
        "height",
        "created_at",
    )
    # Photos come through the upload pipeline only; moderation.admin adds `remove_photos` (an
    # enforcement: moderation sits above media).
    actions: tuple[str, ...] = ()

    @admin.display(description=_("Photo"))
    def preview(self, photo: Photo) -> str:
        return _preview(photo.thumbnail or photo.image)

    @admin.display(description=_("Preview"))
    def large_preview(self, photo: Photo) -> str:
        return _preview(photo.image, size=400)


class PhotoInline(PolicyTabularInline):
    """Read-only thumbnails of a model profile's photos, for the profiles admin."""

    model = Photo
    fields = ("preview", "is_main", "order", "width", "height", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("order", "created_at")

    @admin.display(description=_("Photo"))
    def preview(self, photo: Photo) -> str:
        return _preview(photo.thumbnail or photo.image)


class ModelProfileAdmin(profiles_admin.ModelProfileAdmin):
    """The profiles admin with the profile's photos first (on the change page)."""

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        return [PhotoInline, *inlines] if obj is not None else inlines


admin.site.unregister(ModelProfile)
admin.site.register(ModelProfile, ModelProfileAdmin)
