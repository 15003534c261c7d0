from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Language, Role
from moderation.admin_policy import PolicyAdmin
from moderation.audit import audit_log_write
from moderation.models import AuditAction
from mwork.admin_display import json_display
from notifications import services
from notifications.models import Device, Notification, NotificationPreference


class AnnouncementForm(forms.Form):
    """Who gets the announcement (filters combine with AND) and what it says."""

    title = forms.CharField(max_length=200)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=4000)
    roles = forms.MultipleChoiceField(
        choices=[(value, label) for value, label in Role.choices if value != Role.ADMIN],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every role."),
    )
    languages = forms.MultipleChoiceField(
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every language."),
    )
    verified_only = forms.BooleanField(
        required=False, help_text=_("Only verified e-mail addresses.")
    )
    marketing = forms.BooleanField(
        required=False,
        help_text=_("Offers and promotions: sent only to users who opted in to marketing e-mails."),
    )

    def recipients(self):
        users = get_user_model().objects.filter(is_active=True)
        if self.cleaned_data["roles"]:
            users = users.filter(role__in=self.cleaned_data["roles"])
        if self.cleaned_data["languages"]:
            users = users.filter(language__in=self.cleaned_data["languages"])
        if self.cleaned_data["verified_only"]:
            users = users.filter(email_verified=True)
        return users


@admin.register(Notification)
class NotificationAdmin(PolicyAdmin):
    list_display = ("title", "type", "user", "is_read", "created_at")
    list_filter = ("type", "is_read", "created_at")
    search_fields = ("user__email", "type", "title")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    # The JSON fields are written by the delivery code, shown readable, never edited as text.
    exclude = ("data", "push_devices")
    readonly_fields = ("id", "payload", "devices", "created_at")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    change_list_template = "admin/notifications/notification/change_list.html"

    @admin.display(description=_("data"))
    def payload(self, notification: Notification) -> str:
        return json_display(notification.data)

    @admin.display(description=_("push deliveries"))
    def devices(self, notification: Notification) -> str:
        return json_display(notification.push_devices)

    def get_urls(self):
        return [
            path(
                "send-announcement/",
                self.admin_site.admin_view(self.send_announcement_view),
                name="notifications_notification_send_announcement",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        can_announce = self.has_announce_permission(request)
        extra_context = {**(extra_context or {}), "can_announce": can_announce}
        return super().changelist_view(request, extra_context)

    def send_announcement_view(self, request):
        if not self.has_announce_permission(request):
            return HttpResponseRedirect(reverse("admin:notifications_notification_changelist"))
        form = AnnouncementForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user_ids = form.recipients().values_list("id", flat=True)
            queued = services.announcement_send(
                user_ids=user_ids,
                title=form.cleaned_data["title"],
                message=form.cleaned_data["message"],
                marketing=form.cleaned_data["marketing"],
            )
            audit_log_write(
                actor=request.user,
                action=AuditAction.ANNOUNCEMENT_SEND,
                target_type="announcement",
                target_id="-",
                target_label=form.cleaned_data["title"],
                data={"recipients": queued, "marketing": form.cleaned_data["marketing"]},
            )
            self.message_user(
                request,
                ngettext(
                    "Announcement queued for %(count)d user.",
                    "Announcement queued for %(count)d users.",
                    queued,
                )
                % {"count": queued},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:notifications_notification_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Send announcement",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/notifications/send_announcement.html", context)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(PolicyAdmin):
    list_display = (
        "user",
        "email_enabled",
        "push_enabled",
        "new_casting",
        "new_response",
        "response_status_change",
        "new_message",
        "casting_reminder",
    )
    list_filter = ("email_enabled", "push_enabled")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(Device)
class DeviceAdmin(PolicyAdmin):
    list_display = ("user", "platform", "last_seen", "created_at")
    list_filter = ("platform",)
    search_fields = ("user__email", "token")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "last_seen")
