from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.links import EMAIL_VERIFICATION, PASSWORD_RESET, link_token_make
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import bearer, last_mail_to, login, token_from_mail

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Brand-New-Secret-42"


def post(client, name, body=None):
    return client.post(reverse(f"accounts:{name}"), body or {}, format="json")


def assert_bad_link(response):
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert set(error["details"]) == {"token"}


# --- verify-email ------------------------------------------------------------------------------
def test_register_then_verify_with_the_emailed_link(
    api_client, settings, django_capture_on_commit_callbacks
):
    settings.FRONTEND_URL = "https://mwork.kz"
    with django_capture_on_commit_callbacks(execute=True):
        post(
            api_client,
            "register",
            {"email": "new@example.kz", "password": "SecurePass123!", "role": "employer"},
        )
    message = last_mail_to("new@example.kz")
    assert "https://mwork.kz/verify-email?token=" in message.body

    response = post(api_client, "verify-email", {"token": token_from_mail(message, "verify-email")})

    assert response.status_code == 200
    user = User.objects.get(email="new@example.kz")
    assert user.email_verified
    assert response.json() == {
        "status": "success",
        "data": {
            "user": {
                "id": str(user.pk),
                "email": "new@example.kz",
                "role": "employer",
                "email_verified": True,
                "created_at": user.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        },
    }


def test_verification_token_is_single_use(api_client):
    user = UserFactory(email_verified=False)
    token = link_token_make(user=user, purpose=EMAIL_VERIFICATION)

    assert post(api_client, "verify-email", {"token": token}).status_code == 200
    assert_bad_link(post(api_client, "verify-email", {"token": token}))


def test_verification_token_expires_after_48_hours(api_client):
    user = UserFactory(email_verified=False)
    token = link_token_make(user=user, purpose=EMAIL_VERIFICATION)

    with time_machine.travel(timezone.now() + timedelta(hours=48, minutes=1)):
        assert_bad_link(post(api_client, "verify-email", {"token": token}))
    with time_machine.travel(timezone.now() + timedelta(hours=47)):
        assert post(api_client, "verify-email", {"token": token}).status_code == 200


@pytest.mark.parametrize("token", ["garbage", "eyJ1IjoiMSJ9:1abc:def"])
def test_forged_verification_token_is_refused(api_client, token):
    assert_bad_link(post(api_client, "verify-email", {"token": token}))


def test_reset_token_cannot_verify_email(api_client):
    user = UserFactory(email_verified=False)
    token = link_token_make(user=user, purpose=PASSWORD_RESET)

    assert_bad_link(post(api_client, "verify-email", {"token": token}))
    user.refresh_from_db()
    assert not user.email_verified


def test_verify_email_requires_token(api_client):
    response = post(api_client, "verify-email")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"token"}


