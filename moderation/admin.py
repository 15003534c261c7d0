"""The moderation back office: the report queue with previews and one-click enforcement,
blocks, and the read-only audit log.

Every state change goes through `moderation.services`, which checks the staff permission
(`moderation.can_ban_users`, `moderation.can_enforce`, `moderation.change_report`) and writes
the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.core.files.storage import default_storage
from django.db.models import F
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import truncatechars
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import admin as accounts_admin
from accounts.models import Block, User
from media import admin as media_admin
from media.models import Photo
from moderation import selectors, services
from moderation.admin_policy import (
    AuditedAdminMixin,
    DecisionPageMixin,
    PolicyAdmin,
    PolicyPermissionsMixin,
    staff_user,
)

# Registers the automatic half of the queue, the rule set and trust facts (docs/SAFETY.md).
from moderation.admin_safety import WaitingFirstStatusFilter, attach_trust_facts
from moderation.models import AuditAction, AuditLogEntry, Report, ReportStatus
from mwork.admin_display import json_display
from safety.models import TargetKind
from safety.services import TRUST_LEVEL_LABELS, trust_level

# Deletes go one object at a time through the change page, where they are audited.
admin.site.disable_action("delete_selected")


# Third-party admins under the staff policy: groups are synced from it (read-only here); the
# refresh-token bookkeeping is no staff business.
admin.site.unregister(Group)
# Authenticators are enrolled with `manage.py staff_totp`, not edited in the admin.
for _model in (OutstandingToken, BlacklistedToken, TOTPDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(Group)
class StaffGroupAdmin(AuditedAdminMixin, PolicyPermissionsMixin, GroupAdmin):
    pass


# ---------------------------------------------------------------------------------------------
# Previews of reported objects
# ---------------------------------------------------------------------------------------------
_MISSING = object()


def _admin_link(obj: Any, label: str) -> SafeString:
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return format_html("{}", label)
    return format_html('<a href="{}">{}</a>', url, label)


def _image(name: str, size: int) -> SafeString:
    if not name:
        return format_html("<em>{}</em>", gettext("no image"))
    return format_html(
        '<img src="{}" alt="{}" class="moderation-thumb" '
        'style="max-height:{}px;max-width:{}px;border-radius:4px">',
        default_storage.url(name),
        gettext("reported photo"),
        size,
        size,
    )


def _when(value: Any, format_name: str = "SHORT_DATETIME_FORMAT") -> str:
    """A datetime as staff read it: in the active (platform) time zone, localized."""
    if value is None:
        return "—"
    return date_format(timezone.localtime(value), format_name)


def _hidden_mark(obj: Any) -> str:
    return " · " + gettext("HIDDEN") if getattr(obj, "is_hidden", False) else ""


def target_label(report: Report, obj: Any) -> SafeString:
    """A link to the reported object in admin (or a note when it is gone)."""
    if obj is None:
        return format_html(
            "<em>{}</em>",
            gettext("%(kind)s %(id)s (deleted)")
            % {"kind": report.get_target_type_display(), "id": report.target_id},
        )
    return _admin_link(obj, str(report.get_target_type_display()))


def target_preview(report: Report, obj: Any) -> SafeString:
    """One line per report in the queue; the decision page shows the full evidence."""
    if obj is None:
        return format_html("<em>{}</em>", gettext("The reported object no longer exists."))
    kind = report.target_type
    if kind == TargetKind.PHOTO:
        return _image(obj.thumbnail or obj.image, 80)
    if kind == TargetKind.MESSAGE:
        return format_html(
            "“{}”<br><small>{} · {}</small>",
            truncatechars(obj.content, 160),
            obj.sender.email,
            _when(obj.created_at),
        )
    if kind == TargetKind.CASTING:
        return format_html(
            "<strong>{}</strong><br><small>{} · {} · {}{}</small>",
            truncatechars(obj.title, 80),
            obj.city,
            obj.get_status_display(),
            _when(obj.shoot_date, "SHORT_DATE_FORMAT"),
            _hidden_mark(obj),
        )
    if kind == TargetKind.MODEL_PROFILE:
        return format_html(
            "{}<strong>{}</strong><br><small>{}{}</small>",
            _image(obj.main_thumbnail, 48) if obj.main_thumbnail else "",
            obj.name,
            obj.city or "—",
            _hidden_mark(obj),
        )
    if kind == TargetKind.EMPLOYER_PROFILE:
        return format_html(
            "<strong>{}</strong><br><small>{}</small>", obj.company_name, obj.city or "—"
        )
    return format_html(
        "{} · {}{}",
        obj.email,
        obj.get_role_display() if hasattr(obj, "get_role_display") else obj.role,
        "" if obj.is_active else " · " + gettext("BANNED"),
    )


class ReportChangeList(ChangeList):
    """Loads the reported objects of the page in one query per target type."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        reports = list(self.result_list)
        attach_trust_facts([u for r in reports for u in (r.reporter, r.target_user)])
        targets = selectors.report_targets_for_staff(reports=reports)
        for report in reports:
            vars(report)["_target"] = targets.get((report.target_type, str(report.target_id)))
        self.result_list = reports


