from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import LegalDocument, User
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import bearer, login
from accounts.tokens import access_token_decoded, tokens_for_user

pytestmark = pytest.mark.django_db

REFRESH = "accounts:refresh"
LOGOUT = "accounts:logout"
ME = "privacy:me"


@pytest.fixture
def user():
    return UserFactory(email="model@example.kz")


@pytest.fixture
def session(api_client, user):
    """Tokens of a real login."""
    return login(api_client, user.email).json()["data"]


def refresh(client, token):
    return client.post(reverse(REFRESH), {"refresh_token": token}, format="json")


def me(access_token):
    return bearer(APIClient(), access_token).get(reverse(ME))


def assert_invalid_token(response):
    assert response.status_code == 401
    assert response.json()["status"] == "error"
    assert response.json()["error"]["code"] == "INVALID_TOKEN"


# --- me ----------------------------------------------------------------------------------------
def test_me_returns_user_with_free_subscription(user, session):
    response = me(session["access_token"])

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {
            "user": {
                "id": str(user.pk),
                "email": "model@example.kz",
                "role": "model",
                "email_verified": True,
                "created_at": user.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "subscription": {"plan": "FREE", "status": "active", "expires_at": None},
                # A factory user never accepted anything: the seeded terms and privacy policy
                # are required (privacy/tests cover accepted consents).
                "consents": [],
                "consents_required": [
                    {
                        "document": document.document,
                        "version": document.version,
                        "title": document.title,
                        "url": f"http://localhost:3000/legal/{document.document}/1.0",
                        "published_at": document.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                    for document in LegalDocument.objects.filter(
                        document__in=["terms", "privacy"]
                    ).order_by("-document")
                ],
            }
        },
    }


def test_me_shows_a_paid_plan(make_user, auth_client):
    user = make_user(role="employer", plan="PRO")

    response = auth_client(user).get(reverse(ME))

    assert response.status_code == 200
    subscription = response.json()["data"]["user"]["subscription"]
    assert subscription["plan"] == "PRO"
    assert subscription["status"] == "active"
    assert subscription["expires_at"].endswith("Z")


def test_me_without_credentials_is_auth_required(api_client):
    response = api_client.get(reverse(ME))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


def test_me_with_garbage_token_is_invalid_token(api_client):
    assert_invalid_token(me("not-a-jwt"))


@pytest.mark.parametrize("user_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_a_signed_token_of_no_user_is_invalid_token(user, user_id):
    token = tokens_for_user(user).access_token
    token["user_id"] = user_id  # signed by us, naming no user

    assert_invalid_token(me(str(token)))


def test_expired_access_token_is_invalid_token(session):
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert_invalid_token(me(session["access_token"]))


def test_a_token_used_before_is_refused_once_it_expires(session):
    """A token's signature is verified once per process (accounts.tokens._verified); its
    expiry is checked on every request."""
    assert me(session["access_token"]).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert_invalid_token(me(session["access_token"]))


def test_a_token_altered_after_use_is_refused(session):
    header, payload, signature = session["access_token"].split(".")
    assert me(session["access_token"]).status_code == 200

    assert_invalid_token(me(f"{header}.{payload}.{signature[::-1]}"))
    assert_invalid_token(me(f"{header}.{payload[:-2]}.{signature}"))


def test_each_caller_gets_its_own_token():
    user = UserFactory()
    raw = str(tokens_for_user(user).access_token)
    first = access_token_decoded(raw)
    first["user_id"] = "someone-else"

    assert access_token_decoded(raw)["user_id"] == str(user.pk)


def test_refresh_token_is_not_an_access_token(session):
    assert_invalid_token(me(session["refresh_token"]))


# --- refresh -----------------------------------------------------------------------------------
def test_refresh_rotates_and_returns_a_new_pair(api_client, user, session):
    response = refresh(api_client, session["refresh_token"])

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access_token", "refresh_token", "expires_in"}
    assert data["expires_in"] == 900
    assert data["refresh_token"] != session["refresh_token"]
    assert me(data["access_token"]).status_code == 200
    assert refresh(api_client, data["refresh_token"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_every_token(api_client, user, session):
    rotated = refresh(api_client, session["refresh_token"]).json()["data"]
    other_device = login(api_client, user.email).json()["data"]

    response = refresh(api_client, session["refresh_token"])

    assert_invalid_token(response)
    user.refresh_from_db()
    assert user.token_version == 1
    # every refresh token and every access token of the user is dead
    assert_invalid_token(refresh(api_client, rotated["refresh_token"]))
    assert_invalid_token(refresh(api_client, other_device["refresh_token"]))
    assert_invalid_token(me(rotated["access_token"]))
    assert_invalid_token(me(other_device["access_token"]))
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    # logging in again works
    assert login(api_client, user.email).status_code == 200


def test_refresh_of_a_stale_token_version_is_refused(api_client, user, session):
    User.objects.filter(pk=user.pk).update(token_version=5)

    assert_invalid_token(refresh(api_client, session["refresh_token"]))


def test_refresh_of_a_banned_user_is_refused(api_client, user, session):
    User.objects.filter(pk=user.pk).update(is_active=False)  # deactivated without a ban service

    assert_invalid_token(refresh(api_client, session["refresh_token"]))
    assert_invalid_token(me(session["access_token"]))


def test_refresh_of_an_expired_token_is_refused(api_client, session):
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert_invalid_token(refresh(api_client, session["refresh_token"]))


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_refresh_of_a_malformed_token_is_refused(api_client, token):
    assert_invalid_token(refresh(api_client, token))


def test_refresh_with_an_access_token_is_refused(api_client, session):
    assert_invalid_token(refresh(api_client, session["access_token"]))


def test_refresh_requires_the_field(api_client):
    response = api_client.post(reverse(REFRESH), {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"refresh_token"}


def test_refresh_works_with_an_expired_access_token_in_the_header(api_client, session):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {session['access_token']}")

    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        response = refresh(api_client, session["refresh_token"])

    assert response.status_code == 200


# --- logout ------------------------------------------------------------------------------------
def test_logout_kills_the_access_token_and_the_refresh_token(api_client, user, session):
    client = bearer(APIClient(), session["access_token"])

    response = client.post(
        reverse(LOGOUT),
        {"refresh_token": session["refresh_token"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Logged out successfully"}
    assert_invalid_token(me(session["access_token"]))
    assert_invalid_token(refresh(api_client, session["refresh_token"]))
    # a logged-out token is refused, but it is not reuse: other sessions live on
    user.refresh_from_db()
    assert user.token_version == 0


def test_logout_without_refresh_token_kills_only_the_access_token(api_client, session):
    response = bearer(APIClient(), session["access_token"]).post(reverse(LOGOUT), format="json")

    assert response.status_code == 200
    assert_invalid_token(me(session["access_token"]))
    assert refresh(api_client, session["refresh_token"]).status_code == 200


def test_logout_ignores_someone_elses_refresh_token(api_client, session):
    other = UserFactory()
    other_refresh = str(tokens_for_user(other))

    response = bearer(APIClient(), session["access_token"]).post(
        reverse(LOGOUT), {"refresh_token": other_refresh}, format="json"
    )

    assert response.status_code == 200
    assert not BlacklistedToken.objects.filter(token__user=other).exists()
    assert refresh(api_client, other_refresh).status_code == 200


def test_logout_requires_authentication(api_client):
    response = api_client.post(reverse(LOGOUT), format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"
