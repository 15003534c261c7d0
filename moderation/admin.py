"""The moderation back office: the report queue with previews and one-click enforcement,
blocks, and the read-only audit log.

Every state change goes through `moderation.services`, which checks the staff permission
(`moderation.can_ban_users`, `moderation.can_enforce`, `moderation.change_report`) and writes
the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import truncatechars
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from moderation import selectors, services
from moderation.models import AuditLogEntry, Block, Report, ReportStatus, TargetType
from mwork.api.exceptions import DomainError

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
        return format_html("<em>no image</em>")
    return format_html(
        '<img src="{}" alt="reported photo" class="moderation-thumb" '
        'style="max-height:{}px;max-width:{}px;border-radius:4px">',
        default_storage.url(name),
        size,
        size,
    )


def target_label(report: Report, obj: Any) -> SafeString:
    """A link to the reported object in admin (or a note when it is gone)."""
    if obj is None:
        return format_html("<em>{} {} (deleted)</em>", report.target_type, report.target_id)
    return _admin_link(obj, f"{report.get_target_type_display()}: {truncatechars(str(obj), 40)}")


def target_preview(report: Report, obj: Any, *, large: bool = False) -> SafeString:
    """What the moderator needs to judge a report without opening the object."""
    if obj is None:
        return format_html("<em>The reported object no longer exists.</em>")
    kind = report.target_type
    if kind == TargetType.PHOTO:
        return _image(obj.thumbnail if not large else obj.image, 400 if large else 80)
    if kind == TargetType.MESSAGE:
        room = _admin_link(obj.room, "room") if getattr(obj, "room", None) else "room"
        return format_html(
            "“{}”<br><small>by {} in {} at {:%Y-%m-%d %H:%M}</small>",
            obj.content if large else truncatechars(obj.content, 160),
            obj.sender.email,
            room,
            obj.created_at,
        )
    if kind == TargetType.CASTING:
        pay = ""
        if obj.pay_min or obj.pay_max:
            pay = f" · {obj.pay_min or 0}-{obj.pay_max or '…'} ₸"
        return format_html(
            "<strong>{}</strong><br><small>{} · {} · shoot {:%Y-%m-%d}{}{} · by {}</small>{}",
            obj.title,
            obj.city,
            obj.get_status_display(),
            obj.shoot_date,
            pay,
            " · HIDDEN" if obj.is_hidden else "",
            obj.owner.email,
            format_html("<p>{}</p>", truncatechars(obj.description, 600)) if large else "",
        )
    if kind == TargetType.MODEL_PROFILE:
        return format_html(
            "{}<strong>{}</strong><br><small>{} · {}{}</small>",
            _image(obj.main_thumbnail, 60) if obj.main_thumbnail else "",
            obj.name,
            obj.city or "no city",
            obj.user.email,
            " · HIDDEN" if obj.is_hidden else "",
        )
    if kind == TargetType.EMPLOYER_PROFILE:
        return format_html(
            "<strong>{}</strong><br><small>{} · {}</small>",
            obj.company_name,
            obj.city or "no city",
            obj.user.email,
        )
    return format_html("{} · {} · {}", obj.email, obj.role, "active" if obj.is_active else "BANNED")


class ReportChangeList(ChangeList):
    """Loads the reported objects of the page in one query per target type."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        reports = list(self.result_list)
        targets = selectors.report_targets_for_staff(reports=reports)
        for report in reports:
            report._target = targets.get((report.target_type, str(report.target_id)))
        self.result_list = reports


