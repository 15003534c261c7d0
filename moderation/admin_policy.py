"""The admin side of the staff policy: every ModelAdmin and inline answers its permission
questions from `moderation.staff_policy`, never from ad-hoc overrides.

- `has_view/add/change/delete_permission` and `has_module_permission` read `MODEL_ACCESS`.
- `has_<capability>_permission` exists for every capability, so an action declares
  `@admin.action(permissions=["refund"])` and Django offers it only to holders.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from moderation import staff_policy


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


for _name in staff_policy.CAPABILITIES:
    setattr(PolicyPermissionsMixin, f"has_{_name}_permission", _capability_check(_name))


class PolicyAdmin(PolicyPermissionsMixin, admin.ModelAdmin):
    """Base of every ModelAdmin of the project."""


class PolicyTabularInline(PolicyPermissionsMixin, admin.TabularInline):
    pass


class PolicyStackedInline(PolicyPermissionsMixin, admin.StackedInline):
    pass
