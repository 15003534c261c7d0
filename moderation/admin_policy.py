"""The admin side of the staff policy: every ModelAdmin and inline answers its permission
questions from `moderation.staff_policy`, never from ad-hoc overrides.

- `has_view/add/change/delete_permission` and `has_module_permission` read `MODEL_ACCESS`.
- `has_<capability>_permission` exists for every capability, so an action declares
  `@admin.action(permissions=["refund"])` and Django offers it only to holders.

And every staff write through the admin is audited in one place (`AuditedAdminMixin`): change
form saves, adds and deletes through Django's `log_addition`/`log_change`/`log_deletions`
hooks (called for every admin write, whatever `save_model` does), inline rows in
`save_formset`, and actions through `audited()` around the service call — one `AuditLogEntry`
per object with the before/after of its changed fields.

Bulk actions share one shape (`act_on_each`): the action declares its capability, each selected
object goes through the service (which checks the capability again and is audited), a refusal
is told per object and the count of what was done at the end.

A queue item's own page decides it the same way (`DecisionPageMixin`: the report and the flag
pages): buttons for the operations the staff member's capabilities allow, each posted to one
`<id>/enforce/` view that refuses anything else with 403, then "the next waiting item".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext

from accounts.models import User
from moderation import audit, staff_policy
from moderation.models import AuditAction
from mwork.api.exceptions import DomainError
from mwork.ids import parse_uuid

_T = TypeVar("_T")


def _capability_check(capability: str):
    def check(self, request: HttpRequest, obj: Any = None) -> bool:
        return staff_policy.holds(request.user, capability)

    check.__name__ = f"has_{capability}_permission"
    check.__doc__ = f"Holds the `{capability}` capability (moderation.staff_policy)."
    return check


class PolicyPermissionsMixin:
    """Permission answers from the policy table; for ModelAdmin and InlineModelAdmin alike."""

    opts: Any

    def _allows(self, request: HttpRequest, verb: str) -> bool:
        return staff_policy.model_allows(request.user, self.opts.label_lower, verb)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, "view")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allows(request, "delete")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allows(request, "view")

    def has_capability(self, request: HttpRequest, capability: str) -> bool:
        """`has_<capability>_permission` (added below for every capability)."""
        check: Callable[[HttpRequest], bool] = getattr(self, f"has_{capability}_permission")
        return check(request)


for _name in staff_policy.CAPABILITIES:
    setattr(PolicyPermissionsMixin, f"has_{_name}_permission", _capability_check(_name))


def _before_snapshots(request: HttpRequest) -> dict[tuple[str, str], dict[str, Any]]:
    snapshots: dict[tuple[str, str], dict[str, Any]]
    snapshots = vars(request).setdefault("_audit_before", {})  # kept for the request's life
    return snapshots


def _key(obj: Any) -> tuple[str, str]:
    return (obj._meta.label_lower, str(obj.pk))


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member of an admin request (the admin site lets no one else in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class AuditedAdminMixin(_ModelAdmin):
    """One audit entry per object for every write a staff member makes in the admin."""

    audit_add_action: str = AuditAction.OBJECT_CREATE

    def audited(
        self,
        request: HttpRequest,
        obj: Any,
        action: str,
        write: Callable[[], Any],
        *,
        reason: str = "",
        data: dict[str, Any] | None = None,
    ):
        """Run an action's service call on `obj` and audit it (see `audited_write`)."""
        return audit.audited_write(
            actor=staff_user(request), action=action, obj=obj, write=write, reason=reason, data=data
        )

    def act_on_each(
        self,
        request: HttpRequest,
        objects: Iterable[_T],
        act: Callable[[_T], object],
        *,
        done: str | Promise,
        params: dict[str, Any] | None = None,
        name: Callable[[_T], str] = str,
    ) -> int:
        """A bulk action's body: `act(obj)` on each object — a service call that checks the
        capability again and is audited (by the service or by `audited`); `act` returning False
        means "not applicable here" and is not counted. A `DomainError` is told as
        "<name(obj)>: <reason>" and the loop goes on; then `done` (a text with a `%(count)d`
        placeholder, an `ngettext_lazy(..., "count")` one for plurals, formatted with `params`
        too) says how many were done. Returns that count."""
        count = 0
        for obj in objects:
            try:
                if act(obj) is False:
                    continue
            except DomainError as error:
                self.message_user(request, f"{name(obj)}: {error.message}", messages.ERROR)
                continue
            count += 1
        self.message_user(request, done % {**(params or {}), "count": count}, messages.SUCCESS)
        return count

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            _before_snapshots(request)[_key(obj)] = audit.audit_snapshot(obj)
        return obj

    def _audit(
        self,
        request: HttpRequest,
        obj: Any,
        action: str,
        before: dict,
        after: dict,
        *,
        pk: Any = None,
        label: str = "",
    ):
        changes = audit.audit_changes(before, after)
        if not changes:
            return
        audit.audit_log_write(
            actor=staff_user(request),
            action=action,
            target_type=audit.audit_target_type(obj),
            target_id=obj.pk if pk is None else pk,
            target_label=label or str(obj),
            changes=changes,
        )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any):
        if obj.pk is not None:
            self._audit(request, obj, self.audit_add_action, {}, audit.audit_snapshot(obj))
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any):
        before = _before_snapshots(request).pop(_key(obj), {})
        self._audit(request, obj, AuditAction.OBJECT_CHANGE, before, audit.audit_snapshot(obj))
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any):
        for obj in queryset:
            self._audit(request, obj, AuditAction.OBJECT_DELETE, audit.audit_snapshot(obj), {})
        return super().log_deletions(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        model = formset.model
        stored = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None]
        before = {
            str(obj.pk): audit.audit_snapshot(obj)
            for obj in model._default_manager.filter(pk__in=stored)
        }
        # A deleted row loses its pk: keep it and the label from before the save.
        deleting = [
            (f.instance, f.instance.pk, str(f.instance))
            for f in formset.deleted_forms
            if f.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            self._audit(request, obj, AuditAction.OBJECT_CREATE, {}, audit.audit_snapshot(obj))
        for obj, _fields in formset.changed_objects:
            after = audit.audit_snapshot(obj)
            self._audit(request, obj, AuditAction.OBJECT_CHANGE, before.get(str(obj.pk), {}), after)
        for obj, pk, label in deleting:
            self._audit(
                request,
                obj,
                AuditAction.OBJECT_DELETE,
                before.get(str(pk), {}),
                {},
                pk=pk,
                label=label,
            )


class PolicyAdmin(AuditedAdminMixin, PolicyPermissionsMixin, admin.ModelAdmin):
    """Base of every ModelAdmin of the project."""


class PolicyTabularInline(PolicyPermissionsMixin, admin.TabularInline):
    pass


# ---------------------------------------------------------------------------------------------
# A queue item's decision page
# ---------------------------------------------------------------------------------------------
class DecisionPageMixin(_ModelAdmin):
    """The change page of a queue item (a report, an automatic flag) decides it: no save
    button, a button per operation `available_operations` allows this staff member (their
    capabilities and the item's state), a reason for the audit log, and "then the next waiting
    item". The buttons post to `<id>/enforce/`, which asks `available_operations` again and
    answers 403 to anything it does not list; `decision_apply` runs the operation through the
    services (they check the capability again and audit it). The template part is
    templates/admin/moderation/decision.html, included by each model's change_form.html.
    """

    # Operations that act on someone's account or content: the page asks before sending them.
    decision_confirm: tuple[str, ...] = ()
    decision_note_placeholder: str | Promise = ""
    decision_next_label: str | Promise = ""  # "then open the next …"
    decision_skip_label: str | Promise = ""  # "Skip to the next …"
    decision_none_left: str | Promise = ""  # "No open … left."

    def available_operations(
        self, request: HttpRequest, obj: Any
    ) -> list[tuple[str, str | Promise]]:
        """(operation, button label) for this staff member on `obj`, in button order."""
        raise NotImplementedError

    def decision_apply(self, request: HttpRequest, obj: Any, operation: str, *, note: str) -> Any:
        """Run one listed operation on `obj` (raises `DomainError` when the state forbids it)."""
        raise NotImplementedError

    def decision_next(self, after: Any | None) -> Any | None:
        """The next waiting item other than `after` (None: the queue is empty)."""
        raise NotImplementedError

    def decision_object(self, object_id: str) -> Any:
        return get_object_or_404(self.model._default_manager.all(), pk=object_id)

    def _decision_url(self, name: str, *args: Any) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def get_urls(self) -> list[URLPattern]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/enforce/",
                self.admin_site.admin_view(self.enforce_view),
                name=f"{prefix}_enforce",
            ),
            path("next/", self.admin_site.admin_view(self.next_view), name=f"{prefix}_next"),
            *super().get_urls(),
        ]

    def _next_url(self, request: HttpRequest, after: Any | None) -> str:
        following = self.decision_next(after)
        if following is None:
            self.message_user(request, str(self.decision_none_left), messages.INFO)
            return self._decision_url("changelist")
        return self._decision_url("change", following.pk)

    def next_view(self, request: HttpRequest) -> HttpResponse:
        """The waiting item that comes first (the queue's "start my shift" link)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        after_id = parse_uuid(request.GET.get("after"))
        current = self.model._default_manager.filter(pk=after_id).first() if after_id else None
        return HttpResponseRedirect(self._next_url(request, current))

    def enforce_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.decision_object(object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        operation = request.POST.get("operation", "")
        labels = dict(self.available_operations(request, obj))
        if operation not in labels:
            raise PermissionDenied
        try:
            self.decision_apply(request, obj, operation, note=request.POST.get("note", "")[:2000])
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(self._decision_url("change", obj.pk))
        self.message_user(
            request,
            gettext("%(operation)s: done.") % {"operation": labels[operation]},
            messages.SUCCESS,
        )
        if request.POST.get("_next"):
            return HttpResponseRedirect(self._next_url(request, obj))
        return HttpResponseRedirect(self._decision_url("change", obj.pk))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context.update(
                moderation_operations=[
                    (key, label, key in self.decision_confirm)
                    for key, label in self.available_operations(request, obj)
                ],
                moderation_enforce_url=self._decision_url("enforce", obj.pk),
                moderation_next_url=(
                    self._decision_url("next") + "?" + urlencode({"after": obj.pk})
                ),
                moderation_note_placeholder=self.decision_note_placeholder,
                moderation_next_label=self.decision_next_label,
                moderation_skip_label=self.decision_skip_label,
            )
        extra_context.update(
            show_save=False,
            show_save_and_continue=False,
            show_save_and_add_another=False,
            show_delete=False,
        )
        return super().change_view(request, object_id, form_url, extra_context)


# ---------------------------------------------------------------------------------------------
# Pickers gated by a capability instead of "view" on the picked model
# ---------------------------------------------------------------------------------------------
class CapabilityAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete answers only to holders of `capability` (Finance picks a user to
    grant a subscription to without seeing the users list), and only within `limit`."""

    capability: str = ""
    limit: dict[str, Any] = {}

    def has_perm(self, request: HttpRequest, obj: Any = None) -> bool:
        return staff_policy.holds(request.user, self.capability)

    def get_queryset(self):
        return super().get_queryset().filter(**self.limit)


class CapabilityAutocompleteSelect(AutocompleteSelect):
    """The admin's select2 picker, fed by a `CapabilityAutocompleteJsonView` URL."""

    def __init__(self, field: Any, admin_site: Any, url_name: str, **kwargs: Any) -> None:
        self.picker_url_name = url_name
        super().__init__(field, admin_site, **kwargs)

    def get_url(self) -> str:
        return reverse(self.picker_url_name)
