"""OWASP API8:2023 Security Misconfiguration.

`manage.py check --deploy` with a production environment is covered by
`mwork/tests/test_deploy_check.py`; here: the headers every answer carries, HSTS over HTTPS,
CORS honouring its allow-list (a foreign origin gets no Access-Control-Allow-Origin, also on a
preflight), CSRF on the admin login, session cookies that cannot drive the API, and errors
that never turn into Django's debug pages.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ALLOWED_ORIGIN = "https://mwork.kz"
FOREIGN_ORIGIN = "https://evil.example"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/health", "/api/v1/castings", "/api/v1/auth/me", "/api/v1/nope", "/admin/login/"],
)
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_is_sent_over_https(client, settings):
    assert settings.SECURE_HSTS_SECONDS >= 60 * 60 * 24 * 365  # DEBUG is off in tests

    response = client.get("/api/v1/health", secure=True)

    assert "max-age=31536000" in response["Strict-Transport-Security"]
    assert "includeSubDomains" in response["Strict-Transport-Security"]


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED_ORIGIN]


@pytest.mark.parametrize("path", ["/api/v1/castings", "/api/v1/auth/login"])
def test_cors_answers_the_allowed_origin_only(client, cors, path):
    allowed = client.get(path, HTTP_ORIGIN=ALLOWED_ORIGIN)
    foreign = client.get(path, HTTP_ORIGIN=FOREIGN_ORIGIN)

    assert allowed["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Access-Control-Allow-Origin" not in foreign
    assert "Access-Control-Allow-Credentials" not in foreign


def test_a_foreign_preflight_gets_no_cors_grant(client, cors):
    preflight = {
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type",
    }

    allowed = client.options("/api/v1/castings", HTTP_ORIGIN=ALLOWED_ORIGIN, **preflight)
    foreign = client.options("/api/v1/castings", HTTP_ORIGIN=FOREIGN_ORIGIN, **preflight)

    assert allowed["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "authorization" in allowed["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Origin" not in foreign
    assert "Access-Control-Allow-Methods" not in foreign


def test_cors_never_reflects_a_null_or_wildcard_origin(client, cors):
    for origin in ("null", "*", "https://mwork.kz.evil.example", "http://mwork.kz"):
        response = client.get("/api/v1/castings", HTTP_ORIGIN=origin)
        assert "Access-Control-Allow-Origin" not in response, origin


def test_cors_is_limited_to_the_api(client, cors):
    response = client.get("/admin/login/", HTTP_ORIGIN=ALLOWED_ORIGIN)

    assert "Access-Control-Allow-Origin" not in response


def test_the_admin_login_requires_a_csrf_token(db):
    staff = UserFactory(role="admin", is_staff=True, is_superuser=True, email="boss@example.kz")
    browser = Client(enforce_csrf_checks=True)
    credentials = {"username": staff.email, "password": DEFAULT_PASSWORD}

    forged = browser.post("/admin/login/", credentials)
    page = browser.get("/admin/login/")
    token = page.cookies["csrftoken"].value
    genuine = browser.post("/admin/login/", {**credentials, "csrfmiddlewaretoken": token})

    assert forged.status_code == 403
    assert "sessionid" not in forged.cookies
    assert genuine.status_code == 302  # into the admin


def test_admin_actions_require_a_csrf_token(db):
    staff = UserFactory(role="admin", is_staff=True, is_superuser=True, email="boss@example.kz")
    victim = UserFactory(role="model", email="victim@example.kz")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)

    response = browser.post(
        f"/admin/accounts/user/{victim.pk}/change/", {"email": "changed@example.kz"}
    )

    assert response.status_code == 403
    victim.refresh_from_db()
    assert victim.email == "victim@example.kz"


def test_an_admin_session_cookie_cannot_drive_the_api(db):
    """The API authenticates bearer tokens only: a browser's admin session (the one thing a
    cross-site form could ride on) is not a credential there, so the API needs no CSRF."""
    staff = UserFactory(role="admin", is_staff=True, is_superuser=True, email="boss@example.kz")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)

    response = browser.post("/api/v1/subscriptions/cancel", content_type="application/json")
    me = browser.get("/api/v1/auth/me")

    assert response.status_code == 401
    assert me.status_code == 401


def test_errors_never_render_the_debug_page(client, settings):
    assert settings.DEBUG is False

    missing = client.get("/api/v1/definitely/not/here")
    outside = client.get("/definitely-not-here")
    bad_host = client.get("/api/v1/health", HTTP_HOST="evil.example")

    for response in (missing, outside):
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert b"Traceback" not in response.content
        assert b"URLconf" not in response.content
    assert bad_host.status_code == 400
    assert b"ALLOWED_HOSTS" not in bad_host.content
