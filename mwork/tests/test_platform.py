import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_reports_every_dependency(api_client):
    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {"database": "ok", "cache": "ok", "channel_layer": "ok"},
    }
    assert response["X-Request-ID"]


def test_unknown_api_path_is_a_404_envelope_not_401(api_client):
    response = api_client.get("/api/v1/does-not-exist", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {
        "status": "error",
        "error": {"code": "NOT_FOUND", "message": "Resource not found."},
    }


def test_trailing_slash_is_optional(api_client):
    assert api_client.get("/api/v1/health/").status_code == 200


def test_request_id_is_echoed(api_client):
    response = api_client.get("/api/v1/health", HTTP_X_REQUEST_ID="abc-123")

    assert response["X-Request-ID"] == "abc-123"
