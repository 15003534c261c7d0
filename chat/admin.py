"""Read-only moderation views of rooms and messages.

Reports link here with `/admin/chat/room/?casting__id__exact=<casting id>` or
`/admin/chat/message/?room__id__exact=<room id>`; search takes a participant's e-mail.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chat.models import Membership, Message, Room
from moderation.admin_policy import PolicyAdmin, PolicyTabularInline

# Read-only for everyone: the staff policy grants view only (deleting a message is the
# report queue's "delete the message", which keeps its text in the audit log).


class MembershipInline(PolicyTabularInline):
    model = Membership
    fields = ("user", "last_read_at", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


class HasCastingFilter(admin.SimpleListFilter):
    title = _("casting")
    parameter_name = "has_casting"

    def lookups(self, request, model_admin):
        return (("yes", _("About a casting")), ("no", _("Direct")))

    def queryset(self, request, queryset):
        prefix = "room__" if queryset.model is Message else ""
        if self.value() == "yes":
            return queryset.filter(**{f"{prefix}casting__isnull": False})
        if self.value() == "no":
            return queryset.filter(**{f"{prefix}casting__isnull": True})
        return queryset


@admin.register(Room)
class RoomAdmin(PolicyAdmin):
    list_display = ("id", "participant_emails", "casting", "created_at", "last_message_at")
    list_filter = (HasCastingFilter, "created_at")
    search_fields = ("memberships__user__email", "=id", "=casting__id")
    list_select_related = ("casting",)
    readonly_fields = ("id", "casting", "created_at", "last_message_at")
    fields = readonly_fields
    inlines = (MembershipInline,)
    date_hierarchy = "last_message_at"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__user")

    @admin.display(description=_("participants"))
    def participant_emails(self, room: Room) -> str:
        return ", ".join(m.user.email for m in room.memberships.all())

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if lookup in ("casting__id__exact", "casting__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)


@admin.register(Message)
class MessageAdmin(PolicyAdmin):
    list_display = ("id", "room", "sender", "short_content", "created_at")
    list_filter = (HasCastingFilter, "created_at")
    search_fields = ("sender__email", "room__memberships__user__email", "content", "=room__id")
    list_select_related = ("sender",)
    readonly_fields = ("id", "room", "sender", "content", "created_at")
    fields = readonly_fields
    date_hierarchy = "created_at"

    @admin.display(description=_("content"))
    def short_content(self, message: Message) -> str:
        return message.content if len(message.content) <= 80 else f"{message.content[:79]}…"

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if lookup in ("room__id__exact", "room__casting__id__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)