def _trust_of(user: Any) -> SafeString | str:
    if user is None:
        return ""
    level = trust_level(user=user)
    return format_html(
        '<small class="trust-level" data-level="{}">({})</small>',
        level.label,
        TRUST_LEVEL_LABELS[level],
    )


def _target_of(report: Report) -> Any:
    target = vars(report).get("_target", _MISSING)  # cached on the instance by the list/page
    if target is _MISSING:
        target = selectors.report_target_for_staff(report=report)
        vars(report)["_target"] = target
    return target


def _reason(report: Report, note: str = "") -> str:
    text = note.strip() or f"Report {report.pk}: {report.get_reason_display()}"
    if not note.strip() and report.comment:
        text += f" — {truncatechars(report.comment, 300)}"
    return text


# ---------------------------------------------------------------------------------------------
# Report queue
# ---------------------------------------------------------------------------------------------
OPERATIONS = {
    "resolve": _("Resolve"),
    "dismiss": _("Dismiss"),
    "ban": _("Ban the user"),
    "hide_casting": _("Hide the casting"),
    "remove_photo": _("Remove the photo"),
    "delete_message": _("Delete the message"),
}
# Decisions that act on someone else's account or content: the page asks before sending them.
ENFORCEMENTS = ("ban", "hide_casting", "remove_photo", "delete_message")
ALL_STATUSES = WaitingFirstStatusFilter.ALL


class ReportStatusFilter(WaitingFirstStatusFilter):
    statuses = ReportStatus
    waiting = ReportStatus.OPEN


