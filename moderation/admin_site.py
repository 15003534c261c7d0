"""The back office's admin site: the staff login with an optional second factor (TOTP,
django-otp), required for the roles in `staff_policy.SECOND_FACTOR_ROLES` when
`ADMIN_2FA_REQUIRED` is on (the default with DEBUG off; off under `make run`)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, match_token

from moderation import staff_policy


def second_factor_required(user) -> bool:
    return settings.ADMIN_2FA_REQUIRED and bool(
        staff_policy.roles_of(user) & staff_policy.SECOND_FACTOR_ROLES
    )


class StaffLoginForm(AdminAuthenticationForm):
    """E-mail, password and — for staff with an authenticator enrolled — its current code."""

    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Only if an authenticator app is enrolled for your account."),
    )

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        token = (self.cleaned_data.get("otp_token") or "").strip()
        if list(devices_for_user(user, confirmed=True)):
            device = match_token(user, token) if token else None
            if device is None:
                raise forms.ValidationError(
                    _("Enter the current code from your authenticator app."), code="otp"
                )
            user.otp_device = device  # django-otp marks the session verified at login
        elif second_factor_required(user):
            raise forms.ValidationError(
                _(
                    "Your role signs in with an authenticator app: ask an administrator to "
                    "enrol one (manage.py staff_totp)."
                ),
                code="otp_required",
            )


class StaffAdminSite(AdminSite):
    login_form = StaffLoginForm
    login_template = "admin/mwork_login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        if not second_factor_required(request.user):
            return True
        # django_otp.middleware.OTPMiddleware gives request.user is_verified().
        return request.user.is_verified()  # type: ignore[union-attr]
