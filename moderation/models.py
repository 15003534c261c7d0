"""Reports and the staff audit log (blocks are a fact about two users: `accounts.Block`).

Reports reference other apps' objects only by `target_type` + `target_id` (UUID), never by
foreign key; the target types are `safety.models.TargetKind`, shared with the automatic flags.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.staff_policy import capability_meta_permissions
from safety.models import TargetKind


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    ABUSE = "abuse", _("Abuse")
    FAKE = "fake", _("Fake")
    INAPPROPRIATE = "inappropriate", _("Inappropriate")
    OTHER = "other", _("Other")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class Report(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_filed"
    )
    target_type = models.CharField(max_length=32, choices=TargetKind.choices)
    target_id = models.UUIDField()
    # The user answerable for the target (the author of a message, the owner of a casting…),
    # resolved when the report is filed so the queue can offer "ban user" without a lookup.
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_received",
    )
    reason = models.CharField(max_length=32, choices=ReportReason.choices)
    comment = models.TextField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_handled",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set when enough distinct trusted users reported the target (docs/SAFETY.md,
    # "Escalation"): the target is hidden pending review and the report leads the queue.
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            # One open report per reporter and target; closed ones may be followed by a new one.
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=Q(status="open"),
                name="moderation_report_one_open_per_reporter_target",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]
        # One permission per staff capability (moderation.staff_policy.CAPABILITIES).
        permissions = capability_meta_permissions()

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on {self.target_type} {self.target_id}"


class AuditAction(models.TextChoices):
    REPORT_RESOLVE = "report_resolve", _("Report resolved")
    REPORT_DISMISS = "report_dismiss", _("Report dismissed")
    USER_BAN = "user_ban", _("User banned")
    CASTING_HIDE = "casting_hide", _("Casting hidden")
    PHOTO_REMOVE = "photo_remove", _("Photo removed")
    MESSAGE_DELETE = "message_delete", _("Message deleted")
    PROFILE_HIDE = "profile_hide", _("Profile hidden")
    ACCOUNT_PURGE = "account_purge", _("Account purged")
    FLAG_APPROVE = "flag_approve", _("Automatic flag approved")
    FLAG_REJECT = "flag_reject", _("Automatic flag rejected")
    # Back office (moderation.admin_policy): every other staff write
    USER_UNBAN = "user_unban", _("User unbanned")
    EMAIL_VERIFY = "email_verify", _("E-mail marked verified")
    CASTING_PUBLISH = "casting_publish", _("Casting published")
    CASTING_CANCEL = "casting_cancel", _("Casting cancelled")
    CASTING_UNHIDE = "casting_unhide", _("Casting shown again")
    PROFILE_UNHIDE = "profile_unhide", _("Profile shown again")
    PROMOTION_GRANT = "promotion_grant", _("Promotion granted")
    PROMOTION_END = "promotion_end", _("Promotion ended")
    COMPANY_VERIFY = "company_verify", _("Company verified")
    COMPANY_UNVERIFY = "company_unverify", _("Company verification removed")
    SUBSCRIPTION_GRANT = "subscription_grant", _("Subscription granted")
    SUBSCRIPTION_EXTEND = "subscription_extend", _("Subscription extended")
    SUBSCRIPTION_CANCEL = "subscription_cancel", _("Subscription cancelled")
    PAYMENT_REFUND = "payment_refund", _("Refund recorded")
    MEMBER_REMOVE = "member_remove", _("Team member removed")
    INVITATION_CANCEL = "invitation_cancel", _("Invitation cancelled")
    ROSTER_END = "roster_end", _("Roster link ended")
    ANNOUNCEMENT_SEND = "announcement_send", _("Announcement sent")
    LOGIN_UNLOCK = "login_unlock", _("Login lockout lifted")
    STAFF_CREATE = "staff_create", _("Staff account created")
    OBJECT_CREATE = "object_create", _("Created in the admin")
    OBJECT_CHANGE = "object_change", _("Changed in the admin")
    OBJECT_DELETE = "object_delete", _("Deleted in the admin")


class AuditLogEntry(models.Model):
    """Append-only record of a staff action: who, what, on which object, when and why."""

    id = models.BigAutoField(primary_key=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    target_type = models.CharField(max_length=32)  # a TargetKind value, or "report"
    target_id = models.CharField(max_length=64)
    # What the target was called when the entry was written: still readable after it is deleted.
    target_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    # {field: [before, after]} of the fields the write changed.
    changes = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"
