import itertools

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import login
from accounts.tokens import user_from_access_token

pytestmark = pytest.mark.django_db

REGISTER = "accounts:register"


def register(client, **body):
    payload = {"email": "Aisha@Example.KZ", "password": "SecurePass123!", "role": "model"}
    payload.update(body)
    return client.post(reverse(REGISTER), payload, format="json")


# --- register ----------------------------------------------------------------------------------
def test_register_creates_user_and_sends_verification_email(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "success"
    user = User.objects.get(email="aisha@example.kz")
    assert body["data"] == {
        "user": {
            "id": str(user.pk),
            "email": "aisha@example.kz",
            "role": "model",
            "email_verified": False,
            "created_at": user.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    }
    assert user.check_password("SecurePass123!")
    assert user.language == "ru"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["aisha@example.kz"]


@pytest.mark.parametrize("role", ["model", "employer", "agency"])
def test_register_accepts_each_public_role(api_client, role):
    response = register(api_client, role=role, email=f"{role}@example.kz")

    assert response.status_code == 201
    assert response.json()["data"]["user"]["role"] == role


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"password": "Sh0rt!"}, "password"),
        ({"password": "12345678901"}, "password"),  # numeric only, and common
        ({"password": "password123"}, "password"),  # common
        ({"password": "aisha@example.kz"}, "password"),  # too similar to the e-mail
        ({"role": "admin"}, "role"),
        ({"role": "superstar"}, "role"),
        ({"language": "de"}, "language"),
    ],
)
def test_register_validation_errors_name_the_field(api_client, body, field):
    response = register(api_client, **body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]
    assert not User.objects.exists()


INVALID = {"email": "not-an-email", "password": "Sh0rt!", "role": "admin", "language": "de"}


@pytest.mark.parametrize(
    "fields",
    [
        fields
        for size in range(2, len(INVALID) + 1)
        for fields in itertools.combinations(sorted(INVALID), size)
    ],
)
def test_register_names_every_invalid_field_at_once(api_client, fields):
    response = register(api_client, **{name: INVALID[name] for name in fields})

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == set(fields)
    assert not User.objects.exists()


def test_register_missing_fields_are_all_reported(api_client):
    response = api_client.post(reverse(REGISTER), {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"email", "password", "role"}


def test_register_duplicate_email_in_another_case_is_409(api_client):
    UserFactory(email="taken@example.kz")

    response = register(api_client, email="TAKEN@Example.kz")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "DUPLICATE_RESOURCE"
    assert User.objects.filter(email="taken@example.kz").count() == 1


def test_register_stores_the_chosen_language(api_client):
    response = register(api_client, language="kk")

    assert response.status_code == 201
    assert User.objects.get(email="aisha@example.kz").language == "kk"


# --- login -------------------------------------------------------------------------------------
def test_login_returns_tokens_and_user(api_client):
    user = UserFactory(email="model@example.kz")

    response = login(api_client, "Model@Example.kz")

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access_token", "refresh_token", "expires_in", "user"}
    assert data["expires_in"] == 900
    assert data["user"]["id"] == str(user.pk)
    assert data["user"]["email"] == "model@example.kz"
    assert data["user"]["role"] == "model"
    token_user, token = user_from_access_token(data["access_token"])
    assert token_user == user
    assert token["ver"] == user.token_version
    user.refresh_from_db()
    assert user.last_login is not None


def test_wrong_password_and_unknown_email_get_the_same_401(api_client):
    UserFactory(email="model@example.kz")

    wrong_password = login(api_client, "model@example.kz", "Wrong-Passw0rd!")
    unknown_email = login(api_client, "nobody@example.kz", "Wrong-Passw0rd!")

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["error"]["code"] == "INVALID_CREDENTIALS"


def test_login_validation_errors(api_client):
    response = api_client.post(reverse("accounts:login"), {"email": "x"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"email", "password"}


def test_banned_user_gets_account_disabled_only_with_the_right_password(api_client):
    UserFactory(email="banned@example.kz", is_active=False)

    right = login(api_client, "banned@example.kz", DEFAULT_PASSWORD)
    wrong = login(api_client, "banned@example.kz", "Wrong-Passw0rd!")

    assert right.status_code == 403
    assert right.json()["error"]["code"] == "ACCOUNT_DISABLED"
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "INVALID_CREDENTIALS"


def test_login_works_with_a_stale_authorization_header(api_client):
    UserFactory(email="model@example.kz")
    api_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")

    response = login(api_client, "model@example.kz")

    assert response.status_code == 200
