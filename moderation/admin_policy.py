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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

from accounts.models import User
from moderation import audit, staff_policy
from moderation.models import AuditAction
from mwork.api.exceptions import DomainError

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
