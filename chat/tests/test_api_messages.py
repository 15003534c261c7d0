from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import Membership, Message, Room
from chat.tests.factories import MessageFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def messages_url(room_id) -> str:
    return f"/api/v1/chat/rooms/{room_id}/messages"


def read_url(room_id) -> str:
    return f"/api/v1/chat/rooms/{room_id}/read"


UNREAD_URL = "/api/v1/chat/unread"


def _history(room, employer, model_user, count):
    """`count` messages alternating senders, one second apart, oldest first."""
    start = timezone.now() + timedelta(seconds=1)
    return [
        MessageFactory(
            room=room,
            sender=employer if index % 2 == 0 else model_user,
            content=f"message {index}",
            created_at=start + timedelta(seconds=index),
        )
        for index in range(count)
    ]


# --- GET /chat/rooms/:id/messages ---------------------------------------------------------------


def test_history_newest_first_with_has_more(auth_client, room, employer, model_user):
    stored = _history(room, employer, model_user, 5)

    response = auth_client(model_user).get(messages_url(room.id), {"limit": 3})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["data"]["has_more"] is True
    assert [m["id"] for m in body["data"]["messages"]] == [str(m.id) for m in stored[::-1][:3]]
    newest = stored[-1]
    assert body["data"]["messages"][0] == {
        "id": str(newest.id),
        "room_id": str(room.id),
        "sender_id": str(newest.sender_id),
        "content": "message 4",
        "created_at": newest.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "is_read": False,
        "held": False,
        "rejected": False,
    }


def test_history_pages_back_with_before(auth_client, room, employer, model_user):
    stored = _history(room, employer, model_user, 5)
    client = auth_client(employer)
    first = client.get(messages_url(room.id), {"limit": 2}).json()["data"]

    second = client.get(
        messages_url(room.id), {"limit": 2, "before": first["messages"][-1]["id"]}
    ).json()["data"]
    third = client.get(
        messages_url(room.id), {"limit": 2, "before": second["messages"][-1]["id"]}
    ).json()["data"]

    seen = [m["id"] for page in (first, second, third) for m in page["messages"]]
    assert seen == [str(m.id) for m in reversed(stored)]
    assert (first["has_more"], second["has_more"], third["has_more"]) == (True, True, False)


def test_history_before_handles_messages_of_the_same_instant(auth_client, room, employer):
    instant = timezone.now()
    stored = [MessageFactory(room=room, sender=employer, created_at=instant) for _ in range(4)]
    client = auth_client(employer)

    pages, before = [], None
    while True:
        params = {"limit": 1} | ({"before": before} if before else {})
        data = client.get(messages_url(room.id), params).json()["data"]
        pages += [m["id"] for m in data["messages"]]
        if not data["has_more"]:
            break
        before = data["messages"][-1]["id"]

    assert sorted(pages) == sorted(str(m.id) for m in stored)
    assert len(pages) == 4


@pytest.mark.parametrize("before", ["not-a-uuid", "unknown", "other-room"])
def test_history_bad_before_is_400(auth_client, room, employer, outsider, make_room, before):
    if before == "unknown":
        before = str(uuid.uuid4())
    elif before == "other-room":
        other = make_room(employer, outsider)
        before = str(MessageFactory(room=other, sender=employer).id)

    response = auth_client(employer).get(messages_url(room.id), {"before": before})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "before" in response.json()["error"]["details"]


def test_history_of_a_room_without_messages_shows_nothing_to_outsiders(
    auth_client, room, employer, outsider
):
    assert auth_client(employer).get(messages_url(room.id)).json()["data"]["messages"] == []

    response = auth_client(outsider).get(messages_url(room.id))

    assert response.status_code == 404


@pytest.mark.parametrize("before", ["unknown", "mine"])
def test_history_bad_before_of_an_outsider_is_404_first(
    auth_client, room, employer, outsider, before
):
    message = MessageFactory(room=room, sender=employer)
    cursor = str(uuid.uuid4()) if before == "unknown" else str(message.id)

    response = auth_client(outsider).get(messages_url(room.id), {"before": cursor})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("limit", ["0", "-1", "x"])
