"""GET/POST/PUT of model profiles: shape, ranges, auth matrix, visibility, budget."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from media.models import Photo
from profiles import selectors
from profiles.models import ModelProfile
from profiles.tests.factories import ModelProfileFactory, WorkExperienceFactory
from profiles.tests.helpers import assert_error, detail_url, list_url

pytestmark = pytest.mark.django_db

FULL_BODY: dict[str, Any] = {
    "name": "Aisha Nurzhanova",
    "bio": "Professional fashion model with 5 years of experience",
    "age": 24,
    "gender": "female",
    "height": 175,
    "weight": 58,
    "bust": 86,
    "waist": 62,
    "hips": 90,
    "shoe_size": 38,
    "clothing_size": "S",
    "hair_color": "brown",
    "eye_color": "brown",
    "skin_tone": "fair",
    "city": "Almaty",
    "country": "Kazakhstan",
    "languages": ["Kazakh", "Russian", "English"],
    "categories": ["fashion", "commercial"],
    "experience": "experienced",
    "can_travel": True,
}

DETAIL_KEYS = {
    "id",
    "user_id",
    "name",
    "bio",
    "age",
    "gender",
    "height",
    "weight",
    "measurements",
    "shoe_size",
    "clothing_size",
    "hair_color",
    "eye_color",
    "skin_tone",
    "city",
    "country",
    "languages",
    "categories",
    "experience",
    "can_travel",
    "main_photo",
    "photos",
    "work_experience",
    "is_promoted",
    "promoted_until",
    "rating",
    "reviews_count",
    "completeness",
    "is_hidden",
    "agency",
    "created_at",
    "updated_at",
}


def add_photos(profile: ModelProfile, count: int) -> list[Photo]:
    return [
        Photo.objects.create(
            profile=profile,
            image=f"photos/{profile.id}/{index}.jpg",
            thumbnail=f"thumbnails/{profile.id}/{index}.jpg",
            is_main=index == 0,
            order=index,
            width=800,
            height=1066,
        )
        for index in range(count)
    ]


def snapshot(profile: ModelProfile) -> dict[str, Any]:
    return {
        k: v
        for k, v in ModelProfile.objects.filter(pk=profile.pk).values().get().items()
        if k not in ("search_vector",)
    }


# --- detail ----------------------------------------------------------------------------------
def test_detail_is_public_with_the_full_shape(api_client, media_root):
    profile = ModelProfileFactory(
        bust=86, waist=62, hips=90, weight=58, shoe_size=38, clothing_size="S"
    )
    photos = add_photos(profile, 2)
    WorkExperienceFactory(profile=profile)

    response = api_client.get(detail_url(profile.id))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    model = body["data"]["model"]
    assert set(model) == DETAIL_KEYS
    assert model["measurements"] == {"bust": 86, "waist": 62, "hips": 90}
    assert model["photos"] == [
        {
            "id": str(photo.id),
            "url": f"/media/{photo.image}",
            "thumbnail_url": f"/media/{photo.thumbnail}",
            "is_main": photo.is_main,
            "order": photo.order,
        }
        for photo in photos
    ]
    assert model["work_experience"] == [
        {
            "id": model["work_experience"][0]["id"],
            "company": "Fashion House Almaty",
            "position": "Fashion Model",
            "start_date": "2020-01-01",
            "end_date": "2023-12-31",
        }
    ]
    assert model["rating"] == 0.0
    assert model["reviews_count"] == 0
    assert model["is_promoted"] is False
    assert model["promoted_until"] is None
    assert model["created_at"].endswith("Z")


@pytest.mark.parametrize("state", ["hidden", "banned", "unknown", "not-a-uuid"])
def test_invisible_profile_is_404(api_client, state):
    profile = ModelProfileFactory(is_hidden=state == "hidden")
    if state == "banned":
        profile.user.is_active = False
        profile.user.save(update_fields=["is_active"])
    target = {"unknown": "2b1c7e0e-8c58-4a1f-9b0e-000000000000", "not-a-uuid": "abc"}.get(
        state, profile.id
    )

    assert_error(api_client.get(detail_url(target)), 404, "NOT_FOUND")


@pytest.mark.parametrize("photos", [2, 50])
def test_detail_query_count_is_constant(
    api_client, django_assert_num_queries, django_assert_max_num_queries, photos
):
    profile = ModelProfileFactory()
    add_photos(profile, photos)
    WorkExperienceFactory.create_batch(photos, profile=profile)

    # One query (the profile, its promotion and agency, its photos and work experience as JSON
    # arrays). Then the view is counted (analytics owns that: at most an INSERT … ON CONFLICT
    # under a savepoint in a test).
    reads = 1
    with django_assert_max_num_queries(reads + 3):
        response = api_client.get(detail_url(profile.id))
    with django_assert_num_queries(reads):
        selectors.model_profile_get(profile_id=profile.id)

    assert len(response.json()["data"]["model"]["photos"]) == photos


# --- create ----------------------------------------------------------------------------------
def test_create_returns_201_with_the_detail(auth_client, make_user):
    user = make_user(role="model")

    response = auth_client(user).post(list_url(), FULL_BODY, format="json")

    assert response.status_code == 201, response.content
    model = response.json()["data"]["model"]
    assert set(model) == DETAIL_KEYS
    assert model["user_id"] == str(user.id)
    assert model["measurements"] == {"bust": 86, "waist": 62, "hips": 90}
    assert model["languages"] == ["Kazakh", "Russian", "English"]
    assert model["photos"] == []
    assert model["completeness"] == 70  # every field, no photos yet
    stored = ModelProfile.objects.get(user=user)
    assert stored.name == "Aisha Nurzhanova"
    assert stored.completeness == 70


def test_create_with_only_required_fields(auth_client, make_user):
    user = make_user(role="model")

    response = auth_client(user).post(
        list_url(), {"name": "Dana", "age": 20, "gender": "female"}, format="json"
    )

    assert response.status_code == 201, response.content
    model = response.json()["data"]["model"]
    assert model["country"] == "Kazakhstan"
    assert model["experience"] is None
    assert model["clothing_size"] is None
    assert model["categories"] == []
    assert 0 < model["completeness"] < 20


def test_create_requires_authentication(api_client):
    assert_error(api_client.post(list_url(), FULL_BODY, format="json"), 401, "AUTH_REQUIRED")
    assert not ModelProfile.objects.exists()


@pytest.mark.parametrize("role", ["employer", "agency"])
def test_create_by_wrong_role_is_403(auth_client, make_user, role):
    response = auth_client(make_user(role=role)).post(list_url(), FULL_BODY, format="json")

    assert_error(response, 403, "PERMISSION_DENIED")
    assert not ModelProfile.objects.exists()


def test_second_profile_is_409(auth_client, make_user):
    user = make_user(role="model")
    client = auth_client(user)
    assert client.post(list_url(), FULL_BODY, format="json").status_code == 201

    response = client.post(list_url(), {**FULL_BODY, "name": "Other"}, format="json")

    assert_error(response, 409, "DUPLICATE_RESOURCE")
    assert ModelProfile.objects.get(user=user).name == "Aisha Nurzhanova"


RANGE_CASES = [
    ("age", 18, 99),
    ("height", 100, 250),
    ("weight", 30, 200),
    ("bust", 40, 200),
    ("waist", 40, 200),
    ("hips", 40, 200),
    ("shoe_size", 30, 50),
]


@pytest.mark.parametrize(("field", "low", "high"), RANGE_CASES)
def test_range_boundaries_are_accepted(auth_client, make_user, field, low, high):
    for value in (low, high):
        user = make_user(role="model")
        response = auth_client(user).post(list_url(), {**FULL_BODY, field: value}, format="json")
        assert response.status_code == 201, (field, value, response.content)
        assert getattr(ModelProfile.objects.get(user=user), field) == value


@pytest.mark.parametrize(("field", "low", "high"), RANGE_CASES)
def test_values_just_outside_the_range_are_400(auth_client, make_user, field, low, high):
    client = auth_client(make_user(role="model"))
    for value in (low - 1, high + 1):
        response = client.post(list_url(), {**FULL_BODY, field: value}, format="json")
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert list(error["details"]) == [field]
    assert not ModelProfile.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("name", "A", False),
        ("name", "Ab", True),
        ("name", "x" * 100, True),
        ("name", "x" * 101, False),
        ("bio", "x" * 2000, True),
        ("bio", "x" * 2001, False),
        ("hair_color", "x" * 30, True),
        ("hair_color", "x" * 31, False),
        ("eye_color", "x" * 31, False),
        ("skin_tone", "x" * 31, False),
        ("city", "x" * 100, True),
        ("city", "x" * 101, False),
        ("languages", [f"L{i}" for i in range(10)], True),
        ("languages", [f"L{i}" for i in range(11)], False),
        ("languages", "Kazakh", False),
        ("categories", ["fashion", "commercial", "editorial", "runway"], True),
        ("categories", ["fashion", "sports"], False),
        ("gender", "robot", False),
        ("clothing_size", "XXXL", False),
        ("clothing_size", "XS", True),
        ("experience", "guru", False),
        ("experience", "beginner", True),
        ("can_travel", "maybe", False),
        ("age", "twenty", False),
        ("age", 24.5, False),
    ],
)
def test_field_rules(auth_client, make_user, field, value, accepted):
    response = auth_client(make_user(role="model")).post(
        list_url(), {**FULL_BODY, field: value}, format="json"
    )

    if accepted:
        assert response.status_code == 201, response.content
    else:
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert list(error["details"]) == [field]


def test_missing_required_fields_are_named(auth_client, make_user):
    response = auth_client(make_user(role="model")).post(list_url(), {}, format="json")

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert set(error["details"]) == {"name", "age", "gender"}


def test_malformed_json_is_400(auth_client, make_user):
    response = auth_client(make_user(role="model")).post(
        list_url(), "{not json", content_type="application/json"
    )

    assert_error(response, 400, "VALIDATION_ERROR")


def test_duplicate_categories_and_languages_are_collapsed(auth_client, make_user):
    response = auth_client(make_user(role="model")).post(
        list_url(),
        {**FULL_BODY, "categories": ["fashion", "fashion"], "languages": ["Kazakh", "Kazakh"]},
        format="json",
    )

    model = response.json()["data"]["model"]
    assert model["categories"] == ["fashion"]
    assert model["languages"] == ["Kazakh"]


# --- update ----------------------------------------------------------------------------------
def test_owner_updates_partially(auth_client):
    profile = ModelProfileFactory(bio="Old", height=170, weight=55)

    response = auth_client(profile.user).put(
        detail_url(profile.id),
        {"bio": "Updated bio...", "height": 176, "categories": ["fashion", "editorial", "runway"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    model = response.json()["data"]["model"]
    assert model["bio"] == "Updated bio..."
    assert model["height"] == 176
    assert model["categories"] == ["fashion", "editorial", "runway"]
    assert model["weight"] == 55  # untouched
    stored = ModelProfile.objects.get(pk=profile.pk)
    assert (stored.bio, stored.height, stored.weight) == ("Updated bio...", 176, 55)


def test_patch_works_like_put(auth_client):
    profile = ModelProfileFactory()

    response = auth_client(profile.user).patch(
        detail_url(profile.id), {"city": "Astana"}, format="json"
    )

    assert response.status_code == 200
    assert ModelProfile.objects.get(pk=profile.pk).city == "Astana"


def test_update_recomputes_completeness(auth_client):
    profile = ModelProfileFactory(completeness=0)
    before = ModelProfile.objects.get(pk=profile.pk).completeness

    auth_client(profile.user).put(
        detail_url(profile.id), {"weight": 58, "bust": 86, "waist": 62}, format="json"
    )

    after = ModelProfile.objects.get(pk=profile.pk).completeness
    assert after > before


def test_update_cannot_touch_server_fields(auth_client):
    profile = ModelProfileFactory()

    auth_client(profile.user).put(
        detail_url(profile.id),
        {"rating": 5, "reviews_count": 99, "is_hidden": True, "completeness": 100},
        format="json",
    )

    stored = ModelProfile.objects.get(pk=profile.pk)
    assert (float(stored.rating), stored.reviews_count, stored.is_hidden) == (0, 0, False)


def test_update_validates_ranges(auth_client):
    profile = ModelProfileFactory(height=170)

    response = auth_client(profile.user).put(detail_url(profile.id), {"height": 99}, format="json")

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert list(error["details"]) == ["height"]
    assert ModelProfile.objects.get(pk=profile.pk).height == 170


def test_update_requires_authentication(api_client):
    profile = ModelProfileFactory()
    before = snapshot(profile)

    response = api_client.put(detail_url(profile.id), {"bio": "x"}, format="json")

    assert_error(response, 401, "AUTH_REQUIRED")
    assert snapshot(profile) == before


@pytest.mark.parametrize("role", ["model", "employer", "agency"])
def test_non_owner_update_is_403_and_changes_nothing(auth_client, make_user, role):
    profile = ModelProfileFactory()
    before = snapshot(profile)

    response = auth_client(make_user(role=role)).put(
        detail_url(profile.id), {"bio": "Hacked"}, format="json"
    )

    assert_error(response, 403, "PERMISSION_DENIED")
    assert snapshot(profile) == before


def test_update_of_someone_elses_hidden_profile_is_404(auth_client, make_user):
    profile = ModelProfileFactory(is_hidden=True)

    response = auth_client(make_user(role="model")).put(
        detail_url(profile.id), {"bio": "x"}, format="json"
    )

    assert_error(response, 404, "NOT_FOUND")


def test_owner_can_still_edit_a_hidden_profile(auth_client):
    profile = ModelProfileFactory(is_hidden=True)

    response = auth_client(profile.user).put(
        detail_url(profile.id), {"bio": "Fixed"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["data"]["model"]["is_hidden"] is True


def test_update_of_unknown_profile_is_404(auth_client, make_user):
    response = auth_client(make_user(role="model")).put(
        detail_url("2b1c7e0e-8c58-4a1f-9b0e-000000000000"), {"bio": "x"}, format="json"
    )

    assert_error(response, 404, "NOT_FOUND")


def test_unknown_method_is_405(auth_client):
    profile = ModelProfileFactory()

    assert_error(
        auth_client(profile.user).delete(detail_url(profile.id)), 405, "METHOD_NOT_ALLOWED"
    )


def test_trailing_slash_is_optional(api_client):
    profile = ModelProfileFactory()

    assert api_client.get(detail_url(profile.id) + "/").status_code == 200
    assert api_client.get(reverse("profiles:model-list") + "/").status_code == 200


def test_detail_statement_shared_by_viewers_binds_each_viewer(auth_client, make_user):
    # The detail SQL is compiled once per scope (anonymous, signed-in, owner) with placeholder
    # ids; a block between the profile and one viewer must not leak into another's view.
    from accounts.tests.factories import BlockFactory

    profile = ModelProfileFactory()
    blocked, other = make_user(role="employer"), make_user(role="employer")
    BlockFactory(blocker=profile.user, blocked=blocked)

    blocked_view = auth_client(blocked).get(detail_url(profile.id))
    other_view = auth_client(other).get(detail_url(profile.id))
    blocked_again = auth_client(blocked).get(detail_url(profile.id))

    assert_error(blocked_view, 404, "NOT_FOUND")
    assert other_view.status_code == 200
    assert other_view.json()["data"]["model"]["id"] == str(profile.id)
    assert_error(blocked_again, 404, "NOT_FOUND")


def test_detail_of_another_profile_through_the_shared_statement(api_client):
    first, second = ModelProfileFactory(name="First Model"), ModelProfileFactory(name="Second")

    assert api_client.get(detail_url(first.id)).json()["data"]["model"]["name"] == "First Model"
    assert api_client.get(detail_url(second.id)).json()["data"]["model"]["name"] == "Second"


def test_detail_children_are_the_value_rows_in_every_scope(make_user):
    # The photos and work experience come in the profile's row as JSON (one query); they must
    # be the rows, types and display order the ORM's own value queries give.
    import datetime as dt

    profile = ModelProfileFactory()
    photos = add_photos(profile, 3)
    Photo.objects.filter(pk=photos[2].pk).update(order=0)  # a tie on order: created_at decides
    items = [
        WorkExperienceFactory(
            profile=profile,
            company='Студия «Aq» "Zhol" \\ ✓',
            position="Model\nlead",
            start_date=dt.date(2024, 3, 1),
            end_date=None,
        ),
        WorkExperienceFactory(
            profile=profile, start_date=dt.date(2021, 1, 1), end_date=dt.date(2022, 12, 31)
        ),
        WorkExperienceFactory(profile=profile, start_date=dt.date(2024, 3, 1), end_date=None),
    ]
    bare = ModelProfileFactory()
    expected_photos = list(
        Photo.objects.filter(profile=profile)
        .order_by("order", "created_at")
        .values(*selectors.PHOTO_COLUMNS)
    )
    expected_work = list(
        profile.work_experience.order_by("-start_date", "-created_at").values(
            *selectors.WORK_EXPERIENCE_COLUMNS
        )
    )
    assert len(expected_work) == len(items)
    viewer = make_user(role="employer")

    for detail in (
        selectors.model_profile_get(profile_id=profile.id),
        selectors.model_profile_get(profile_id=profile.id, viewer=viewer),
        selectors.model_profile_get_detail_for_owner(profile=profile),
    ):
        assert detail.photos == expected_photos
        assert detail.work_experience == expected_work
        pairs = ((detail.photos, expected_photos), (detail.work_experience, expected_work))
        for got, expected in pairs:
            assert [{k: type(v) for k, v in row.items()} for row in got] == [
                {k: type(v) for k, v in row.items()} for row in expected
            ]
        assert not hasattr(detail.profile, "photo_rows")
    empty = selectors.model_profile_get(profile_id=bare.id)
    assert (empty.photos, empty.work_experience) == ([], [])
