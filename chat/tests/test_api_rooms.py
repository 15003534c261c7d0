from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Subscription
from castings.tests.factories import CastingFactory, ModelProfileFactory, ResponseFactory
from chat.models import Membership, Room
from chat.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

ROOMS_URL = "/api/v1/chat/rooms"


def test_rooms_url_is_the_contract_address():
    assert reverse("chat:rooms") == ROOMS_URL


# --- POST /chat/rooms ------------------------------------------------------------------------


def test_create_room_returns_201_with_the_room(auth_client, employer, model_user):
    response = auth_client(employer).post(
        ROOMS_URL, {"participant_id": str(model_user.id)}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "success"
    room = body["data"]["room"]
    assert set(room) == {
        "id",
        "participants",
        "casting_id",
        "last_message",
        "unread_count",
        "created_at",
    }
    assert room["casting_id"] is None
    assert room["last_message"] is None
    assert room["unread_count"] == 0
    assert room["created_at"].endswith("Z")
    participants = {p["id"]: p for p in room["participants"]}
    assert participants[str(employer.id)] == {
        "id": str(employer.id),
        "name": "Studio Aurora",
        "avatar": None,
        "role": "employer",
    }
    assert participants[str(model_user.id)]["name"] == "Aigerim Nurlanovna"
    assert participants[str(model_user.id)]["role"] == "model"
    stored = Room.objects.get(pk=room["id"])
    assert set(stored.memberships.values_list("user_id", flat=True)) == {
        employer.id,
        model_user.id,
    }


def test_create_room_again_from_either_side_returns_200_with_the_same_room(
    auth_client, employer, model_user
):
    first = auth_client(employer).post(
        ROOMS_URL, {"participant_id": str(model_user.id)}, format="json"
    )

    again = auth_client(employer).post(
        ROOMS_URL, {"participant_id": str(model_user.id)}, format="json"
    )
    reverse_side = auth_client(model_user).post(
        ROOMS_URL, {"participant_id": str(employer.id)}, format="json"
    )

    assert again.status_code == 200
    assert reverse_side.status_code == 200
    room_id = first.json()["data"]["room"]["id"]
    assert again.json()["data"]["room"]["id"] == room_id
    assert reverse_side.json()["data"]["room"]["id"] == room_id
    assert Room.objects.count() == 1
    assert Membership.objects.count() == 2


def test_participants_never_show_an_email(auth_client, make_user, employer):
    no_profile = make_user(role="model")

    response = auth_client(employer).post(
        ROOMS_URL, {"participant_id": str(no_profile.id)}, format="json"
    )

    assert response.status_code == 201
    names = [p["name"] for p in response.json()["data"]["room"]["participants"]]
    assert "MWork user" in names
    assert all("@" not in name for name in names)


def test_create_room_with_yourself_is_400(auth_client, employer):
    response = auth_client(employer).post(
        ROOMS_URL, {"participant_id": str(employer.id)}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "participant_id" in response.json()["error"]["details"]
    assert Room.objects.count() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "participant_id"),
        ({"participant_id": "nope"}, "participant_id"),
        ({"participant_id": str(uuid.uuid4()), "casting_id": "x"}, "casting_id"),
    ],
)
def test_create_room_validation(auth_client, employer, body, field):
    response = auth_client(employer).post(ROOMS_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in response.json()["error"]["details"]


def test_create_room_with_unknown_user_is_404(auth_client, employer):
    response = auth_client(employer).post(
        ROOMS_URL, {"participant_id": str(uuid.uuid4())}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_create_room_with_banned_user_is_404(auth_client, employer, make_user):
    banned = make_user(role="model", is_active=False)

    response = auth_client(employer).post(
        ROOMS_URL, {"participant_id": str(banned.id)}, format="json"
    )

    assert response.status_code == 404
    assert Room.objects.count() == 0


def test_create_room_requires_authentication(api_client, model_user):
    response = api_client.post(ROOMS_URL, {"participant_id": str(model_user.id)}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


def test_create_room_about_a_casting_between_owner_and_applicant(auth_client, employer, model_user):
    casting = CastingFactory(owner=employer)
    ResponseFactory(casting=casting, model_profile=model_user.model_profile)

    from_owner = auth_client(employer).post(
        ROOMS_URL,
        {"participant_id": str(model_user.id), "casting_id": str(casting.id)},
        format="json",
    )
    from_applicant = auth_client(model_user).post(
        ROOMS_URL,
        {"participant_id": str(employer.id), "casting_id": str(casting.id)},
        format="json",
    )
    direct = auth_client(employer).post(
        ROOMS_URL, {"participant_id": str(model_user.id)}, format="json"
    )

    assert from_owner.status_code == 201
    assert from_owner.json()["data"]["room"]["casting_id"] == str(casting.id)
    assert from_applicant.status_code == 200
    assert from_applicant.json()["data"]["room"]["id"] == from_owner.json()["data"]["room"]["id"]
    # A direct chat of the same pair is a room of its own.
    assert direct.status_code == 201
    assert direct.json()["data"]["room"]["id"] != from_owner.json()["data"]["room"]["id"]


@pytest.mark.parametrize("case", ["not_applied", "not_owner", "unknown_casting"])
def test_create_room_about_a_casting_needs_owner_and_applicant(
    auth_client, employer, model_user, make_user, case
):
    casting = CastingFactory(owner=employer)
    if case == "not_owner":
        other_owner_casting = CastingFactory()
        ResponseFactory(casting=other_owner_casting, model_profile=model_user.model_profile)
        casting = other_owner_casting
    casting_id = uuid.uuid4() if case == "unknown_casting" else casting.id

    response = auth_client(employer).post(
        ROOMS_URL,
        {"participant_id": str(model_user.id), "casting_id": str(casting_id)},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    assert Room.objects.count() == 0


# --- GET /chat/rooms ---------------------------------------------------------------------------


def test_list_rooms_newest_activity_first_with_state(
    auth_client, employer, model_user, make_room, make_user
):
    other_model = make_user(role="model", plan="PRO")
    ModelProfileFactory(user=other_model, name="Dana Sultanova")
    quiet = make_room(employer, other_model)
    busy = make_room(employer, model_user)
    now = timezone.now()
    MessageFactory(room=busy, sender=employer, content="Hello", created_at=now)
    last = MessageFactory(
        room=busy, sender=model_user, content="Hi!", created_at=now + timedelta(milliseconds=1)
    )
    Room.objects.filter(pk=busy.pk).update(last_message_at=now + timedelta(seconds=1))

    response = auth_client(employer).get(ROOMS_URL)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["pagination"] == {"total": 2, "limit": 20, "offset": 0, "has_more": False}
    assert [r["id"] for r in data["rooms"]] == [str(busy.id), str(quiet.id)]
    first = data["rooms"][0]
    assert first["last_message"] == {
        "id": str(last.id),
        "room_id": str(busy.id),
        "sender_id": str(model_user.id),
        "content": "Hi!",
        "created_at": last.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "is_read": False,
        "held": False,
        "rejected": False,
    }
    # The employer's own "Hello" is not unread for the employer; the model's "Hi!" is.
    assert first["unread_count"] == 1
    assert data["rooms"][1]["last_message"] is None
    assert data["rooms"][1]["unread_count"] == 0


@pytest.mark.parametrize(
    ("offset", "count", "has_more"),
    [(0, 2, True), (2, 1, False), (3, 0, False), (9, 0, False), (2**63, 0, False)],
)
def test_list_rooms_total_is_exact_on_every_page(
    auth_client, employer, make_user, make_room, offset, count, has_more
):
    """The total comes with the page's rows (a window count); a page past the end counts."""
    for _ in range(3):
        make_room(employer, make_user(role="model", plan="PRO"))

    response = auth_client(employer).get(ROOMS_URL, {"limit": 2, "offset": offset})

    data = response.json()["data"]
    assert len(data["rooms"]) == count
    assert data["pagination"] == {"total": 3, "limit": 2, "offset": offset, "has_more": has_more}


def test_list_rooms_shows_only_my_rooms(auth_client, room, outsider, make_room, model_user):
    make_room(outsider, model_user)

    response = auth_client(outsider).get(ROOMS_URL)

    assert response.status_code == 200
    assert room.id not in [r["id"] for r in response.json()["data"]["rooms"]]
    assert response.json()["data"]["pagination"]["total"] == 1


@pytest.mark.parametrize(
    ("has_room", "query"),
    [
        (True, {}),  # the plan comes with the page's rows
        (False, {}),  # no row to carry it: read alone
        (True, {"offset": 40}),  # past the end
        (True, {"offset": 2**63 - 10}),  # past what SQL can page to
    ],
    ids=["with-rooms", "without-rooms", "past-the-end", "past-bigint"],
)
@pytest.mark.parametrize("plan", [None, "EXPIRED"], ids=["free", "expired-paid"])
def test_list_rooms_needs_chat_access(
    auth_client, make_user, make_room, employer, has_room, query, plan
):
    free_user = make_user(role="model", plan="PRO" if plan == "EXPIRED" else None)
    Subscription.objects.filter(user=free_user).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    if has_room:
        make_room(employer, free_user)

    response = auth_client(free_user).get(ROOMS_URL, query)

    assert response.status_code == 403
    assert response.json() == {
        "status": "error",
        "error": {
            "code": "SUBSCRIPTION_LIMIT",
            "message": response.json()["error"]["message"],
            "details": {"feature": "chat_access"},
        },
    }


def test_list_rooms_requires_authentication(api_client):
    response = api_client.get(ROOMS_URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


def test_list_rooms_bad_limit_is_400(auth_client, employer):
    response = auth_client(employer).get(ROOMS_URL, {"limit": "abc"})

    assert response.status_code == 400
    assert "limit" in response.json()["error"]["details"]


def _rooms_with_messages(employer, count, make_user, make_room):
    for index in range(count):
        other = make_user(role="model", plan="PRO")
        ModelProfileFactory(user=other, name=f"Model {index}")
        room = make_room(employer, other)
        MessageFactory(room=room, sender=other)
        MessageFactory(room=room, sender=employer)


def test_list_rooms_query_count_does_not_grow(
    auth_client, employer, make_user, make_room, django_assert_max_num_queries
):
    client = auth_client(employer)
    _rooms_with_messages(employer, 2, make_user, make_room)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(ROOMS_URL).status_code == 200
    _rooms_with_messages(employer, 18, make_user, make_room)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(ROOMS_URL)

    assert len(response.json()["data"]["rooms"]) == 20
    # the token's user, the page (the plan, members and last messages are in it)
    assert len(small.captured_queries) <= 2, [q["sql"][:120] for q in small.captured_queries]


def test_list_rooms_past_bigint_is_an_empty_page_with_the_total(auth_client, employer, room):
    response = auth_client(employer).get(ROOMS_URL, {"offset": 2**63 - 10})

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["rooms"] == []
    assert data["pagination"]["total"] == 1
    assert data["pagination"]["has_more"] is False
