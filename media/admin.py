"""Back office for portfolio photos: browse with previews, remove through the service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from media.models import Photo
from moderation.admin_links import Link, RelatedLinksMixin, audit_about, reports_on
from moderation.admin_policy import PolicyAdmin, PolicyTabularInline
from moderation.services import photo_remove
from mwork.storage import storage_url


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
    actions = ("remove_photos",)

    @admin.display(description=_("Photo"))
    def preview(self, photo: Photo) -> str:
        return _preview(photo.thumbnail or photo.image)

    @admin.display(description=_("Preview"))
    def large_preview(self, photo: Photo) -> str:
        return _preview(photo.image, size=400)

    # Photos come through the upload pipeline only; removing goes through `remove_photos` (the
    # service promotes the next main photo and removes the files).
    @admin.action(description=_("Remove selected photos (files too)"), permissions=["enforce"])
    def remove_photos(self, request, queryset) -> None:
        removed = 0
        for photo in queryset.select_related("profile"):
            # The moderation service checks the capability again and writes the audit entry.
            photo_remove(actor=request.user, photo=photo, reason="Removed from the photos list")
            removed += 1
        self.message_user(
            request,
            ngettext("%(count)d photo removed.", "%(count)d photos removed.", removed)
            % {"count": removed},
            messages.SUCCESS,
        )


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
