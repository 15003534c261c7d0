"""Account deletion through the API: DELETE /auth/me, login during the grace period, restore."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import bearer, login
from billing.models import Subscription
from castings.models import Casting, CastingStatus, Response, ResponseStatus
from profiles.tests.factories import EmployerProfileFactory

pytestmark = pytest.mark.django_db

ME = "privacy:me"
RESTORE = "privacy:restore"


def delete_account(client, password=DEFAULT_PASSWORD):
    return client.delete(reverse(ME), {"password": password}, format="json")


def session(user) -> dict:
    return login(APIClient(), user.email).json()["data"]


def test_delete_schedules_and_hides_everything_at_once(world, django_capture_on_commit_callbacks):
    tokens = session(world.model)
    client = bearer(APIClient(), tokens["access_token"])
    Subscription.objects.filter(user=world.model).update(auto_renew=True)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_account(client)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "scheduled"
    user = User.objects.get(pk=world.model.pk)
    assert user.is_active is False
    expected = before + dt.timedelta(days=30)
    assert abs((user.purge_at - expected).total_seconds()) < 60
    assert data["purge_at"] == user.purge_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    # every token revoked
    assert client.get(reverse(ME)).status_code == 401
    refreshed = APIClient().post(
        reverse("accounts:refresh"), {"refresh_token": tokens["refresh_token"]}, format="json"
    )
    assert refreshed.status_code == 401
    # the profile is gone from detail and lists
    viewer = APIClient()
    detail = viewer.get(reverse("profiles:model-detail", args=[world.profile.pk]))
    assert detail.status_code == 404
    listed = viewer.get(reverse("profiles:model-list")).json()["data"]
    assert str(world.profile.pk) not in {p["id"] for p in listed["models"]}
    # castings cancelled, pending response withdrawn, auto-renew off
    assert Casting.objects.get(pk=world.own_casting.pk).status == CastingStatus.CANCELLED
    assert Response.objects.get(pk=world.pending.pk).status == ResponseStatus.WITHDRAWN
    assert not Subscription.objects.filter(user=user, auto_renew=True).exists()
    # the e-mail with the undo link
    sent = [m for m in mail.outbox if m.to == [user.email]]
    assert len(sent) == 1
    assert "http://localhost:3000/restore-account" in sent[0].body


def test_employer_profile_disappears(auth_client):
    employer = UserFactory(role="employer")
    profile = EmployerProfileFactory(user=employer)

    delete_account(auth_client(employer))

    detail = APIClient().get(reverse("profiles:employer-detail", args=[profile.pk]))
    assert detail.status_code == 404


def test_wrong_password_changes_nothing(world, auth_client):
    response = delete_account(auth_client(world.model), password="not-the-password")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "password" in response.json()["error"]["details"]
    user = User.objects.get(pk=world.model.pk)
    assert (user.is_active, user.purge_at) == (True, None)
    assert Casting.objects.get(pk=world.own_casting.pk).status == CastingStatus.ACTIVE
    assert len(mail.outbox) == 0


def test_missing_password_is_a_validation_error(auth_client, make_user):
    response = auth_client(make_user()).delete(reverse(ME), {}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["error"]["details"]


def test_delete_needs_authentication():
    response = APIClient().delete(reverse(ME), {"password": "x"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


def test_login_during_grace_period_is_refused_with_purge_at(make_user, auth_client):
    user = make_user()
    delete_account(auth_client(user))

    response = login(APIClient(), user.email)

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "ACCOUNT_PENDING_DELETION"
    purge_at = User.objects.get(pk=user.pk).purge_at
    assert error["details"] == {"purge_at": purge_at.strftime("%Y-%m-%dT%H:%M:%SZ")}


def test_login_with_wrong_password_during_grace_tells_nothing(make_user, auth_client):
    user = make_user()
    delete_account(auth_client(user))

    response = login(APIClient(), user.email, password="wrong-password")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_CREDENTIALS"


def test_restore_answers_like_login_and_shows_everything_again(world):
    old = session(world.model)
    delete_account(bearer(APIClient(), old["access_token"]))

    response = APIClient().post(
        reverse(RESTORE), {"email": world.model.email, "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access_token", "refresh_token", "expires_in", "user"}
    assert data["user"]["id"] == str(world.model.pk)
    user = User.objects.get(pk=world.model.pk)
    assert (user.is_active, user.purge_at) == (True, None)
    assert bearer(APIClient(), data["access_token"]).get(reverse(ME)).status_code == 200
    assert bearer(APIClient(), old["access_token"]).get(reverse(ME)).status_code == 401
    detail = APIClient().get(reverse("profiles:model-detail", args=[world.profile.pk]))
    assert detail.status_code == 200
    assert Casting.objects.get(pk=world.own_casting.pk).status == CastingStatus.CANCELLED
    assert login(APIClient(), user.email).status_code == 200


@pytest.mark.parametrize("case", ["wrong_password", "not_scheduled", "unknown", "past_purge"])
def test_restore_refusals(make_user, auth_client, case):
    user = make_user()
    if case != "not_scheduled":
        delete_account(auth_client(user))
    if case == "past_purge":
        User.objects.filter(pk=user.pk).update(purge_at=timezone.now() - dt.timedelta(seconds=1))
    email = "nobody@example.kz" if case == "unknown" else user.email
    password = "wrong-password" if case == "wrong_password" else DEFAULT_PASSWORD
    before = User.objects.filter(pk=user.pk).values("is_active", "purge_at").get()

    response = APIClient().post(
        reverse(RESTORE), {"email": email, "password": password}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_CREDENTIALS"
    assert User.objects.filter(pk=user.pk).values("is_active", "purge_at").get() == before


def test_restore_validation_error():
    response = APIClient().post(reverse(RESTORE), {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"email", "password"}
