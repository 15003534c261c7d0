"""A chat message a `hold` rule fires on, from a sender who is not trusted: stored held, the
sender's acknowledgement says `held: true`, the recipient gets nothing (socket, history, unread,
notifications) until staff release it — then exactly once — or reject it (the sender is told).
Trusted senders are flagged, never held. New rooms count against the daily trust limit."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from castings.tests.factories import EmployerProfileFactory, ModelProfileFactory
from chat.models import Message
from chat.services import chat_message_send, chat_room_get_or_create
from moderation import services as moderation
from moderation.tests.admin_world import staff_user
from notifications.models import Notification
from safety.models import Flag, FlagStatus
from safety.services import rules_invalidate

SCAM = "Для участия переведите предоплату на карту 4400 4301 2345 6789"


def pair(make_user, *, sender_days_old: int = 0):
    employer = make_user(
        role="employer",
        plan="PRO",
        created_at=timezone.now() - dt.timedelta(days=sender_days_old),
    )
    EmployerProfileFactory(user=employer)
    model = make_user(role="model", plan="PRO")
    ModelProfileFactory(user=model)
    room, _ = chat_room_get_or_create(actor=employer, participant_id=model.id)
    return employer, model, room


def history(auth_client, user, room) -> list[dict]:
    body = auth_client(user).get(f"/api/v1/chat/rooms/{room.id}/messages").json()
    return body["data"]["messages"]


def unread(auth_client, user) -> int:
    return auth_client(user).get("/api/v1/chat/unread").json()["data"]["unread_count"]


@pytest.fixture
def default_rules_loaded(db):
    migration = importlib.import_module("safety.migrations.0002_default_rules")
    migration.add_default_rules(django_apps, None)
    rules_invalidate()
    yield
    rules_invalidate()


@pytest.mark.django_db
@pytest.mark.usefixtures("default_rules_loaded")
def test_rejected_message_is_never_delivered_and_the_sender_is_told(
    make_user, auth_client, django_capture_on_commit_callbacks
):
    employer, model, room = pair(make_user)
    message = chat_message_send(sender=employer, room=room, content=SCAM)
    flag = Flag.objects.get(target_id=message.id)
    assert flag.held and flag.counterpart == model

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moderation.flag_review(actor=staff_user("Moderators"), flag=flag, approve=False)

    assert len(callbacks) == 1  # the sender's message_rejected frame, nothing for the model
    assert Message.objects.get(id=message.id).rejected
    assert Flag.objects.get(id=flag.id).status == FlagStatus.REJECTED
    assert history(auth_client, model, room) == []
    sender_view = history(auth_client, employer, room)
    assert [(m["held"], m["rejected"]) for m in sender_view] == [(True, True)]
    assert not Notification.objects.filter(user=model).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("default_rules_loaded")
def test_a_trusted_sender_is_flagged_never_held(make_user, auth_client):
    employer, model, room = pair(make_user, sender_days_old=10)  # verified, 10 days old

    response = auth_client(employer).post(
        f"/api/v1/chat/rooms/{room.id}/messages", {"content": SCAM}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["data"]["message"]["held"] is False
    assert [m["content"] for m in history(auth_client, model, room)] == [SCAM]
    flag = Flag.objects.get(target_id=response.json()["data"]["message"]["id"])
    assert not flag.held and flag.action == "hold"


@pytest.mark.django_db
@pytest.mark.usefixtures("default_rules_loaded")
def test_new_rooms_a_day_per_trust_level(make_user, auth_client, settings):
    settings.TRUST_LIMITS_ENABLED = True
    settings.TRUST_DAILY_LIMITS = {
        level: {"chat_rooms": 1, "castings": 1, "invites": 1}
        for level in ("new", "verified", "trusted", "established")
    }
    employer, _model, _room = pair(make_user)  # its one room today
    other = make_user(role="model", plan="PRO")

    response = auth_client(employer).post(
        "/api/v1/chat/rooms", {"participant_id": str(other.id)}, format="json"
    )

    assert response.status_code == 429
    assert response.json()["error"]["details"]["kind"] == "chat_rooms"