def _target_of(report: Report) -> Any:
    target = getattr(report, "_target", _MISSING)
    if target is _MISSING:
        target = selectors.report_target_for_staff(report=report)
        report._target = target
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
    "resolve": "Resolve",
    "dismiss": "Dismiss",
    "ban": "Ban the user",
    "hide_casting": "Hide the casting",
    "remove_photo": "Remove the photo",
    "delete_message": "Delete the message",
}


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "status",
        "reason",
        "target",
        "preview",
        "reported_user",
        "reporter",
    )
    list_display_links = ("created_at",)
    list_filter = ("status", "target_type", "reason")
    list_select_related = ("reporter", "target_user", "resolved_by")
    search_fields = ("=id", "=target_id", "reporter__email", "target_user__email", "comment")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    list_per_page = 50
    readonly_fields = (
        "id",
        "status",
        "reporter",
        "target_type",
        "target_id",
        "target",
        "preview_large",
        "target_user",
        "reason",
        "comment",
        "resolved_by",
        "resolved_at",
        "resolution_note",
        "created_at",
        "audit_trail",
    )
    fields = readonly_fields
    actions = (
        "resolve_reports",
        "dismiss_reports",
        "ban_reported_users",
        "hide_reported_castings",
        "remove_reported_photos",
        "delete_reported_messages",
    )
    change_form_template = "admin/moderation/report/change_form.html"

    # --- permissions ---------------------------------------------------------------------
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from users through the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # closed, never deleted: they are the history of a case

    def has_ban_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.BAN_PERMISSION)

    def has_enforce_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.ENFORCE_PERMISSION)

    def get_changelist(self, request: HttpRequest, **kwargs: Any):
        return ReportChangeList

    # --- columns ---------------------------------------------------------------------------
    @admin.display(description="reported object")
    def target(self, report: Report) -> SafeString:
        return target_label(report, _target_of(report))

    @admin.display(description="preview")
    def preview(self, report: Report) -> SafeString:
        return target_preview(report, _target_of(report))

    @admin.display(description="preview")
    def preview_large(self, report: Report) -> SafeString:
        return target_preview(report, _target_of(report), large=True)

    @admin.display(description="reported user")
    def reported_user(self, report: Report) -> SafeString | str:
        user = report.target_user
        if user is None:
            return "—"
        label = user.email if user.is_active else f"{user.email} (banned)"
        return _admin_link(user, label)

    @admin.display(description="audit trail")
    def audit_trail(self, report: Report) -> SafeString | str:
        entries = AuditLogEntry.objects.filter(data__report_id=str(report.pk)) | (
            AuditLogEntry.objects.filter(target_type="report", target_id=str(report.pk))
        )
        rows = [
            (e.created_at.strftime("%Y-%m-%d %H:%M"), e.get_action_display(), e.actor, e.reason)
            for e in entries.select_related("actor").order_by("created_at")
        ]
        if not rows:
            return "—"
        return format_html_join(mark_safe("<br>"), "{} · {} by {} — {}", rows)

    # --- bulk actions ----------------------------------------------------------------------
    def _run(self, request: HttpRequest, queryset, operation: str) -> None:
        done = 0
        for report in queryset.select_related("target_user"):
            try:
                if self._apply(request, report, operation, note=""):
                    done += 1
            except DomainError as error:
                self.message_user(request, f"Report {report.pk}: {error.message}", messages.ERROR)
        self.message_user(
            request, f"{OPERATIONS[operation]}: {done} report(s) handled.", messages.SUCCESS
        )

    @admin.action(description="Resolve selected reports", permissions=["change"])
    def resolve_reports(self, request, queryset) -> None:
        self._run(request, queryset.filter(status=ReportStatus.OPEN), "resolve")

    @admin.action(description="Dismiss selected reports", permissions=["change"])
    def dismiss_reports(self, request, queryset) -> None:
        self._run(request, queryset.filter(status=ReportStatus.OPEN), "dismiss")

    @admin.action(
        description="Ban the reported users (revoke tokens, hide profile, cancel castings)",
        permissions=["ban"],
    )
    def ban_reported_users(self, request, queryset) -> None:
        self._run(request, queryset, "ban")

    @admin.action(description="Hide the reported castings", permissions=["enforce"])
    def hide_reported_castings(self, request, queryset) -> None:
        self._run(request, queryset.filter(target_type=TargetType.CASTING), "hide_casting")

    @admin.action(description="Remove the reported photos", permissions=["enforce"])
    def remove_reported_photos(self, request, queryset) -> None:
        self._run(request, queryset.filter(target_type=TargetType.PHOTO), "remove_photo")

    @admin.action(description="Delete the reported messages", permissions=["enforce"])
    def delete_reported_messages(self, request, queryset) -> None:
        self._run(request, queryset.filter(target_type=TargetType.MESSAGE), "delete_message")

    def _apply(self, request: HttpRequest, report: Report, operation: str, *, note: str) -> bool:
        """Run one operation on one report through the services; False when not applicable."""
        actor = request.user
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
        expected = {
            "hide_casting": (TargetType.CASTING, services.casting_hide, "casting"),
            "remove_photo": (TargetType.PHOTO, services.photo_remove, "photo"),
            "delete_message": (TargetType.MESSAGE, services.message_delete, "message"),
        }.get(operation)
        if expected is None or report.target_type != expected[0]:
            return False
        _, service, argument = expected
        service(actor=actor, reason=reason, report=report_arg, **{argument: target})
        return True

    # --- one-click buttons on the report page ------------------------------------------------
    def get_urls(self):
        info = (self.opts.app_label, self.opts.model_name)
        return [
            path(
                "<path:object_id>/enforce/",
                self.admin_site.admin_view(self.enforce_view),
                name=f"{info[0]}_{info[1]}_enforce",
            ),
            *super().get_urls(),
        ]

    def available_operations(self, request: HttpRequest, report: Report) -> list[tuple[str, str]]:
        target = _target_of(report)
        allowed: list[str] = []
        if report.status == ReportStatus.OPEN and self.has_change_permission(request, report):
            allowed += ["resolve", "dismiss"]
        user = report.target_user
        banable = user is not None and user.is_active and not user.is_staff
        if banable and self.has_ban_permission(request):
            allowed.append("ban")
        if target is not None and self.has_enforce_permission(request):
            if report.target_type == TargetType.CASTING and not target.is_hidden:
                allowed.append("hide_casting")
            elif report.target_type == TargetType.PHOTO:
                allowed.append("remove_photo")
            elif report.target_type == TargetType.MESSAGE:
                allowed.append("delete_message")
        return [(key, OPERATIONS[key]) for key in allowed]

    def enforce_view(self, request: HttpRequest, object_id: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        report = get_object_or_404(Report.objects.select_related("target_user"), pk=object_id)
        if not self.has_view_permission(request, report):
            raise DjangoPermissionDenied
        operation = request.POST.get("operation", "")
        if operation not in dict(self.available_operations(request, report)):
            raise DjangoPermissionDenied
        try:
            self._apply(request, report, operation, note=request.POST.get("note", "")[:2000])
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, f"{OPERATIONS[operation]}: done.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:moderation_report_change", args=[report.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        report = self.get_object(request, object_id)
        if report is not None:
            extra_context["moderation_operations"] = self.available_operations(request, report)
            extra_context["moderation_enforce_url"] = reverse(
                "admin:moderation_report_enforce", args=[report.pk]
            )
        extra_context.update(
            show_save=False,
            show_save_and_continue=False,
            show_save_and_add_another=False,
            show_delete=False,
        )
        return super().change_view(request, object_id, form_url, extra_context)


# ---------------------------------------------------------------------------------------------
# Blocks and the audit log: read-only
# ---------------------------------------------------------------------------------------------
class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Block)
class BlockAdmin(_ReadOnlyAdmin):
    list_display = ("created_at", "blocker", "blocked")
    list_select_related = ("blocker", "blocked")
    search_fields = ("blocker__email", "blocked__email", "=blocker__id", "=blocked__id")
    ordering = ("-created_at",)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(_ReadOnlyAdmin):
    """Who did what, when and why. Never editable or deletable, by anyone (superusers too)."""

    list_display = ("created_at", "actor", "action", "target_type", "target_id", "short_reason")
    list_filter = ("action", "target_type")
    list_select_related = ("actor",)
    search_fields = ("=target_id", "actor__email", "reason")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "reason",
        "data",
    )
    fields = readonly_fields

    @admin.display(description="reason")
    def short_reason(self, entry: AuditLogEntry) -> str:
        return truncatechars(entry.reason, 80)

    def get_actions(self, request: HttpRequest):
        return {}  # not even the built-in "delete selected"
