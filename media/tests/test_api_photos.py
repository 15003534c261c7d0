"""GET /photos, PUT/DELETE /photos/:id, POST /photos/reorder."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from media.models import Photo
from media.services import photo_upload
from media.tests.helpers import image_bytes, stored_files
from profiles.models import ModelProfile

pytestmark = pytest.mark.django_db

LIST_URL = reverse("media:photos")
REORDER_URL = reverse("media:photo-reorder")


def detail_url(photo_id) -> str:
    return reverse("media:photo-detail", kwargs={"photo_id": photo_id})


def add_photos(profile, count: int) -> list[Photo]:
    return [
        photo_upload(
            actor=profile.user,
            file=SimpleUploadedFile("p.jpg", image_bytes("JPEG", (48, 32))),
        )
        for _ in range(count)
    ]


def shape(photo: Photo) -> dict:
    return {
        "id": str(photo.id),
        "url": f"/media/{photo.image}",
        "thumbnail_url": f"/media/{photo.thumbnail}",
        "is_main": photo.is_main,
        "order": photo.order,
    }


def snapshot(profile) -> list[tuple]:
    return list(
        Photo.objects.filter(profile=profile)
        .order_by("created_at", "id")
        .values_list("id", "is_main", "order")
    )


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    return body["error"]


# ---------------------------------------------------------------------------------------------
# GET /photos?profile_id=
# ---------------------------------------------------------------------------------------------
def test_list_is_public_and_in_display_order(make_profile, api_client):
    profile = make_profile()
    first, second, third = add_photos(profile, 3)
    Photo.objects.filter(pk=third.pk).update(order=0)
    Photo.objects.filter(pk=first.pk).update(order=5)
    add_photos(make_profile(), 1)  # another profile's photos never show up

    response = api_client.get(LIST_URL, {"profile_id": str(profile.id)})

    assert response.status_code == 200
    expected = [Photo.objects.get(pk=p.pk) for p in (third, second, first)]
    assert response.json() == {
        "status": "success",
        "data": {
            "photos": [shape(p) for p in expected],
            "pagination": {"total": 3, "limit": 20, "offset": 0, "has_more": False},
        },
    }


def test_list_paginates(make_profile, api_client):
    profile = make_profile()
    add_photos(profile, 3)

    response = api_client.get(LIST_URL, {"profile_id": str(profile.id), "limit": 2, "offset": 1})

    data = response.json()["data"]
    assert len(data["photos"]) == 2
    assert data["pagination"] == {"total": 3, "limit": 2, "offset": 1, "has_more": False}


@pytest.mark.parametrize(
    "params", [{}, {"profile_id": ""}, {"profile_id": "not-a-uuid"}, {"profile_id": "12"}]
)
def test_list_needs_a_profile_uuid(api_client, params):
    error = assert_error(api_client.get(LIST_URL, params), 400, "VALIDATION_ERROR")
    assert list(error["details"]) == ["profile_id"]


def test_list_bad_pagination_is_400(make_profile, api_client):
    profile = make_profile()

    response = api_client.get(LIST_URL, {"profile_id": str(profile.id), "limit": "x"})

    assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == ["limit"]


def test_list_of_unknown_profile_is_404(api_client):
    assert_error(api_client.get(LIST_URL, {"profile_id": str(uuid.uuid4())}), 404, "NOT_FOUND")


def test_list_of_hidden_or_banned_profile_is_404_except_for_its_owner(
    make_profile, api_client, auth_client
):
    hidden = make_profile(is_hidden=True)
    add_photos(hidden, 1)
    banned = make_profile()
    add_photos(banned, 1)
    banned.user.is_active = False
    banned.user.save(update_fields=["is_active"])

    for profile in (hidden, banned):
        assert_error(api_client.get(LIST_URL, {"profile_id": str(profile.id)}), 404, "NOT_FOUND")
    other = auth_client(make_profile().user)
    assert_error(other.get(LIST_URL, {"profile_id": str(hidden.id)}), 404, "NOT_FOUND")
    own = auth_client(hidden.user).get(LIST_URL, {"profile_id": str(hidden.id)})
    assert own.status_code == 200
    assert len(own.json()["data"]["photos"]) == 1


@pytest.mark.parametrize("count", [2, 20])
def test_list_query_budget_does_not_grow(
    make_profile, api_client, django_assert_max_num_queries, count
):
    profile = make_profile()
    add_photos(profile, 2)
    if count > 2:
        # Rows straight in: the quota (5 on FREE) is not what this test is about.
        main = Photo.objects.get(profile=profile, is_main=True)
        Photo.objects.bulk_create(
            [
                Photo(
                    profile=profile,
                    image=main.image,
                    thumbnail=main.thumbnail,
                    order=i + 2,
                    width=48,
                    height=32,
                )
                for i in range(count - 2)
            ]
        )

    # 1: the profile is visible; 2: the page of rows; 3: the count, when the page is full.
    with django_assert_max_num_queries(3):
        response = api_client.get(LIST_URL, {"profile_id": str(profile.id)})

    assert len(response.json()["data"]["photos"]) == count


# ---------------------------------------------------------------------------------------------
# PUT /photos/:id
# ---------------------------------------------------------------------------------------------
def test_update_makes_a_photo_main(make_profile, auth_client):
    profile = make_profile()
    first, second = add_photos(profile, 2)

    response = auth_client(profile.user).put(
        detail_url(second.id), {"is_main": True, "order": 9}, format="json"
    )

    assert response.status_code == 200
    second = Photo.objects.get(pk=second.pk)
    assert response.json() == {"status": "success", "data": {"photo": shape(second)}}
    assert (second.is_main, second.order) == (True, 9)
    assert Photo.objects.get(pk=first.pk).is_main is False
    profile = ModelProfile.objects.get(pk=profile.pk)
    assert (profile.main_photo, profile.main_thumbnail) == (second.image, second.thumbnail)


def test_update_order_only_keeps_the_main_mark(make_profile, auth_client):
    profile = make_profile()
    first, _second = add_photos(profile, 2)

    response = auth_client(profile.user).put(detail_url(first.id), {"order": 3}, format="json")

    assert response.json()["data"]["photo"]["is_main"] is True
    assert response.json()["data"]["photo"]["order"] == 3


def test_update_cannot_unmark_the_main_photo(make_profile, auth_client):
    profile = make_profile()
    first, _ = add_photos(profile, 2)
    before = snapshot(profile)

    response = auth_client(profile.user).put(
        detail_url(first.id), {"is_main": False}, format="json"
    )

    assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == ["is_main"]
    assert snapshot(profile) == before


@pytest.mark.parametrize(
    ("payload", "fields"),
    [({}, {"non_field_errors"}), ({"order": -1}, {"order"}), ({"is_main": "maybe"}, {"is_main"})],
)
def test_update_validation(make_profile, auth_client, payload, fields):
    profile = make_profile()
    (photo,) = add_photos(profile, 1)

    response = auth_client(profile.user).put(detail_url(photo.id), payload, format="json")

    assert set(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == fields


# ---------------------------------------------------------------------------------------------
# DELETE /photos/:id
# ---------------------------------------------------------------------------------------------
def test_delete_removes_row_and_files_after_commit(
    make_profile, auth_client, local_storage, django_capture_on_commit_callbacks
):
    profile = make_profile()
    keep, gone = add_photos(profile, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(profile.user).delete(detail_url(gone.id))

    assert response.status_code == 204
    assert response.content == b""
    assert not Photo.objects.filter(pk=gone.pk).exists()
    assert stored_files(local_storage) == sorted([keep.image, keep.thumbnail])


def test_files_stay_until_the_transaction_commits(
    make_profile, auth_client, local_storage, django_capture_on_commit_callbacks
):
    profile = make_profile()
    (photo,) = add_photos(profile, 1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        auth_client(profile.user).delete(detail_url(photo.id))

    assert stored_files(local_storage) == sorted([photo.image, photo.thumbnail])
    assert len(callbacks) == 1


def test_deleting_the_main_photo_promotes_the_next(
    make_profile, auth_client, django_capture_on_commit_callbacks
):
    profile = make_profile()
    main, later, sooner = add_photos(profile, 3)
    Photo.objects.filter(pk=sooner.pk).update(order=1)
    Photo.objects.filter(pk=later.pk).update(order=2)
    Photo.objects.filter(pk=main.pk).update(order=0)

    with django_capture_on_commit_callbacks(execute=True):
        auth_client(profile.user).delete(detail_url(main.id))

    sooner = Photo.objects.get(pk=sooner.pk)
    assert sooner.is_main is True
    assert Photo.objects.get(pk=later.pk).is_main is False
    profile = ModelProfile.objects.get(pk=profile.pk)
    assert (profile.main_photo, profile.main_thumbnail) == (sooner.image, sooner.thumbnail)


def test_deleting_the_last_photo_clears_the_profile(
    make_profile, auth_client, django_capture_on_commit_callbacks
):
    profile = make_profile()
    (photo,) = add_photos(profile, 1)
    with_photo = ModelProfile.objects.get(pk=profile.pk).completeness

    with django_capture_on_commit_callbacks(execute=True):
        auth_client(profile.user).delete(detail_url(photo.id))

    profile = ModelProfile.objects.get(pk=profile.pk)
    assert (profile.main_photo, profile.main_thumbnail) == ("", "")
    assert profile.completeness < with_photo


# ---------------------------------------------------------------------------------------------
# Authorization matrix of every write
# ---------------------------------------------------------------------------------------------
WRITES = {
    "update": lambda client, photo: client.put(detail_url(photo.id), {"order": 4}, format="json"),
    "delete": lambda client, photo: client.delete(detail_url(photo.id)),
}


@pytest.mark.parametrize("action", list(WRITES))
def test_writes_require_authentication(make_profile, api_client, local_storage, action):
    profile = make_profile()
    (photo,) = add_photos(profile, 1)
    before = snapshot(profile)

    assert_error(WRITES[action](api_client, photo), 401, "AUTH_REQUIRED")

    assert snapshot(profile) == before
    assert len(stored_files(local_storage)) == 2


def test_reorder_requires_authentication(api_client):
    assert_error(
        api_client.post(REORDER_URL, {"photo_ids": []}, format="json"), 401, "AUTH_REQUIRED"
    )


@pytest.mark.parametrize("action", list(WRITES))
@pytest.mark.parametrize("intruder_role", ["model", "employer"])
def test_non_owner_gets_403_and_nothing_changes(
    make_profile,
    make_user,
    auth_client,
    local_storage,
    django_capture_on_commit_callbacks,
    action,
    intruder_role,
):
    profile = make_profile()
    (photo,) = add_photos(profile, 1)
    intruder = make_profile().user if intruder_role == "model" else make_user(role="employer")
    before = snapshot(profile)

    with django_capture_on_commit_callbacks(execute=True):
        response = WRITES[action](auth_client(intruder), photo)

    assert_error(response, 403, "PERMISSION_DENIED")
    assert snapshot(profile) == before
    assert len(stored_files(local_storage)) == 2


@pytest.mark.parametrize("action", list(WRITES))
def test_photo_of_hidden_profile_or_unknown_id_is_404(make_profile, auth_client, action):
    hidden = make_profile(is_hidden=True)
    (photo,) = add_photos(hidden, 1)
    intruder = auth_client(make_profile().user)
    before = snapshot(hidden)

    assert_error(WRITES[action](intruder, photo), 404, "NOT_FOUND")
    assert_error(WRITES[action](intruder, Photo(id=uuid.uuid4())), 404, "NOT_FOUND")
    assert snapshot(hidden) == before


# ---------------------------------------------------------------------------------------------
# POST /photos/reorder
# ---------------------------------------------------------------------------------------------
def test_reorder_sets_positions(make_profile, auth_client):
    profile = make_profile()
    a, b, c = add_photos(profile, 3)

    response = auth_client(profile.user).post(
        REORDER_URL, {"photo_ids": [str(c.id), str(a.id), str(b.id)]}, format="json"
    )

    assert response.status_code == 200
    expected = [Photo.objects.get(pk=p.pk) for p in (c, a, b)]
    assert [p.order for p in expected] == [0, 1, 2]
    assert response.json() == {
        "status": "success",
        "data": {"photos": [shape(p) for p in expected]},
    }
    assert expected[1].is_main is True  # reordering does not move the main mark


def test_reorder_with_a_foreign_id_is_refused(make_profile, auth_client):
    profile = make_profile()
    a, b = add_photos(profile, 2)
    (foreign,) = add_photos(make_profile(), 1)
    before = snapshot(profile)

    response = auth_client(profile.user).post(
        REORDER_URL, {"photo_ids": [str(b.id), str(a.id), str(foreign.id)]}, format="json"
    )

    assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == ["photo_ids"]
    assert snapshot(profile) == before


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param(lambda a, b: [str(b.id)], id="missing"),
        pytest.param(lambda a, b: [str(b.id), str(a.id), str(a.id)], id="duplicate"),
        pytest.param(lambda a, b: [str(b.id), str(uuid.uuid4())], id="unknown"),
        pytest.param(lambda a, b: [str(b.id), "nope"], id="not-a-uuid"),
        pytest.param(lambda a, b: str(a.id), id="not-a-list"),
    ],
)
def test_reorder_must_list_exactly_the_callers_photos(make_profile, auth_client, ids):
    profile = make_profile()
    a, b = add_photos(profile, 2)
    before = snapshot(profile)

    response = auth_client(profile.user).post(REORDER_URL, {"photo_ids": ids(a, b)}, format="json")

    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert [key.split(".")[0] for key in details] == ["photo_ids"]  # "photo_ids.1" per item
    assert snapshot(profile) == before


def test_reorder_by_other_roles_and_without_profile(make_user, auth_client):
    employer = auth_client(make_user(role="employer"))
    no_profile = auth_client(make_user(role="model"))

    assert_error(
        employer.post(REORDER_URL, {"photo_ids": []}, format="json"), 403, "PERMISSION_DENIED"
    )
    assert_error(
        no_profile.post(REORDER_URL, {"photo_ids": []}, format="json"), 403, "PROFILE_REQUIRED"
    )
