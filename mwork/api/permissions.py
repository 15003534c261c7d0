"""Coarse, role-level permission classes. Object rules live in selectors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from mwork.api.exceptions import PermissionDenied


class _RolePermission(BasePermission):
    roles: tuple[str, ...] = ()
    message = _("Your role cannot perform this action.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401 AUTH_REQUIRED
        if user.role not in self.roles:
            raise PermissionDenied(self.message)
        return True


class IsModel(_RolePermission):
    roles = ("model",)
    message = _("Only models can perform this action.")


class IsEmployer(_RolePermission):
    """Employers and agencies: both post castings and hold an employer profile."""

    roles = ("employer", "agency")
    message = _("Only employers and agencies can perform this action.")
