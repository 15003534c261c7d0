"""Optional TOTP for staff, required for superusers and Finance when ADMIN_2FA_REQUIRED is on."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import DEFAULT_PASSWORD
from moderation.staff_policy import FINANCE, MODERATORS, SUPERUSER, SUPPORT
from moderation.tests.admin_world import staff_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def required(settings):
    settings.ADMIN_2FA_REQUIRED = True


def _enrol(user) -> TOTPDevice:
    call_command("staff_totp", "--email", user.email, stdout=StringIO())
    return TOTPDevice.objects.get(user=user)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def _login(client, user, token=""):
    return client.post(
        LOGIN, {"username": user.email, "password": DEFAULT_PASSWORD, "otp_token": token}
    )


@pytest.mark.parametrize("role", [SUPERUSER, FINANCE])
def test_required_roles_cannot_sign_in_without_an_authenticator(role, required, client):
    response = _login(client, staff_user(role))

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "staff_totp" in response.content.decode()


@pytest.mark.parametrize("role", [SUPERUSER, FINANCE])
def test_required_roles_sign_in_with_the_current_code(role, required, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no back-off after the wrong code below
    user = staff_user(role)
    device = _enrol(user)

    wrong = _login(client, user, "000000" if _code(device) != "000000" else "111111")
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    right = _login(client, user, _code(device))

    assert right.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [MODERATORS, SUPPORT])
def test_other_roles_need_no_code_unless_enrolled(role, required, client):
    user = staff_user(role)

    assert _login(client, user).status_code == 302
    client.logout()
    _enrol(user)
    assert _login(client, user).status_code == 200  # enrolled: the code is asked for


def test_an_unverified_session_of_a_required_role_is_sent_to_log_in(required, client):
    client.force_login(staff_user(SUPERUSER))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_off_by_default_in_tests_and_under_make_run(settings, client):
    assert settings.ADMIN_2FA_REQUIRED is False
    assert _login(client, staff_user(SUPERUSER)).status_code == 302


def test_staff_totp_prints_the_enrolment_link():
    user = staff_user(FINANCE)
    out = StringIO()

    call_command("staff_totp", "--email", user.email, stdout=out)

    text = out.getvalue()
    assert text.startswith("otpauth://totp/")
    assert len(text.splitlines()) < 60  # the QR code is drawn in rows, not one character a line
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
