"""`GET /api/v1/ping`: the benchmark's no-op floor, through the whole stack."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_ping_anonymous(api_client):
    response = api_client.get("/api/v1/ping")
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": {"pong": True}}
    assert "X-RateLimit-Limit" in response.headers  # the default rate limit ran
    assert response.headers["X-Request-ID"]


def test_ping_reads_the_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api_client.get("/api/v1/ping")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"
