"""POST/DELETE /profiles/models/:id/work-experience[/:item_id]."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from profiles.models import WorkExperience
from profiles.tests.factories import ModelProfileFactory, WorkExperienceFactory
from profiles.tests.helpers import assert_error, detail_url

pytestmark = pytest.mark.django_db

BODY = {
    "company": "Fashion House Almaty",
    "position": "Fashion Model",
    "start_date": "2020-01-01",
    "end_date": "2023-12-31",
}


def add_url(profile_id: Any) -> str:
    return reverse("profiles:work-experience-list", args=[profile_id])


def item_url(profile_id: Any, item_id: Any) -> str:
    return reverse("profiles:work-experience-detail", args=[profile_id, item_id])


def test_owner_adds_an_entry(auth_client):
    profile = ModelProfileFactory()

    response = auth_client(profile.user).post(add_url(profile.id), BODY, format="json")

    assert response.status_code == 201, response.content
    item = response.json()["data"]["work_experience"]
    assert item == {"id": item["id"], **BODY}
    assert WorkExperience.objects.get(pk=item["id"]).profile_id == profile.id


def test_entry_without_end_date_is_current(auth_client):
    profile = ModelProfileFactory()
    body = {**BODY}
    del body["end_date"]

    response = auth_client(profile.user).post(add_url(profile.id), body, format="json")

    assert response.json()["data"]["work_experience"]["end_date"] is None


def test_entries_appear_in_the_detail_newest_first(auth_client, api_client):
    profile = ModelProfileFactory()
    client = auth_client(profile.user)
    client.post(add_url(profile.id), {**BODY, "start_date": "2018-01-01"}, format="json")
    client.post(add_url(profile.id), {**BODY, "start_date": "2021-05-01"}, format="json")

    items = api_client.get(detail_url(profile.id)).json()["data"]["model"]["work_experience"]

    assert [item["start_date"] for item in items] == ["2021-05-01", "2018-01-01"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2019-12-31"}, "end_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"company": ""}, "company"),
        ({"position": "x" * 201}, "position"),
        ({"company": None}, "company"),
    ],
)
def test_entry_validation(auth_client, change, field):
    profile = ModelProfileFactory()

    response = auth_client(profile.user).post(
        add_url(profile.id), {**BODY, **change}, format="json"
    )

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert not WorkExperience.objects.exists()


def test_add_requires_authentication(api_client):
    profile = ModelProfileFactory()

    assert_error(api_client.post(add_url(profile.id), BODY, format="json"), 401, "AUTH_REQUIRED")
    assert not WorkExperience.objects.exists()


@pytest.mark.parametrize("role", ["model", "employer"])
def test_non_owner_cannot_add(auth_client, make_user, role):
    profile = ModelProfileFactory()

    response = auth_client(make_user(role=role)).post(add_url(profile.id), BODY, format="json")

    assert_error(response, 403, "PERMISSION_DENIED")
    assert not WorkExperience.objects.exists()


def test_add_to_invisible_profile_is_404(auth_client, make_user):
    profile = ModelProfileFactory(is_hidden=True)

    response = auth_client(make_user(role="model")).post(add_url(profile.id), BODY, format="json")

    assert_error(response, 404, "NOT_FOUND")


def test_owner_deletes_an_entry(auth_client):
    item = WorkExperienceFactory()

    response = auth_client(item.profile.user).delete(item_url(item.profile_id, item.id))

    assert response.status_code == 204
    assert response.content == b""
    assert not WorkExperience.objects.filter(pk=item.pk).exists()


def test_non_owner_cannot_delete(auth_client, make_user):
    item = WorkExperienceFactory()

    response = auth_client(make_user(role="model")).delete(item_url(item.profile_id, item.id))

    assert_error(response, 403, "PERMISSION_DENIED")
    assert WorkExperience.objects.filter(pk=item.pk).exists()


def test_delete_requires_authentication(api_client):
    item = WorkExperienceFactory()

    assert_error(api_client.delete(item_url(item.profile_id, item.id)), 401, "AUTH_REQUIRED")
    assert WorkExperience.objects.filter(pk=item.pk).exists()


def test_deleting_another_profiles_entry_through_mine_is_404(auth_client):
    mine = ModelProfileFactory()
    other = WorkExperienceFactory()

    response = auth_client(mine.user).delete(item_url(mine.id, other.id))

    assert_error(response, 404, "NOT_FOUND")
    assert WorkExperience.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("item_id", ["2b1c7e0e-8c58-4a1f-9b0e-000000000000", "nope"])
def test_deleting_unknown_entry_is_404(auth_client, item_id):
    profile = ModelProfileFactory()

    assert_error(auth_client(profile.user).delete(item_url(profile.id, item_id)), 404, "NOT_FOUND")
