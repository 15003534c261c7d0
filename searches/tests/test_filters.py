"""A saved search's `filters` are validated by its list's own query serializer: the same bad
parameter gets the same messages and codes as on the list, under `filters.<parameter>`."""

from __future__ import annotations

import pytest

from searches.models import SavedSearch

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

BAD_CASTING_PARAMS = [
    ("city", "x" * 101),
    ("category", "boudoir"),
    ("gender", "robot"),
    ("min_age", "eighteen"),
    ("min_age", "-1"),
    ("max_age", "151"),
    ("min_height", "1.5"),
    ("max_height", "301"),
    ("experience", "guru"),
    ("pay_min", "-5"),
    ("search", "s" * 201),
    ("ordering", "title"),
    ("status", "archived"),
]
BAD_MODEL_PARAMS = [
    ("gender", "robot"),
    ("min_age", "x"),
    ("max_age", "201"),
    ("min_height", "-3"),
    ("max_height", "401"),
    ("city", "c" * 101),
    ("category", "boudoir"),
    ("experience", "guru"),
    ("search", "s" * 101),
    ("ordering", "-name"),
]


def _errors(response, prefix: str = "") -> tuple[dict, dict]:
    error = response.json()["error"]
    assert response.status_code == 400, error
    strip = len(prefix)
    details = {k[strip:]: v for k, v in error["details"].items() if k.startswith(prefix)}
    codes = {
        k[strip:]: v for k, v in error.get("details_codes", {}).items() if k.startswith(prefix)
    }
    return details, codes


def _compare(list_response, search_response) -> None:
    assert _errors(search_response, "filters.") == _errors(list_response)


@pytest.mark.parametrize(("param", "value"), BAD_CASTING_PARAMS)
def test_castings_filters_fail_as_the_castings_list_does(
    api_client, auth_client, model_user, param, value
):
    listed = api_client.get("/api/v1/castings", {param: value}, **EN)

    saved = auth_client(model_user).post(
        "/api/v1/saved-searches",
        {"kind": "castings", "name": "x", "filters": {param: value}},
        format="json",
        **EN,
    )

    _compare(listed, saved)
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(("param", "value"), BAD_MODEL_PARAMS)
def test_models_filters_fail_as_the_catalogue_does(api_client, auth_client, employer, param, value):
    listed = api_client.get("/api/v1/profiles/models", {param: value}, **EN)

    saved = auth_client(employer).post(
        "/api/v1/saved-searches",
        {"kind": "models", "name": "x", "filters": {param: value}},
        format="json",
        **EN,
    )

    _compare(listed, saved)


def test_a_range_upside_down_fails_as_in_the_catalogue(api_client, auth_client, employer):
    params = {"min_age": 30, "max_age": 20}
    listed = api_client.get("/api/v1/profiles/models", params, **EN)

    saved = auth_client(employer).post(
        "/api/v1/saved-searches",
        {"kind": "models", "name": "x", "filters": params},
        format="json",
        **EN,
    )

    _compare(listed, saved)


def test_numbers_may_be_json_numbers_or_strings(auth_client, make_user):
    client = auth_client(make_user(role="model", plan="PRO"))

    as_text = client.post(
        "/api/v1/saved-searches",
        {"kind": "castings", "name": "a", "filters": {"min_age": "20", "pay_min": "1000"}},
        format="json",
    )
    as_numbers = client.post(
        "/api/v1/saved-searches",
        {"kind": "castings", "name": "b", "filters": {"min_age": 20, "pay_min": 1000}},
        format="json",
    )

    expected = {"min_age": 20, "pay_min": 1000}
    assert as_text.json()["data"]["saved_search"]["filters"] == expected
    assert as_numbers.json()["data"]["saved_search"]["filters"] == expected
