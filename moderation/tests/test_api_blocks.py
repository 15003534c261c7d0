import uuid

import pytest
from django.urls import reverse

from accounts.models import Block
from accounts.selectors import is_blocked_between
from accounts.tests.factories import BlockFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("moderation:blocked-users")


def _url(user_id):
    return reverse("moderation:user-block", kwargs={"user_id": user_id})


def test_block_user_201_then_200(make_user, auth_client, make_employer_profile):
    me = make_user()
    employer = make_employer_profile().user
    client = auth_client(me)

    first = client.post(_url(employer.id))
    again = client.post(_url(employer.id))

    assert first.status_code == 201
    assert first.json() == {
        "status": "success",
        "data": {
            "user": {
                "id": str(employer.id),
                "name": "Steppe Studio",
                "avatar": None,
                "role": "employer",
                "blocked_at": first.json()["data"]["user"]["blocked_at"],
            }
        },
    }
    assert again.status_code == 200
    assert again.json()["data"] == first.json()["data"]
    assert Block.objects.filter(blocker=me, blocked=employer).count() == 1
    assert is_blocked_between(user_a_id=employer.id, user_b_id=me.id)


def test_name_never_falls_back_to_email(make_user, auth_client):
    me, other = make_user(), make_user()

    response = auth_client(me).post(_url(other.id))

    assert response.json()["data"]["user"]["name"] == "MWork user"
    assert other.email not in response.content.decode()


def test_self_block_is_400(make_user, auth_client):
    me = make_user()

    response = auth_client(me).post(_url(me.id))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "user_id" in response.json()["error"]["details"]
    assert not Block.objects.exists()


@pytest.mark.parametrize("method", ["post", "delete"])
def test_unknown_or_banned_user_is_404(make_user, auth_client, method):
    client = auth_client(make_user())
    banned = make_user(is_active=False)

    for user_id in (uuid.uuid4(), banned.id):
        response = getattr(client, method)(_url(user_id))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"
    assert not Block.objects.exists()


def test_malformed_id_is_404_envelope(make_user, auth_client):
    response = auth_client(make_user()).post("/api/v1/users/not-a-uuid/block")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_unblock_restores(make_user, auth_client):
    me, other = make_user(), make_user()
    BlockFactory(blocker=me, blocked=other)
    client = auth_client(me)

    response = client.delete(_url(other.id))

    assert response.status_code == 204
    assert response.content == b""
    assert not is_blocked_between(user_a_id=me.id, user_b_id=other.id)
    assert client.delete(_url(other.id)).status_code == 204  # idempotent


def test_unblock_removes_only_own_block(make_user, auth_client):
    me, other = make_user(), make_user()
    BlockFactory(blocker=other, blocked=me)

    response = auth_client(me).delete(_url(other.id))

    assert response.status_code == 204
    assert Block.objects.filter(blocker=other, blocked=me).exists()


@pytest.mark.parametrize("method,url", [("post", "block"), ("delete", "block"), ("get", "list")])
def test_requires_authentication(api_client, make_user, method, url):
    target = _url(make_user().id) if url == "block" else LIST_URL

    response = getattr(api_client, method)(target)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


def test_blocked_list_shape(make_user, auth_client, make_model_profile):
    me = make_user()
    older = make_model_profile(name="Dana Older").user
    newer = make_user(role="agency")
    BlockFactory(blocker=me, blocked=older)
    BlockFactory(blocker=me, blocked=newer)
    BlockFactory(blocker=newer, blocked=make_user())  # someone else's block

    response = auth_client(me).get(LIST_URL, {"limit": 1})

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["pagination"] == {"total": 2, "limit": 1, "offset": 0, "has_more": True}
    assert [u["id"] for u in data["users"]] == [str(newer.id)]
    assert set(data["users"][0]) == {"id", "name", "avatar", "role", "blocked_at"}
    second = auth_client(me).get(LIST_URL, {"limit": 1, "offset": 1}).json()["data"]
    assert second["users"][0]["name"] == "Dana Older"


def test_blocked_list_bad_pagination_is_400(make_user, auth_client):
    response = auth_client(make_user()).get(LIST_URL, {"limit": "x"})

    assert response.status_code == 400
    assert "limit" in response.json()["error"]["details"]


@pytest.mark.parametrize("rows", [2, 20])
def test_blocked_list_query_count_is_flat(
    make_user,
    auth_client,
    make_model_profile,
    make_employer_profile,
    django_assert_max_num_queries,
    rows,
):
    me = make_user()
    client = auth_client(me)
    for index in range(rows):
        maker = make_model_profile if index % 2 else make_employer_profile
        other = maker().user
        BlockFactory(blocker=me, blocked=other)

    # auth (user) + count + page
    with django_assert_max_num_queries(3):
        response = client.get(LIST_URL, {"limit": 100})

    assert len(response.json()["data"]["users"]) == rows
