"""`/ws?ticket=`: single use, short-lived, the socket of the ticket's user and session."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.tokens import tokens_for_user
from chat.middleware import CLOSE_TOKEN_REFUSED
from chat.tests.test_session_end import (  # noqa: F401 - the fixture is used by every test here
    _close_worker_connections,
)
from chat.tests.test_websocket import (
    CHAT_TEST_APPS,
    next_frame,
)
from mwork.asgi import application

pytestmark = [
    pytest.mark.django_db(transaction=True, available_apps=CHAT_TEST_APPS),
    pytest.mark.asyncio,
]
db = database_sync_to_async


async def _session(user) -> tuple[APIClient, str, str]:
    """A signed-in API client of `user` with its access and refresh token."""
    refresh = await db(tokens_for_user)(user)
    access = str(refresh.access_token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client, access, str(refresh)


async def _ticket(client: APIClient) -> str:
    response = await db(client.post)(reverse("chat:ws-ticket"))
    assert response.status_code == 200, response.content
    return response.json()["data"]["ticket"]


def _socket(query: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws?{query}")


async def test_a_ticket_opens_a_socket_of_its_user(room, employer, model_user, outsider):
    client, _, _ = await _session(employer)
    socket = _socket(f"ticket={await _ticket(client)}")
    assert (await socket.connect())[0] is True

    await socket.send_json_to({"type": "message", "room_id": str(room.id), "content": "Hi"})
    sent = await next_frame(socket, "message")
    outsiders_room = await db(_room_of)(model_user, outsider)
    await socket.send_json_to({"type": "typing", "room_id": str(outsiders_room.id)})
    refused = await next_frame(socket, "error")

    assert sent["message"]["sender_id"] == str(employer.id)
    assert refused["error"]["code"] == "NOT_FOUND"
    await socket.disconnect()


def _room_of(user_a, user_b):
    from chat.services import chat_room_get_or_create

    return chat_room_get_or_create(actor=user_a, participant_id=user_b.id)[0]


async def test_a_ticket_is_used_up_by_its_first_socket(employer):
    client, _, _ = await _session(employer)
    ticket = await _ticket(client)
    first = _socket(f"ticket={ticket}")
    assert (await first.connect())[0] is True

    assert await _socket(f"ticket={ticket}").connect() == (False, CLOSE_TOKEN_REFUSED)
    await first.disconnect()


async def test_of_two_sockets_racing_for_one_ticket_exactly_one_opens(employer):
    client, _, _ = await _session(employer)
    ticket = await _ticket(client)
    sockets = [_socket(f"ticket={ticket}") for _ in range(2)]

    results = await asyncio.gather(*(s.connect() for s in sockets))

    assert sorted(opened for opened, _ in results) == [False, True]
    for socket, (opened, _) in zip(sockets, results, strict=True):
        if opened:
            await socket.disconnect()


async def test_an_expired_ticket_is_refused(employer, settings):
    settings.WS_TICKET_SECONDS = 1
    client, _, _ = await _session(employer)
    ticket = await _ticket(client)

    await asyncio.sleep(1.5)

    assert await _socket(f"ticket={ticket}").connect() == (False, CLOSE_TOKEN_REFUSED)


async def test_unknown_tickets_and_two_credentials_at_once_are_refused(employer, model_user):
    client, _, _ = await _session(employer)
    _, other_users_token, _ = await _session(model_user)
    ticket = await _ticket(client)

    for query in ("ticket=", "ticket=forged", f"ticket={ticket}&token={other_users_token}"):
        assert await _socket(query).connect() == (False, CLOSE_TOKEN_REFUSED), query


async def test_a_ticket_dies_with_the_session_that_asked_for_it(employer):
    client, _, refresh = await _session(employer)
    ticket = await _ticket(client)

    await db(client.post)(reverse("accounts:logout"), {"refresh_token": refresh})

    assert await _socket(f"ticket={ticket}").connect() == (False, CLOSE_TOKEN_REFUSED)


async def test_the_socket_of_a_ticket_closes_when_its_session_logs_out(employer):
    client, _, refresh = await _session(employer)
    socket = _socket(f"ticket={await _ticket(client)}")
    assert (await socket.connect())[0] is True

    await db(client.post)(reverse("accounts:logout"), {"refresh_token": refresh})

    frame = await socket.receive_json_from(timeout=1)
    assert frame["error"]["details"] == {"reason": "logout"}
    assert (await socket.receive_output())["code"] == CLOSE_TOKEN_REFUSED
    await socket.disconnect()
