"""`POST /api/v1/ws/ticket`: a single-use ticket for `/ws?ticket=` (the sockets: test_ws_ticket)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tokens import access_token_revoke, tokens_for_user

pytestmark = pytest.mark.django_db
URL = reverse("chat:ws-ticket")


def test_a_signed_in_user_gets_a_ticket_for_30_seconds(auth_client, make_user):
    response = auth_client(make_user(role="model")).post(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert set(body["data"]) == {"ticket", "expires_in"}
    assert body["data"]["expires_in"] == 30
    assert len(body["data"]["ticket"]) >= 32


def test_every_ticket_is_new(auth_client, make_user):
    client = auth_client(make_user(role="model"))

    tickets = {client.post(URL).json()["data"]["ticket"] for _ in range(3)}

    assert len(tickets) == 3


def test_without_a_token_it_is_401(api_client):
    response = api_client.post(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


def test_a_logged_out_token_gets_no_ticket(make_user):
    access = tokens_for_user(make_user(role="model")).access_token
    access_token_revoke(token=access)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    response = client.post(URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"
