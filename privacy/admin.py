"""Scheduled account deletions in the back office: who, when, the flags staff must see before
purging, and "Purge now" (audited through `privacy.services.account_purge`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from billing.models import Payment
from moderation.admin_policy import PolicyAdmin, staff_user
from moderation.models import Report, ReportStatus
from privacy import services
from privacy.models import ScheduledDeletion


@admin.register(ScheduledDeletion)
class ScheduledDeletionAdmin(PolicyAdmin):
    list_display = ("email", "role", "purge_at", "refund_due", "open_report")
    list_filter = ("role",)
    search_fields = ("email",)
    ordering = ("purge_at",)
    fields = ("email", "role", "created_at", "purge_at")
    readonly_fields = fields
    actions = ("purge_now",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_refund_due=Exists(
                    Payment.objects.filter(user_id=OuterRef("pk"), refund_due=True)
                ),
                has_open_report=Exists(
                    Report.objects.filter(target_user_id=OuterRef("pk"), status=ReportStatus.OPEN)
                ),
            )
        )

    @admin.display(boolean=True, description=_("Refund due"))
    def refund_due(self, obj) -> bool:
        # Still deletable: the payment is kept with the tombstone, the refund is paid anyway.
        return obj.has_refund_due

    @admin.display(boolean=True, description=_("Open report"))
    def open_report(self, obj) -> bool:
        return obj.has_open_report

    @admin.action(description=_("Purge now (erase personal data at once)"), permissions=["purge"])
    def purge_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        purged = 0
        for user in queryset:
            services.account_purge(
                user=user, actor=staff_user(request), reason="Purged at once by staff"
            )
            purged += 1
        self.message_user(
            request, _("%(count)d account(s) purged.") % {"count": purged}, messages.SUCCESS
        )
