"""A block in either direction stops chat and hides each user from the other's lists.

The checks live in chat, profiles and castings, which call `moderation.selectors`.
"""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.urls import reverse

from accounts.tests.factories import BlockFactory
from conftest import access_token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(make_user, make_model_profile, make_employer_profile):
    model = make_model_profile(user=make_user(role="model", plan="PRO")).user
    employer = make_employer_profile(user=make_user(role="employer", plan="PRO")).user
    return model, employer


def _room(auth_client, a, b):
    response = auth_client(a).post(reverse("chat:rooms"), {"participant_id": str(b.id)})
    return response


@pytest.mark.parametrize("blocker_is_model", [True, False])
def test_blocked_pair_cannot_create_a_room(pair, auth_client, blocker_is_model):
    model, employer = pair
    blocker, blocked = (model, employer) if blocker_is_model else (employer, model)
    BlockFactory(blocker=blocker, blocked=blocked)

    response = _room(auth_client, employer, model)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"


def test_blocked_pair_cannot_send_over_rest_and_unblock_restores(pair, auth_client):
    model, employer = pair
    room_id = _room(auth_client, employer, model).json()["data"]["room"]["id"]
    url = reverse("chat:room-messages", kwargs={"room_id": room_id})
    BlockFactory(blocker=model, blocked=employer)

    refused = auth_client(employer).post(url, {"content": "Hello?"})
    auth_client(model).delete(reverse("moderation:user-block", kwargs={"user_id": employer.id}))
    allowed = auth_client(employer).post(url, {"content": "Hello again"})

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"
    assert allowed.status_code == 201


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_blocked_pair_gets_an_error_frame_over_websocket(pair, auth_client):
    from mwork.asgi import application

    model, employer = pair
    room = await sync_to_async(_room)(auth_client, employer, model)
    room_id = room.json()["data"]["room"]["id"]
    await sync_to_async(BlockFactory)(blocker=model, blocked=employer)
    token = await sync_to_async(access_token_for)(employer)
    socket = WebsocketCommunicator(application, f"/ws?token={token}")  # a native app: no Origin
    connected, _ = await socket.connect()
    assert connected
    try:
        await socket.send_json_to(
            {"type": "message", "room_id": room_id, "content": "hi", "client_id": "c1"}
        )
        frame = await socket.receive_json_from(timeout=5)
    finally:
        await socket.disconnect()
        # The consumer's ORM work ran in asgiref's worker thread: close that connection.
        await database_sync_to_async(connections.close_all)()

    assert frame["type"] == "error"
    assert frame["error"]["code"] == "PERMISSION_DENIED"
    assert frame.get("client_id") == "c1"


def test_blocked_profiles_hidden_from_catalogue_and_unblock_restores(
    pair, auth_client, make_model_profile
):
    model, employer = pair
    other = make_model_profile(name="Other Model")
    BlockFactory(blocker=model, blocked=employer)
    url = reverse("profiles:model-list")

    hidden = auth_client(employer).get(url).json()["data"]["models"]
    auth_client(model).delete(reverse("moderation:user-block", kwargs={"user_id": employer.id}))
    shown = auth_client(employer).get(url).json()["data"]["models"]

    assert [item["id"] for item in hidden] == [str(other.id)]
    assert str(model.model_profile.id) in {item["id"] for item in shown}


def test_blocked_profile_detail_is_not_found_for_the_other_side(pair, auth_client, api_client):
    model, employer = pair
    url = reverse("profiles:model-detail", kwargs={"profile_id": model.model_profile.id})
    BlockFactory(blocker=model, blocked=employer)

    blocked_view = auth_client(employer).get(url)
    anonymous_view = api_client.get(url)

    assert blocked_view.status_code == 404
    assert blocked_view.json()["error"]["code"] == "NOT_FOUND"
    assert anonymous_view.status_code == 200


def test_blocked_model_hidden_from_casting_responses(pair, auth_client, make_casting):
    from django.apps import apps

    model, employer = pair
    casting = make_casting(owner=employer)
    Response = apps.get_model("castings", "Response")
    Response.objects.create(casting=casting, model_profile=model.model_profile)
    BlockFactory(blocker=model, blocked=employer)

    response = auth_client(employer).get(
        reverse("castings:casting-responses", kwargs={"casting_id": casting.id})
    )

    assert response.status_code == 200
    assert response.json()["data"]["responses"] == []
