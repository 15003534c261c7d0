"""The saved-search endpoints: success shapes, validation, 401, roles, others' searches, plan
limits, and matches since last seen (docs/SEARCHES.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from castings.tests.factories import CastingFactory, ModelProfileFactory
from searches.models import SavedSearch, SavedSearchMatch

pytestmark = pytest.mark.django_db

URL = "/api/v1/saved-searches"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SEARCH_KEYS = {
    "id",
    "kind",
    "name",
    "filters",
    "frequency",
    "new_matches",
    "last_seen_at",
    "created_at",
    "updated_at",
}


def _body(**fields):
    return {
        "kind": "castings",
        "name": "Almaty fashion",
        "filters": {"city": "Almaty", "category": "fashion", "min_age": "18"},
        "frequency": "daily",
        **fields,
    }


def test_a_model_saves_a_castings_search(auth_client, model_user):
    response = auth_client(model_user).post(URL, _body(), format="json")

    assert response.status_code == 201, response.content
    search = response.json()["data"]["saved_search"]
    assert set(search) == SEARCH_KEYS
    assert search["kind"] == "castings"
    assert search["frequency"] == "daily"
    assert search["filters"] == {"city": "Almaty", "category": "fashion", "min_age": 18}
    assert search["new_matches"] == 0
    assert search["last_seen_at"] is None
    stored = SavedSearch.objects.get(id=search["id"])
    assert stored.user_id == model_user.id
    assert stored.digest_due_at > timezone.now() + timedelta(hours=23)


def test_an_employer_saves_a_models_search(auth_client, employer):
    body = _body(kind="models", filters={"gender": "female", "max_height": 180})

    response = auth_client(employer).post(URL, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["data"]["saved_search"]["filters"] == {
        "gender": "female",
        "max_height": 180,
    }


@pytest.mark.parametrize(
    ("role", "kind"), [("model", "models"), ("employer", "castings"), ("agency", "castings")]
)
def test_the_other_kind_is_refused(auth_client, make_user, role, kind):
    user = make_user(role=role)

    response = auth_client(user).post(URL, _body(kind=kind, filters={}), format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "jobs"}, "kind"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"frequency": "hourly"}, "frequency"),
        ({"filters": ["city", "Almaty"]}, "filters"),
        ({"filters": {"limit": 5}}, "filters.limit"),
        ({"filters": {"city": ["Almaty", "Astana"]}}, "filters.city"),
        ({"filters": {"status": "completed"}}, "filters.status"),
    ],
)
def test_bad_input_is_a_400_and_saves_nothing(auth_client, model_user, body, field):
    response = auth_client(model_user).post(URL, _body(**body), format="json", **EN)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"], error
    assert not SavedSearch.objects.exists()


def test_every_endpoint_needs_a_token(api_client, model_user):
    search = SavedSearch.objects.create(user=model_user, kind="castings", name="x")
    calls = [
        ("get", URL),
        ("post", URL),
        ("patch", f"{URL}/{search.id}"),
        ("delete", f"{URL}/{search.id}"),
        ("get", f"{URL}/{search.id}/matches"),
    ]

    for method, url in calls:
        response = getattr(api_client, method)(url, {}, format="json")
        assert response.status_code == 401, (method, url)
        assert response.json()["error"]["code"] == "AUTH_REQUIRED"
    assert SavedSearch.objects.filter(id=search.id).exists()


def test_someone_elses_search_is_a_404_and_stays(auth_client, model_user, make_user):
    other = ModelProfileFactory().user
    search = SavedSearch.objects.create(user=other, kind="castings", name="theirs")
    client = auth_client(model_user)

    answers = [
        client.patch(f"{URL}/{search.id}", {"name": "mine"}, format="json"),
        client.delete(f"{URL}/{search.id}"),
        client.get(f"{URL}/{search.id}/matches"),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert all(a.json()["error"]["code"] == "NOT_FOUND" for a in answers)
    fresh = SavedSearch.objects.get(id=search.id)
    assert (fresh.name, fresh.last_seen_at) == ("theirs", None)
    listed = client.get(URL).json()["data"]["saved_searches"]
    assert listed == []


def test_list_patch_and_delete(auth_client, make_user, django_assert_max_num_queries):
    model = make_user(role="model", plan="PRO")
    client = auth_client(model)
    ids = [
        client.post(URL, _body(name=f"Search {n}"), format="json").json()["data"]["saved_search"][
            "id"
        ]
        for n in range(3)
    ]

    with django_assert_max_num_queries(6):
        listed = client.get(URL)
    patched = client.patch(
        f"{URL}/{ids[0]}",
        {"name": "Renamed", "filters": {"city": "Astana"}, "frequency": "instant"},
        format="json",
    )
    bad = client.patch(f"{URL}/{ids[0]}", {"filters": {"min_age": "old"}}, format="json")
    deleted = client.delete(f"{URL}/{ids[1]}")

    body = listed.json()["data"]
    assert [s["id"] for s in body["saved_searches"]] == ids[::-1]
    assert body["pagination"] == {"total": 3, "limit": 20, "offset": 0, "has_more": False}
    assert patched.status_code == 200
    search = patched.json()["data"]["saved_search"]
    assert (search["name"], search["filters"], search["frequency"]) == (
        "Renamed",
        {"city": "Astana"},
        "instant",
    )
    assert SavedSearch.objects.get(id=ids[0]).digest_due_at is None
    assert bad.status_code == 400
    assert "filters.min_age" in bad.json()["error"]["details"]
    assert SavedSearch.objects.get(id=ids[0]).filters == {"city": "Astana"}
    assert deleted.status_code == 204
    assert not SavedSearch.objects.filter(id=ids[1]).exists()


def test_free_keeps_one_search(auth_client, model_user):
    client = auth_client(model_user)
    first = client.post(URL, _body(), format="json")

    second = client.post(URL, _body(name="Another"), format="json")

    assert first.status_code == 201
    assert second.status_code == 403
    error = second.json()["error"]
    assert error["code"] == "SUBSCRIPTION_LIMIT"
    assert error["details"] == {"feature": "saved_searches", "limit": 1, "used": 1, "plan": "FREE"}
    assert SavedSearch.objects.filter(user=model_user).count() == 1


def test_pro_keeps_ten_and_deleting_makes_room(auth_client, make_user):
    employer = make_user(role="employer", plan="PRO")
    SavedSearch.objects.bulk_create(
        SavedSearch(user=employer, kind="models", name=f"s{n}") for n in range(9)
    )
    client = auth_client(employer)
    body = _body(kind="models", filters={})

    tenth = client.post(URL, body, format="json")
    eleventh = client.post(URL, body, format="json")
    client.delete(f"{URL}/{tenth.json()['data']['saved_search']['id']}")
    again = client.post(URL, body, format="json")

    assert tenth.status_code == 201
    assert eleventh.status_code == 403
    assert eleventh.json()["error"]["details"]["limit"] == 10
    assert again.status_code == 201


def test_matches_since_last_seen(auth_client, model_user):
    search = SavedSearch.objects.create(user=model_user, kind="castings", name="All")
    old, new, closed = CastingFactory(), CastingFactory(), CastingFactory(status="cancelled")
    client = auth_client(model_user)
    t0 = timezone.now().replace(microsecond=0) + timedelta(seconds=1)
    with time_machine.travel(t0 - timedelta(minutes=1), tick=False):
        SavedSearchMatch.objects.create(search=search, casting=old)
    with time_machine.travel(t0, tick=False):
        first = client.get(f"{URL}/{search.id}/matches")
    with time_machine.travel(t0 + timedelta(seconds=10), tick=False):
        SavedSearchMatch.objects.create(search=search, casting=new)
        SavedSearchMatch.objects.create(search=search, casting=closed)
        counted = client.get(URL).json()["data"]["saved_searches"][0]["new_matches"]
        second = client.get(f"{URL}/{search.id}/matches")
    with time_machine.travel(t0 + timedelta(seconds=20), tick=False):
        third = client.get(f"{URL}/{search.id}/matches")
        since = second.json()["data"]["since"]
        paged = client.get(f"{URL}/{search.id}/matches", {"since": since}).json()["data"]

    body = first.json()["data"]
    assert [c["id"] for c in body["castings"]] == [str(old.id)]
    assert body["castings"][0]["matched_at"].endswith("Z")
    assert body["since"] is None
    assert counted == 2
    body = second.json()["data"]
    assert [c["id"] for c in body["castings"]] == [str(new.id)]  # the cancelled one is gone
    assert body["since"] == t0.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert third.json()["data"]["castings"] == []
    assert [c["id"] for c in paged["castings"]] == [str(new.id)]
    assert SavedSearch.objects.get(id=search.id).last_seen_at == t0 + timedelta(seconds=20)


def test_models_matches_are_catalogue_cards(auth_client, employer):
    search = SavedSearch.objects.create(user=employer, kind="models", name="Tall")
    profile = ModelProfileFactory(height=190)
    SavedSearchMatch.objects.create(search=search, model_profile=profile)

    response = auth_client(employer).get(f"{URL}/{search.id}/matches", {"since": "bad"})
    good = auth_client(employer).get(f"{URL}/{search.id}/matches")

    assert response.status_code == 400
    assert "since" in response.json()["error"]["details"]
    models = good.json()["data"]["models"]
    assert [(m["id"], m["height"]) for m in models] == [(str(profile.id), 190)]
