"""POST /profiles/employers, GET/PUT /profiles/employers/:id, GET /profiles/me."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from profiles.models import EmployerProfile
from profiles.tests.factories import EmployerProfileFactory, ModelProfileFactory
from profiles.tests.helpers import assert_error

pytestmark = pytest.mark.django_db

BODY: dict[str, Any] = {
    "company_name": "Fashion House Almaty",
    "description": "Leading fashion agency in Kazakhstan",
    "website": "https://fashionhouse.kz",
    "contact_person": "Yerlan Akhmetov",
    "phone": "+77771234567",
    "city": "Almaty",
    "country": "Kazakhstan",
}
EMPLOYER_KEYS = {
    "id",
    "user_id",
    "company_name",
    "description",
    "website",
    "contact_person",
    "phone",
    "city",
    "country",
    "avatar",
    "is_verified",
    # Trust figures (docs/TRUST.md)
    "rating",
    "reviews_count",
    "member_since",
    "castings_posted",
    "verified",
    "response_rate",
    "created_at",
}
CREATE_URL = reverse("profiles:employer-list")
ME_URL = reverse("profiles:me")


def employer_url(profile_id: Any) -> str:
    return reverse("profiles:employer-detail", args=[profile_id])


def snapshot(profile: EmployerProfile) -> dict[str, Any]:
    return EmployerProfile.objects.filter(pk=profile.pk).values().get()


@pytest.mark.parametrize("role", ["employer", "agency"])
def test_create_employer_profile(auth_client, make_user, role):
    user = make_user(role=role)

    response = auth_client(user).post(CREATE_URL, BODY, format="json")

    assert response.status_code == 201, response.content
    employer = response.json()["data"]["employer"]
    assert set(employer) == EMPLOYER_KEYS
    assert {key: employer[key] for key in BODY} == BODY
    assert employer["is_verified"] is False
    assert employer["avatar"] is None
    assert EmployerProfile.objects.get(user=user).company_name == "Fashion House Almaty"


def test_create_needs_only_company_name(auth_client, make_user):
    response = auth_client(make_user(role="employer")).post(
        CREATE_URL, {"company_name": "Qazaq Style"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["data"]["employer"]["country"] == "Kazakhstan"


def test_create_employer_requires_authentication(api_client):
    assert_error(api_client.post(CREATE_URL, BODY, format="json"), 401, "AUTH_REQUIRED")
    assert not EmployerProfile.objects.exists()


def test_model_cannot_create_employer_profile(auth_client, make_user):
    response = auth_client(make_user(role="model")).post(CREATE_URL, BODY, format="json")

    assert_error(response, 403, "PERMISSION_DENIED")
    assert not EmployerProfile.objects.exists()


def test_second_employer_profile_is_409(auth_client, make_user):
    user = make_user(role="employer")
    client = auth_client(user)
    client.post(CREATE_URL, BODY, format="json")

    response = client.post(CREATE_URL, {**BODY, "company_name": "Other"}, format="json")

    assert_error(response, 409, "DUPLICATE_RESOURCE")
    assert EmployerProfile.objects.get(user=user).company_name == BODY["company_name"]


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("company_name", "A", False),
        ("company_name", "AB", True),
        ("company_name", "x" * 200, True),
        ("company_name", "x" * 201, False),
        ("description", "x" * 5000, True),
        ("description", "x" * 5001, False),
        ("website", "not a url", False),
        ("website", "", True),
        ("phone", "call me", False),
        ("phone", "+7 (777) 123-45-67", True),
        ("phone", "+7777123456789012345", False),
        ("contact_person", "x" * 101, False),
        ("city", "x" * 101, False),
    ],
)
def test_employer_field_rules(auth_client, make_user, field, value, accepted):
    response = auth_client(make_user(role="employer")).post(
        CREATE_URL, {**BODY, field: value}, format="json"
    )

    if accepted:
        assert response.status_code == 201, response.content
    else:
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert list(error["details"]) == [field]


def test_get_employer_is_public_without_contacts(api_client):
    profile = EmployerProfileFactory(is_verified=True)

    response = api_client.get(employer_url(profile.id))

    assert response.status_code == 200
    employer = response.json()["data"]["employer"]
    assert set(employer) == EMPLOYER_KEYS
    assert employer["is_verified"] is True
    assert employer["phone"] is None
    assert employer["contact_person"] is None


def test_signed_in_callers_see_contacts(auth_client, make_user):
    profile = EmployerProfileFactory()

    employer = (
        auth_client(make_user(role="model"))
        .get(employer_url(profile.id))
        .json()["data"]["employer"]
    )

    assert employer["phone"] == "+77771234567"
    assert employer["contact_person"] == "Yerlan Akhmetov"


@pytest.mark.parametrize("state", ["banned", "unknown", "not-a-uuid"])
def test_invisible_employer_is_404(api_client, state):
    profile = EmployerProfileFactory()
    if state == "banned":
        profile.user.is_active = False
        profile.user.save(update_fields=["is_active"])
    target = {"unknown": "2b1c7e0e-8c58-4a1f-9b0e-000000000000", "not-a-uuid": "x"}.get(
        state, profile.id
    )

    assert_error(api_client.get(employer_url(target)), 404, "NOT_FOUND")


def test_owner_updates_employer_partially(auth_client):
    profile = EmployerProfileFactory(city="Almaty")

    response = auth_client(profile.user).put(
        employer_url(profile.id), {"description": "New text"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["data"]["employer"]["description"] == "New text"
    stored = EmployerProfile.objects.get(pk=profile.pk)
    assert (stored.description, stored.city) == ("New text", "Almaty")


def test_employer_update_validates(auth_client):
    profile = EmployerProfileFactory()
    before = snapshot(profile)

    response = auth_client(profile.user).put(
        employer_url(profile.id), {"website": "nope"}, format="json"
    )

    assert list(assert_error(response, 400, "VALIDATION_ERROR")["details"]) == ["website"]
    assert snapshot(profile) == before


def test_employer_update_cannot_self_verify(auth_client):
    profile = EmployerProfileFactory()

    auth_client(profile.user).put(employer_url(profile.id), {"is_verified": True}, format="json")

    assert EmployerProfile.objects.get(pk=profile.pk).is_verified is False


@pytest.mark.parametrize("role", ["employer", "agency", "model"])
def test_non_owner_employer_update_is_403(auth_client, make_user, role):
    profile = EmployerProfileFactory()
    before = snapshot(profile)

    response = auth_client(make_user(role=role)).put(
        employer_url(profile.id), {"company_name": "Hijacked"}, format="json"
    )

    assert_error(response, 403, "PERMISSION_DENIED")
    assert snapshot(profile) == before


def test_employer_update_requires_authentication(api_client):
    profile = EmployerProfileFactory()
    before = snapshot(profile)

    response = api_client.put(employer_url(profile.id), {"company_name": "X Y"}, format="json")

    assert_error(response, 401, "AUTH_REQUIRED")
    assert snapshot(profile) == before


# --- /profiles/me ----------------------------------------------------------------------------
def test_me_for_a_model(auth_client):
    profile = ModelProfileFactory(is_hidden=True)

    response = auth_client(profile.user).get(ME_URL)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["type"] == "model"
    assert data["profile"]["id"] == str(profile.id)
    assert data["profile"]["is_hidden"] is True  # the owner still sees their own profile
    assert "measurements" in data["profile"]


@pytest.mark.parametrize("role", ["employer", "agency"])
def test_me_for_an_employer(auth_client, make_user, role):
    profile = EmployerProfileFactory(user=make_user(role=role))

    data = auth_client(profile.user).get(ME_URL).json()["data"]

    assert data["type"] == "employer"
    assert data["profile"]["id"] == str(profile.id)
    assert data["profile"]["phone"] == profile.phone


@pytest.mark.parametrize("role", ["model", "employer", "agency"])
def test_me_without_a_profile_is_404(auth_client, make_user, role):
    assert_error(auth_client(make_user(role=role)).get(ME_URL), 404, "NOT_FOUND")


def test_me_requires_authentication(api_client):
    assert_error(api_client.get(ME_URL), 401, "AUTH_REQUIRED")


def test_me_with_a_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    assert_error(api_client.get(ME_URL), 401, "INVALID_TOKEN")