# --- resend-verification -----------------------------------------------------------------------
def test_resend_verification_sends_a_new_link(auth_client, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified=False, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        response = post(auth_client(user), "resend-verification")

    assert response.status_code == 200
    assert response.json()["status"] == "success"
    message = last_mail_to(user.email)
    assert message.subject == "Confirm your e-mail address — MWork"
    token = token_from_mail(message, "verify-email")
    assert post(APIClient(), "verify-email", {"token": token}).status_code == 200


def test_resend_verification_answers_the_same_when_already_verified(
    auth_client, django_capture_on_commit_callbacks
):
    verified = UserFactory(email_verified=True)
    unverified = UserFactory(email_verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        first = post(auth_client(verified), "resend-verification")
        second = post(auth_client(unverified), "resend-verification")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert [m.to for m in mail.outbox] == [[unverified.email]]


def test_resend_verification_requires_authentication(api_client):
    response = post(api_client, "resend-verification")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


# --- password-reset ----------------------------------------------------------------------------
def test_password_reset_answers_the_same_for_unknown_addresses(
    api_client, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.kz")
    UserFactory(email="banned@example.kz", is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        known = post(api_client, "password-reset", {"email": "Known@Example.kz"})
        unknown = post(api_client, "password-reset", {"email": "nobody@example.kz"})
        banned = post(api_client, "password-reset", {"email": "banned@example.kz"})

    assert known.status_code == unknown.status_code == banned.status_code == 200
    assert known.json() == unknown.json() == banned.json()
    assert [m.to for m in mail.outbox] == [["known@example.kz"]]


def test_password_reset_validation(api_client):
    response = post(api_client, "password-reset", {"email": "nope"})

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"email"}


def test_password_reset_full_flow_revokes_every_token(
    api_client, settings, django_capture_on_commit_callbacks
):
    settings.FRONTEND_URL = "https://mwork.kz"
    user = UserFactory(email="model@example.kz", email_verified=False)
    session = login(api_client, user.email).json()["data"]
    with django_capture_on_commit_callbacks(execute=True):
        post(api_client, "password-reset", {"email": user.email})
    message = last_mail_to(user.email)
    assert "https://mwork.kz/reset-password?token=" in message.body
    token = token_from_mail(message, "reset-password")

    response = post(
        api_client,
        "password-reset-confirm",
        {"token": token, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "success"
    assert response.json()["message"]
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.email_verified  # the link proved the mailbox
    refresh = post(api_client, "refresh", {"refresh_token": session["refresh_token"]})
    assert refresh.status_code == 401
    assert (
        bearer(APIClient(), session["access_token"]).get(reverse("privacy:me")).status_code == 401
    )
    assert login(api_client, user.email, NEW_PASSWORD).status_code == 200
    # single use: the password changed, so the token no longer matches
    assert_bad_link(
        post(
            api_client,
            "password-reset-confirm",
            {"token": token, "new_password": "Other-Secret-43"},
        )
    )


def test_reset_token_expires_after_an_hour(api_client):
    user = UserFactory()
    token = link_token_make(user=user, purpose=PASSWORD_RESET)

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        response = post(
            api_client, "password-reset-confirm", {"token": token, "new_password": NEW_PASSWORD}
        )

    assert_bad_link(response)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_reset_confirm_validates_the_new_password(api_client):
    user = UserFactory()
    token = link_token_make(user=user, purpose=PASSWORD_RESET)

    response = post(api_client, "password-reset-confirm", {"token": token, "new_password": "123"})

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"new_password"}
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_reset_confirm_requires_both_fields(api_client):
    response = post(api_client, "password-reset-confirm")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"token", "new_password"}


def test_verification_token_cannot_reset_a_password(api_client):
    user = UserFactory(email_verified=False)
    token = link_token_make(user=user, purpose=EMAIL_VERIFICATION)

    assert_bad_link(
        post(api_client, "password-reset-confirm", {"token": token, "new_password": NEW_PASSWORD})
    )


# --- change-password ---------------------------------------------------------------------------
def test_change_password_signs_out_other_sessions_and_returns_new_tokens(api_client):
    user = UserFactory()
    this_device = login(api_client, user.email).json()["data"]
    other_device = login(api_client, user.email).json()["data"]
    client = bearer(APIClient(), this_device["access_token"])

    response = post(
        client, "change-password", {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access_token", "refresh_token", "expires_in"}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert bearer(APIClient(), data["access_token"]).get(reverse("privacy:me")).status_code == 200
    for old in (this_device, other_device):
        assert (
            bearer(APIClient(), old["access_token"]).get(reverse("privacy:me")).status_code == 401
        )
        assert (
            post(api_client, "refresh", {"refresh_token": old["refresh_token"]}).status_code == 401
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"old_password": "Wrong-Passw0rd!", "new_password": NEW_PASSWORD}, "old_password"),
        ({"old_password": DEFAULT_PASSWORD, "new_password": "short"}, "new_password"),
        ({"old_password": DEFAULT_PASSWORD, "new_password": DEFAULT_PASSWORD}, "new_password"),
        ({"new_password": NEW_PASSWORD}, "old_password"),
        ({"old_password": DEFAULT_PASSWORD}, "new_password"),
    ],
)
def test_change_password_validation(auth_client, body, field):
    user = UserFactory()

    response = post(auth_client(user), "change-password", body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert set(response.json()["error"]["details"]) == {field}
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert user.token_version == 0


def test_change_password_requires_authentication(api_client):
    response = post(api_client, "change-password", {"old_password": "a", "new_password": "b"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"
