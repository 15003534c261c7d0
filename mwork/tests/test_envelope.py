"""The error envelope of docs/API.md §2 for every status the platform produces."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from mwork.tests.urls_for_tests import LEAKY_MESSAGE

pytestmark = pytest.mark.django_db

TEST_URLS = pytest.mark.urls("mwork.tests.urls_for_tests")


def assert_error(response, status: int, code: str, *, details: set[str] | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error"
    assert set(body) == {"status", "error"}
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    if details is not None:
        assert set(error["details"]) == details
        assert all(isinstance(v, list) and v for v in error["details"].values())
        assert_codes_parallel(error)
    assert response["X-Request-ID"]
    return error


def assert_codes_parallel(error: dict) -> None:
    """`details_codes` names a machine code for every message of `details` (docs/CLIENTS.md)."""
    codes = error["details_codes"]
    assert set(codes) == set(error["details"])
    for field, messages in error["details"].items():
        assert len(codes[field]) == len(messages), field
        assert all(isinstance(c, str) and c.replace("_", "").isalnum() for c in codes[field])


# --- 400 ---------------------------------------------------------------------------------------
def test_malformed_json_is_a_400(api_client):
    response = api_client.post(
        reverse("accounts:login"), data='{"email": "a@b.kz", ', content_type="application/json"
    )

    assert_error(response, 400, "VALIDATION_ERROR")


def test_wrong_content_type_is_a_400(api_client):
    response = api_client.post(
        reverse("accounts:login"), data="email=a@b.kz", content_type="text/plain"
    )

    assert_error(response, 400, "VALIDATION_ERROR")


def test_field_errors_are_listed_per_field(api_client):
    response = api_client.post(reverse("accounts:register"), {"email": "x"}, format="json")

    error = assert_error(response, 400, "VALIDATION_ERROR", details={"email", "password", "role"})
    assert error["details_codes"] == {
        "email": ["invalid"],
        "password": ["required"],
        "role": ["required"],
    }


def test_password_policy_errors_carry_the_validators_codes(api_client):
    response = api_client.post(
        reverse("accounts:register"),
        {"email": "new@mwork.kz", "password": "12345", "role": "model"},
        format="json",
    )

    error = assert_error(response, 400, "VALIDATION_ERROR", details={"password"})
    assert "password_too_short" in error["details_codes"]["password"]
    assert "password_entirely_numeric" in error["details_codes"]["password"]


def test_domain_field_errors_carry_codes_and_subscription_details_none(api_client):
    from mwork.api.exceptions import InvalidState, SubscriptionLimitExceeded, ValidationFailed
    from mwork.api.handlers import details_codes

    assert details_codes(ValidationFailed(details={"file": ["x", "y"]})) == {
        "file": ["invalid", "invalid"]
    }
    assert details_codes(InvalidState(details={"status": ["x"]})) == {"status": ["invalid_state"]}
    assert details_codes(ValidationFailed.for_field("limit", "x", "min_value")) == {
        "limit": ["min_value"]
    }
    assert details_codes(SubscriptionLimitExceeded(details={"limit": 3, "used": 3})) == {}


@TEST_URLS
@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=abc", "limit"), ("limit=-1", "limit"), ("limit=0", "limit"), ("offset=x", "offset")],
)
def test_bad_query_parameters_are_a_400(api_client, query, field):
    response = api_client.get(f"/api/v1/test/paged?{query}")

    error = assert_error(response, 400, "VALIDATION_ERROR", details={field})
    assert error["details_codes"][field] == [
        "invalid" if "=-" not in query and "=0" not in query else "min_value"
    ]


@TEST_URLS
def test_limit_above_max_is_clamped(api_client):
    response = api_client.get("/api/v1/test/paged?limit=1000&offset=5")

    assert response.status_code == 200
    assert response.json()["data"]["pagination"] == {
        "total": 0,
        "limit": 100,
        "offset": 5,
        "has_more": False,
    }


# --- 401 ---------------------------------------------------------------------------------------
def test_no_credentials_is_auth_required(api_client):
    response = api_client.get(reverse("privacy:me"))

    assert_error(response, 401, "AUTH_REQUIRED")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer a b", "Bearer"])
def test_bad_token_is_invalid_token(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)

    assert_error(api_client.get(reverse("privacy:me")), 401, "INVALID_TOKEN")


def test_other_authorization_schemes_are_auth_required(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")

    assert_error(api_client.get(reverse("privacy:me")), 401, "AUTH_REQUIRED")


# --- 403 ---------------------------------------------------------------------------------------
@TEST_URLS
def test_wrong_role_is_permission_denied(auth_client):
    model = UserFactory(role="model")

    response = auth_client(model).get("/api/v1/test/employers-only")

    assert_error(response, 403, "PERMISSION_DENIED")


@TEST_URLS
def test_role_check_lets_the_right_role_in_and_asks_anonymous_to_log_in(api_client, auth_client):
    employer = UserFactory(role="employer")

    assert auth_client(employer).get("/api/v1/test/employers-only").status_code == 200
    assert_error(api_client.get("/api/v1/test/employers-only"), 401, "AUTH_REQUIRED")


# --- 404 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/api/v1/does-not-exist", "/api/v1/auth/nothing-here", "/api/v1/castings/x/y/z/w"]
)
@pytest.mark.parametrize("header", [None, "Bearer garbage"])
def test_unknown_api_path_is_404_never_401(api_client, path, header):
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)

    for method in (api_client.get, api_client.post, api_client.delete):
        assert_error(method(path), 404, "NOT_FOUND")


def test_unknown_path_outside_the_api_is_a_json_404(api_client):
    assert_error(api_client.get("/nothing-here"), 404, "NOT_FOUND")


# --- 405 ---------------------------------------------------------------------------------------
def test_wrong_method_is_405(api_client):
    response = api_client.get(reverse("accounts:login"))

    assert_error(response, 405, "METHOD_NOT_ALLOWED")


def test_wrong_method_on_an_authenticated_endpoint_is_405_for_a_signed_in_caller(auth_client):
    response = auth_client(UserFactory()).delete(reverse("accounts:logout"))

    assert_error(response, 405, "METHOD_NOT_ALLOWED")


# --- 500 ---------------------------------------------------------------------------------------
@TEST_URLS
@pytest.mark.parametrize("path", ["/api/v1/test/explode", "/api/v1/test/plain-explode"])
def test_unhandled_error_is_a_500_without_internals(path, caplog):
    client = APIClient(raise_request_exception=False)

    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")

    error = assert_error(response, 500, "INTERNAL_ERROR")
    assert error == {"code": "INTERNAL_ERROR", "message": "Internal server error."}
    content = response.content.decode()
    for leak in (LEAKY_MESSAGE, "SELECT", "Traceback", "RuntimeError", "urls_for_tests"):
        assert leak not in content
    assert LEAKY_MESSAGE in caplog.text  # the details go to the log, not to the client


@TEST_URLS
def test_database_error_is_a_500_without_sql():
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/v1/test/broken-sql")

    assert_error(response, 500, "INTERNAL_ERROR")
    content = response.content.decode()
    assert "table_that_does_not_exist" not in content
    assert "secret_column" not in content


# --- success envelope, request id ----------------------------------------------------------------
def test_success_envelope_and_request_id(api_client):
    response = api_client.get(reverse("health"), HTTP_X_REQUEST_ID="req-42")

    assert response.json()["status"] == "success"
    assert response["X-Request-ID"] == "req-42"


def test_insane_request_id_is_replaced(api_client):
    response = api_client.get(reverse("health"), HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32