@admin.register(Report)
class ReportAdmin(DecisionPageMixin, PolicyAdmin):
    # Narrow enough for 1440 px beside the admin's navigation: object and preview share a
    # cell, as do the reporter and the reported user.
    list_display = (
        "waiting",
        "reason_and_status",
        "reported_object",
        "short_comment",
        "people",
        "on_target",
        "against_owner",
    )
    list_display_links = ("waiting",)
    list_filter = (ReportStatusFilter, "target_type", "reason")
    list_select_related = ("reporter", "target_user", "resolved_by")
    search_fields = ("=id", "=target_id", "reporter__email", "target_user__email", "comment")
    # Escalated first (docs/SAFETY.md, "Escalation"), then oldest waiting first.
    ordering = (F("escalated_at").desc(nulls_last=True), "created_at", "id")
    date_hierarchy = "created_at"
    list_per_page = 50
    readonly_fields = (
        "id",
        "status",
        "reporter_link",
        "target_type",
        "target_id",
        "target",
        "evidence",
        "reported_user",
        "against_owner",
        "reason",
        "comment",
        "resolved_by",
        "resolved_at",
        "resolution_note",
        "created_at",
        "audit_trail",
    )
    fieldsets = (
        (
            _("Report"),
            {"fields": ("status", "reason", "comment", "reporter_link", "created_at", "id")},
        ),
        (
            _("Evidence"),
            {"fields": ("target", "evidence", "reported_user", "against_owner")},
        ),
        (
            _("History"),
            {
                "fields": ("resolved_by", "resolved_at", "resolution_note", "audit_trail"),
                "classes": ("collapse",),
            },
        ),
    )
    actions = (
        "resolve_reports",
        "dismiss_reports",
        "ban_reported_users",
        "hide_reported_castings",
        "remove_reported_photos",
        "delete_reported_messages",
    )
    change_form_template = "admin/moderation/report/change_form.html"
    change_list_template = "admin/moderation/report/change_list.html"

    def get_changelist(self, request: HttpRequest, **kwargs: Any):
        return ReportChangeList

    def get_queryset(self, request: HttpRequest):
        return selectors.report_queue_annotate(super().get_queryset(request))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The count columns link to "reports on this object" and "reports against this user".
        if lookup in ("target_id", "target_user__id__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)

    # --- columns ---------------------------------------------------------------------------
    @admin.display(description=_("reason"), ordering="reason")
    def reason_and_status(self, report: Report) -> SafeString:
        # The source (user reports here; automatic items are in "Automatic flags").
        source = self.source(report)
        if report.status == ReportStatus.OPEN:
            return format_html("{}<br><small>{}</small>", report.get_reason_display(), source)
        return format_html(
            "{}<br><small>{} · {}</small>",
            report.get_reason_display(),
            report.get_status_display(),
            source,
        )

    @admin.display(description=_("reported object"))
    def reported_object(self, report: Report) -> SafeString:
        target = _target_of(report)
        return format_html(
            '<div class="moderation-object"><small>{}</small><br>{}</div>',
            target_label(report, target),
            target_preview(report, target),
        )

    @admin.display(description=_("reporter → reported user"))
    def people(self, report: Report) -> SafeString:
        return format_html(
            "{}<br>{}<br>→ {}<br>{}",
            self.reporter_link(report),
            _trust_of(report.reporter),
            self.reported_user(report),
            _trust_of(report.target_user),
        )

    @admin.display(description=_("source"))
    def source(self, report: Report) -> SafeString:
        if report.escalated_at:
            return format_html("{} · <strong>{}</strong>", gettext("user"), gettext("escalated"))
        return format_html("{}", gettext("user"))

    @admin.display(description=_("waiting since"), ordering="created_at")
    def waiting(self, report: Report) -> SafeString:
        return format_html(
            "{}<br><small>{}</small>", _when(report.created_at), timesince(report.created_at)
        )

    @admin.display(description=_("reported object"))
    def target(self, report: Report) -> SafeString:
        return target_label(report, _target_of(report))

    @admin.display(description=_("preview"))
    def preview(self, report: Report) -> SafeString:
        return target_preview(report, _target_of(report))

    @admin.display(description=_("comment"))
    def short_comment(self, report: Report) -> str:
        return truncatechars(report.comment, 120) or "—"

    @admin.display(description=_("reporter"), ordering="reporter__email")
    def reporter_link(self, report: Report) -> SafeString:
        return _admin_link(report.reporter, report.reporter.email)

    @admin.display(description=_("reported user"), ordering="target_user__email")
    def reported_user(self, report: Report) -> SafeString | str:
        user = report.target_user
        if user is None:
            return "—"
        label = (
            user.email if user.is_active else gettext("%(email)s (banned)") % {"email": user.email}
        )
        return _admin_link(user, label)

    @admin.display(description=_("on the object"), ordering="on_target_count")
    def on_target(self, report: Report) -> SafeString:
        query: dict[str, Any] = {"target_id": report.target_id, "status": ALL_STATUSES}
        return format_html(
            '<a href="{}?{}" data-count="on-target">{}</a>',
            reverse("admin:moderation_report_changelist"),
            urlencode(query),
            getattr(report, "on_target_count", "?"),
        )

    @admin.display(description=_("against the user"), ordering="owner_report_count")
    def against_owner(self, report: Report) -> SafeString | str:
        if report.target_user_id is None:
            return "—"
        query: dict[str, Any] = {
            "target_user__id__exact": report.target_user_id,
            "status": ALL_STATUSES,
        }
        return format_html(
            '<a href="{}?{}" data-count="against-owner">{}</a>',
            reverse("admin:moderation_report_changelist"),
            urlencode(query),
            getattr(report, "owner_report_count", "?"),
        )

    @admin.display(description=_("evidence"))
    def evidence(self, report: Report) -> SafeString:
        evidence = selectors.report_evidence(report=report)
        vars(report)["_target"] = evidence["target"]
        return render_to_string(
            "admin/moderation/report/evidence.html", {"report": report, **evidence}
        )

    @admin.display(description=_("audit trail"))
    def audit_trail(self, report: Report) -> SafeString | str:
        entries = AuditLogEntry.objects.filter(data__report_id=str(report.pk)) | (
            AuditLogEntry.objects.filter(target_type="report", target_id=str(report.pk))
        )
        rows = [
            (
                reverse("admin:moderation_auditlogentry_change", args=[e.pk]),
                _when(e.created_at),
                e.get_action_display(),
                e.actor,
                e.reason,
            )
            for e in entries.select_related("actor").order_by("created_at")
        ]
        if not rows:
            return "—"
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a> · {} · {} — {}', rows)

    # --- bulk actions ----------------------------------------------------------------------
    def _run(self, request: HttpRequest, queryset, operation: str) -> None:
        self.act_on_each(
            request,
            queryset.select_related("target_user"),
            lambda report: self._apply(request, report, operation, note=""),
            done=_("%(operation)s: %(count)s report(s) handled."),
            params={"operation": OPERATIONS[operation]},
            name=lambda report: str(report.pk),
        )

    @admin.action(description=_("Resolve selected reports"), permissions=["resolve"])
    def resolve_reports(self, request, queryset) -> None:
        self._run(request, queryset.filter(status=ReportStatus.OPEN), "resolve")

    @admin.action(description=_("Dismiss selected reports"), permissions=["resolve"])
    def dismiss_reports(self, request, queryset) -> None:
        self._run(request, queryset.filter(status=ReportStatus.OPEN), "dismiss")

    @admin.action(
        description=_("Ban the reported users (revoke tokens, hide profile, cancel castings)"),
        permissions=["ban"],
    )
    def ban_reported_users(self, request, queryset) -> None:
        self._run(request, queryset, "ban")

    @admin.action(description=_("Hide the reported castings"), permissions=["enforce"])
    def hide_reported_castings(self, request, queryset) -> None:
        self._run(request, queryset.filter(target_type=TargetKind.CASTING), "hide_casting")

    @admin.action(description=_("Remove the reported photos"), permissions=["enforce"])
    def remove_reported_photos(self, request, queryset) -> None:
        self._run(request, queryset.filter(target_type=TargetKind.PHOTO), "remove_photo")

    @admin.action(description=_("Delete the reported messages"), permissions=["enforce"])
    def delete_reported_messages(self, request, queryset) -> None:
        self._run(request, queryset.filter(target_type=TargetKind.MESSAGE), "delete_message")

    def _apply(self, request: HttpRequest, report: Report, operation: str, *, note: str) -> bool:
        """Run one operation on one report through the services; False when not applicable."""
        actor = staff_user(request)
        reason = _reason(report, note)
        if operation == "resolve":
            services.report_resolve(actor=actor, report=report, note=note)
            return True
        if operation == "dismiss":
            services.report_dismiss(actor=actor, report=report, note=note)
            return True
        if operation == "ban":
            if report.target_user is None:
                return False
            report_arg = report if report.status == ReportStatus.OPEN else None
            services.user_ban(
                actor=actor, user=report.target_user, reason=reason, report=report_arg
            )
            return True
        target = selectors.report_target_for_staff(report=report)
        if target is None:
            return False
        report_arg = report if report.status == ReportStatus.OPEN else None
        operations: dict[str, tuple[TargetKind, Callable[..., Any], str]] = {
            "hide_casting": (TargetKind.CASTING, services.casting_hide, "casting"),
            "remove_photo": (TargetKind.PHOTO, services.photo_remove, "photo"),
            "delete_message": (TargetKind.MESSAGE, services.message_delete, "message"),
        }
        expected = operations.get(operation)
        if expected is None or report.target_type != expected[0]:
            return False
        _kind, service, argument = expected
        service(actor=actor, reason=reason, report=report_arg, **{argument: target})
        return True

    # --- the decision page (admin_policy.DecisionPageMixin) ---------------------------------
    decision_confirm = ENFORCEMENTS
    decision_note_placeholder = _("Defaults to the report's reason and comment")
    decision_next_label = _("then open the next open report")
    decision_skip_label = _("Skip to the next open report")
    decision_none_left = _("No open reports left.")

    def available_operations(
        self, request: HttpRequest, report: Report
    ) -> list[tuple[str, str | Promise]]:
        target = _target_of(report)
        allowed: list[str] = []
        if report.status == ReportStatus.OPEN and self.has_capability(request, "resolve"):
            allowed += ["resolve", "dismiss"]
        user = report.target_user
        banable = user is not None and user.is_active and not user.is_staff
        if banable and self.has_capability(request, "ban"):
            allowed.append("ban")
        if target is not None and self.has_capability(request, "enforce"):
            if report.target_type == TargetKind.CASTING and not target.is_hidden:
                allowed.append("hide_casting")
            elif report.target_type == TargetKind.PHOTO:
                allowed.append("remove_photo")
            elif report.target_type == TargetKind.MESSAGE:
                allowed.append("delete_message")
        return [(key, OPERATIONS[key]) for key in allowed]

    def decision_apply(self, request: HttpRequest, report: Report, operation: str, *, note: str):
        return self._apply(request, report, operation, note=note)

    def decision_next(self, after: Report | None) -> Report | None:
        return selectors.report_next_open(after=after)

    def decision_object(self, object_id: str) -> Report:
        return get_object_or_404(Report.objects.select_related("target_user"), pk=object_id)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        columns = list(self.list_display)
        # `o` is Django's sort parameter: list_display positions, "-" for descending.
        extra_context["most_reported_query"] = urlencode(
            {
                "o": f"-{columns.index('on_target') + 1}.{columns.index('waiting') + 1}",
                "status": request.GET.get("status", ReportStatus.OPEN),
            }
        )
        extra_context["oldest_first_query"] = urlencode(
            {"status": request.GET.get("status", ReportStatus.OPEN)}
        )
        return super().changelist_view(request, extra_context)


# ---------------------------------------------------------------------------------------------
# Enforcement from the users and photos lists: moderation's services, so the actions join those
# apps' admins here (moderation sits above accounts and media; docs/ARCHITECTURE.md).
# ---------------------------------------------------------------------------------------------
class UserAdmin(accounts_admin.UserAdmin):
    actions = ("ban_users", *accounts_admin.UserAdmin.actions)

    @admin.action(
        description=_("Ban selected users (deactivate and revoke all tokens)"), permissions=["ban"]
    )
    def ban_users(self, request, queryset) -> None:
        # The moderation service checks the permission again, hides the profile, cancels the
        # user's castings and writes the audit log: the same ban as from the report queue.
        actor = staff_user(request)
        self.act_on_each(
            request,
            queryset,
            lambda user: services.user_ban(
                actor=actor, user=user, reason="Banned from the users list"
            ),
            done=ngettext_lazy("%(count)d user banned.", "%(count)d users banned.", "count"),
            name=lambda user: user.email,
        )


class PhotoAdmin(media_admin.PhotoAdmin):
    actions = ("remove_photos", *media_admin.PhotoAdmin.actions)

    # Removing goes through media's `photo_delete` (it promotes the next main photo and removes
    # the files).
    @admin.action(description=_("Remove selected photos (files too)"), permissions=["enforce"])
    def remove_photos(self, request, queryset) -> None:
        # The moderation service checks the capability again and writes the audit entry.
        actor = staff_user(request)
        self.act_on_each(
            request,
            queryset.select_related("profile"),
            lambda photo: services.photo_remove(
                actor=actor, photo=photo, reason="Removed from the photos list"
            ),
            done=ngettext_lazy("%(count)d photo removed.", "%(count)d photos removed.", "count"),
        )


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
admin.site.unregister(Photo)
admin.site.register(Photo, PhotoAdmin)


# ---------------------------------------------------------------------------------------------
# Blocks (an accounts model, shown with the moderation tools) and the audit log: read-only (the
# staff policy grants nobody more than view)
# ---------------------------------------------------------------------------------------------
@admin.register(Block)
class BlockAdmin(PolicyAdmin):
    list_display = ("created_at", "blocker", "blocked")
    list_select_related = ("blocker", "blocked")
    search_fields = ("blocker__email", "blocked__email", "=blocker__id", "=blocked__id")
    ordering = ("-created_at",)


# Audit target types that are report target types, as models (others are "app.model" labels).
_AUDIT_TARGET_MODELS = {
    TargetKind.USER: "accounts.user",
    TargetKind.MODEL_PROFILE: "profiles.modelprofile",
    TargetKind.EMPLOYER_PROFILE: "profiles.employerprofile",
    TargetKind.CASTING: "castings.casting",
    TargetKind.MESSAGE: "chat.message",
    TargetKind.PHOTO: "media.photo",
    "report": "moderation.report",
}


def _audit_model(entry: AuditLogEntry) -> Any:
    label = _AUDIT_TARGET_MODELS.get(entry.target_type, entry.target_type)
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field_label(model: Any, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name) if model else name
    except FieldDoesNotExist:
        return name


def _value(value: Any, model: Any = None, name: str = "") -> str:
    """A stored value as staff read it: choice labels, yes/no, "—" for empty."""
    try:
        choices = dict(model._meta.get_field(name).flatchoices) if model else {}
    except FieldDoesNotExist:
        choices = {}
    if choices and not isinstance(value, list | dict) and value in choices:
        return str(choices[value])
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(PolicyAdmin):
    """Who did what, when and why. Never editable or deletable, by anyone (superusers too).

    Shown readable: the target's name as it was when the entry was written (it survives the
    target's deletion) linked to its admin page, and a table of the changed fields, before and
    after, instead of ids and JSON.
    """

    list_display = ("created_at", "actor_link", "action", "target", "what_changed", "short_reason")
    list_filter = ("action", "target_type")
    list_select_related = ("actor",)
    search_fields = ("=target_id", "target_label", "actor__email", "reason")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "created_at",
        "actor_link",
        "action",
        "target",
        "reason",
        "changes_table",
        "details",
    )
    fields = readonly_fields

    @admin.display(description=_("staff member"), ordering="actor__email")
    def actor_link(self, entry: AuditLogEntry) -> SafeString | str:
        return _admin_link(entry.actor, entry.actor.email) if entry.actor else "—"

    @admin.display(description=_("object"))
    def target(self, entry: AuditLogEntry) -> SafeString:
        model = _audit_model(entry)
        kind = model._meta.verbose_name if model else entry.target_type
        label = entry.target_label or entry.target_id
        if model is None:
            return format_html("{}: {}", kind, label)
        try:
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                args=[entry.target_id],
            )
        except NoReverseMatch:
            return format_html("{}: {}", kind, label)
        return format_html('{}: <a href="{}">{}</a>', capfirst(kind), url, label)

    @admin.display(description=_("changed"))
    def what_changed(self, entry: AuditLogEntry) -> str:
        model = _audit_model(entry)
        parts = [
            f"{_field_label(model, name)}: {_value(before, model, name)} → "
            f"{_value(after, model, name)}"
            for name, (before, after) in sorted((entry.changes or {}).items())
        ]
        return truncatechars("; ".join(parts), 120) or "—"

    @admin.display(description=_("changes"))
    def changes_table(self, entry: AuditLogEntry) -> SafeString | str:
        if not entry.changes:
            return "—"
        model = _audit_model(entry)
        rows = (
            (_field_label(model, name), _value(before, model, name), _value(after, model, name))
            for name, (before, after) in sorted(entry.changes.items())
        )
        return format_html(
            '<table class="audit-changes"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr>'
            "</thead><tbody>{}</tbody></table>",
            gettext("field"),
            gettext("before"),
            gettext("after"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("details"))
    def details(self, entry: AuditLogEntry) -> SafeString | str:
        return json_display(entry.data)

    @admin.display(description=_("reason"))
    def short_reason(self, entry: AuditLogEntry) -> str:
        return truncatechars(entry.reason, 80)


# ---------------------------------------------------------------------------------------------
# Admin login lockouts (django-axes): seen by staff, lifted with the unlock_logins capability
# ---------------------------------------------------------------------------------------------
@admin.register(AccessAttempt)
class AccessAttemptAdmin(PolicyAdmin):
    list_display = ("attempt_time", "ip_address", "username", "failures_since_start", "locked")
    list_filter = ("attempt_time",)
    search_fields = ("ip_address", "username")
    date_hierarchy = "attempt_time"
    readonly_fields = (
        "attempt_time",
        "ip_address",
        "username",
        "user_agent",
        "path_info",
        "failures_since_start",
    )
    fields = readonly_fields
    actions = ("unlock_logins",)

    @admin.display(description=_("locked"), boolean=True)
    def locked(self, attempt: AccessAttempt) -> bool:
        return attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT

    @admin.action(
        description=_("Lift the lockout (delete the failed attempts)"),
        permissions=["unlock_logins"],
    )
    def unlock_logins(self, request: HttpRequest, queryset) -> None:
        self.act_on_each(
            request,
            queryset,
            lambda attempt: self.audited(
                request, attempt, AuditAction.LOGIN_UNLOCK, attempt.delete
            ),
            done=ngettext_lazy("%(count)d lockout lifted.", "%(count)d lockouts lifted.", "count"),
        )


@admin.register(AccessLog)
class AccessLogAdmin(PolicyAdmin):
    list_display = ("attempt_time", "logout_time", "ip_address", "username")
    search_fields = ("ip_address", "username")
    date_hierarchy = "attempt_time"


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(PolicyAdmin):
    list_display = ("attempt_time", "ip_address", "username", "locked_out")
    list_filter = ("locked_out",)
    search_fields = ("ip_address", "username")
    date_hierarchy = "attempt_time"