def test_history_bad_limit_is_400(auth_client, room, employer, limit):
    response = auth_client(employer).get(messages_url(room.id), {"limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()["error"]["details"]


def test_history_limit_above_maximum_is_clamped(auth_client, room, employer, model_user):
    _history(room, employer, model_user, 3)

    response = auth_client(employer).get(messages_url(room.id), {"limit": 1000})

    assert response.status_code == 200
    assert len(response.json()["data"]["messages"]) == 3


@pytest.mark.parametrize("room_id", ["member-of-nothing", "unknown", "garbage"])
def test_history_for_non_members_is_404(auth_client, room, outsider, room_id):
    target = {"member-of-nothing": room.id, "unknown": uuid.uuid4(), "garbage": "abc"}[room_id]

    response = auth_client(outsider).get(messages_url(target))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_history_requires_authentication(api_client, room):
    response = api_client.get(messages_url(room.id))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


def test_history_is_not_plan_gated(auth_client, make_user, make_room, employer):
    free_user = make_user(role="model")
    room = make_room(employer, free_user)
    MessageFactory(room=room, sender=employer)

    response = auth_client(free_user).get(messages_url(room.id))

    assert response.status_code == 200
    assert len(response.json()["data"]["messages"]) == 1


def test_is_read_follows_the_recipients_read_mark(auth_client, room, employer, model_user):
    older, newer = _history(room, employer, model_user, 2)  # employer, then model
    Membership.objects.filter(room=room, user=model_user).update(last_read_at=older.created_at)

    messages = auth_client(employer).get(messages_url(room.id)).json()["data"]["messages"]

    by_id = {m["id"]: m["is_read"] for m in messages}
    assert by_id[str(older.id)] is True  # the model read the employer's message
    assert by_id[str(newer.id)] is False  # the employer has not read the model's yet


def test_history_query_count_does_not_grow(
    auth_client, room, employer, model_user, django_assert_max_num_queries
):
    client = auth_client(employer)
    _history(room, employer, model_user, 2)
    with CaptureQueriesContext(connection) as small:
        first = client.get(messages_url(room.id))
    _history(room, employer, model_user, 60)

    with django_assert_max_num_queries(len(small.captured_queries)):
        many = client.get(messages_url(room.id))
    with django_assert_max_num_queries(len(small.captured_queries) + 1):  # + the cursor row
        client.get(messages_url(room.id), {"before": first.json()["data"]["messages"][0]["id"]})

    assert len(many.json()["data"]["messages"]) == 50
    # the token's user and the page (the read marks are in it)
    assert len(small.captured_queries) <= 2, [q["sql"][:120] for q in small.captured_queries]


# --- POST /chat/rooms/:id/messages --------------------------------------------------------------


def test_send_message_returns_201_broadcasts_and_notifies(
    auth_client, room, employer, model_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(employer).post(
            messages_url(room.id), {"content": "  Hello, Aigerim!  "}, format="json"
        )

    assert response.status_code == 201
    message = response.json()["data"]["message"]
    stored = Message.objects.get(pk=message["id"])
    assert message == {
        "id": str(stored.id),
        "room_id": str(room.id),
        "sender_id": str(employer.id),
        "content": "Hello, Aigerim!",
        "created_at": stored.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "is_read": False,
        "held": False,
        "rejected": False,
    }
    assert Room.objects.get(pk=room.pk).last_message_at == stored.created_at
    notification = Notification.objects.get(user=model_user, type="new_message")
    assert notification.data == {
        "room_id": str(room.id),
        "message_id": str(stored.id),
        "sender_id": str(employer.id),
        "sender_name": "Studio Aurora",
        "preview": "Hello, Aigerim!",
    }
    assert not Notification.objects.filter(user=employer).exists()


@pytest.mark.parametrize("content", ["", "    ", "x" * 4001, None, ["hi"]])
def test_send_invalid_content_is_400(auth_client, room, employer, content):
    response = auth_client(employer).post(
        messages_url(room.id), {"content": content}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "content" in response.json()["error"]["details"]
    assert not Message.objects.exists()


def test_send_4000_characters_is_accepted(auth_client, room, employer):
    response = auth_client(employer).post(
        messages_url(room.id), {"content": "я" * 4000}, format="json"
    )

    assert response.status_code == 201
    assert len(Message.objects.get().content) == 4000


def test_send_by_free_user_is_403_with_feature(auth_client, make_user, make_room, employer):
    free_user = make_user(role="model")
    room = make_room(employer, free_user)

    response = auth_client(free_user).post(messages_url(room.id), {"content": "Hi"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "SUBSCRIPTION_LIMIT"
    assert response.json()["error"]["details"] == {"feature": "chat_access"}
    assert not Message.objects.exists()


def test_send_by_non_member_is_404(auth_client, room, outsider):
    response = auth_client(outsider).post(
        messages_url(room.id), {"content": "Let me in"}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert not Message.objects.exists()


def test_send_requires_authentication(api_client, room):
    response = api_client.post(messages_url(room.id), {"content": "Hi"}, format="json")

    assert response.status_code == 401
    assert not Message.objects.exists()


def test_send_is_rate_limited_per_user(auth_client, room, employer, settings):
    settings.RATELIMIT_CHAT_MESSAGE = "3/m"
    client = auth_client(employer)
    statuses = [
        client.post(messages_url(room.id), {"content": f"m{i}"}, format="json").status_code
        for i in range(4)
    ]

    assert statuses == [201, 201, 201, 429]
    refused = client.post(messages_url(room.id), {"content": "again"}, format="json")
    assert refused.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert refused.json()["error"]["retry_after"] >= 1
    assert Message.objects.count() == 3


def test_default_send_rate_is_30_a_minute(room, employer, one_rate_window):
    from chat.services import chat_message_send
    from mwork.api.exceptions import RateLimitExceeded

    for index in range(30):
        chat_message_send(sender=employer, room=room, content=f"m{index}")
    with pytest.raises(RateLimitExceeded):
        chat_message_send(sender=employer, room=room, content="one too many")

    assert Message.objects.count() == 30


# --- read state ---------------------------------------------------------------------------------


def test_read_marks_the_room_read_for_that_member_only(auth_client, room, employer, model_user):
    _history(room, employer, model_user, 4)  # 2 from each side

    response = auth_client(model_user).post(read_url(room.id))

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {"room_id": str(room.id), "unread_count": 0},
    }
    assert auth_client(model_user).get(UNREAD_URL).json()["data"] == {
        "unread_count": 0,
        "rooms": [],
    }
    assert auth_client(employer).get(UNREAD_URL).json()["data"] == {
        "unread_count": 2,
        "rooms": [{"room_id": str(room.id), "unread_count": 2}],
    }


def test_read_by_non_member_is_404(auth_client, room, outsider, employer, model_user):
    _history(room, employer, model_user, 2)
    before = list(Membership.objects.values_list("last_read_at", flat=True))

    response = auth_client(outsider).post(read_url(room.id))

    assert response.status_code == 404
    assert list(Membership.objects.values_list("last_read_at", flat=True)) == before


def test_unread_counts_per_member_and_room(
    auth_client, room, employer, model_user, outsider, make_room
):
    second = make_room(outsider, employer)
    _history(room, employer, model_user, 3)  # employer, model, employer
    MessageFactory(room=second, sender=outsider)
    MessageFactory(room=second, sender=outsider)

    employer_unread = auth_client(employer).get(UNREAD_URL)
    model_unread = auth_client(model_user).get(UNREAD_URL)

    assert employer_unread.status_code == 200
    assert employer_unread.json()["data"]["unread_count"] == 3
    assert sorted(
        (r["room_id"], r["unread_count"]) for r in employer_unread.json()["data"]["rooms"]
    ) == sorted([(str(room.id), 1), (str(second.id), 2)])
    assert model_unread.json()["data"] == {
        "unread_count": 2,
        "rooms": [{"room_id": str(room.id), "unread_count": 2}],
    }


def test_unread_requires_authentication(api_client):
    assert api_client.get(UNREAD_URL).status_code == 401
