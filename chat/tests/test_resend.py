"""A resent message is stored once: the same `client_id` from the same sender in the same room
within 24 h returns the stored message (REST and WebSocket), notifies nobody again, and is
acknowledged to the sender again (docs/API.md §8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from chat.models import Message
from notifications.models import Notification


def messages_url(room_id) -> str:
    return f"/api/v1/chat/rooms/{room_id}/messages"


def send(client, room, content="Are you free on Friday?", **extra):
    return client.post(messages_url(room.id), {"content": content, **extra}, format="json")


@pytest.mark.django_db
def test_a_rest_resend_with_the_same_client_id_is_stored_once(
    auth_client, room, employer, model_user, django_capture_on_commit_callbacks
):
    client = auth_client(employer)

    with django_capture_on_commit_callbacks(execute=True):
        first = send(client, room, client_id="c-42")
    with django_capture_on_commit_callbacks(execute=True) as resend_callbacks:
        again = send(client, room, client_id="c-42")

    assert first.status_code == again.status_code == 201
    assert again.json()["data"]["message"] == first.json()["data"]["message"]
    assert Message.objects.filter(room=room).count() == 1
    assert Notification.objects.filter(user=model_user, type="new_message").count() == 1
    assert len(resend_callbacks) == 1  # the acknowledgement to the sender, nothing else


@pytest.mark.django_db
def test_the_resend_returns_the_stored_text_not_the_new_one(auth_client, room, employer):
    client = auth_client(employer)

    send(client, room, "first text", client_id="k")
    again = send(client, room, "edited before the resend", client_id="k")

    assert again.json()["data"]["message"]["content"] == "first text"


@pytest.mark.django_db
def test_the_same_client_id_elsewhere_or_from_someone_else_is_a_new_message(
    auth_client, make_room, room, employer, model_user, outsider
):
    other_room = make_room(employer, outsider)

    send(auth_client(employer), room, client_id="same")
    send(auth_client(model_user), room, client_id="same")
    send(auth_client(employer), other_room, client_id="same")

    assert Message.objects.count() == 3


@pytest.mark.django_db
def test_without_a_client_id_every_send_is_stored(auth_client, room, employer):
    client = auth_client(employer)

    send(client, room)
    send(client, room)

    assert Message.objects.filter(room=room).count() == 2


@pytest.mark.django_db
def test_a_client_id_older_than_24_hours_names_a_new_message(auth_client, room, employer):
    send(auth_client(employer), room, "yesterday", client_id="daily")

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        later = send(auth_client(employer), room, "today", client_id="daily")

    assert later.status_code == 201
    assert later.json()["data"]["message"]["content"] == "today"
    stored = Message.objects.filter(room=room).order_by("created_at")
    assert [m.content for m in stored] == ["yesterday", "today"]
    assert [m.client_id for m in stored] == [None, "daily"]


@pytest.mark.django_db
def test_a_too_long_client_id_is_a_validation_error(auth_client, room, employer):
    response = send(auth_client(employer), room, client_id="x" * 101)

    assert response.status_code == 400
    assert "client_id" in response.json()["error"]["details"]
    assert not Message.objects.exists()
