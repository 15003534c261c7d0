"""OWASP API3:2023 — excessive data exposure in what the API answers.

1. Statically: no response shape documented in the OpenAPI schema has an internal property
   (password, token_version, search vectors, storage keys, superuser flags, chat pair keys).
2. Dynamically: the public answers (catalogue, profiles, reviews, photos, castings, plans) and
   the answers that show other people (applicants, chat rooms and messages, blocked users,
   roster) are walked as anonymous and as signed-in users of party A. No other user's e-mail
   appears anywhere, no internal key, no bare storage key, and anonymous callers never see a
   phone number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from mwork.tests.security.world import World

pytestmark = pytest.mark.django_db

INTERNAL_KEYS = {
    "password",
    "token_version",
    "search_vector",
    "search_document",
    "is_superuser",
    "last_login",
    "pair_key",
    "recurring_payment",
    "signature_value",
    "remote_addr",
    "failure_reason",
}
STORAGE_KEY = re.compile(r"^(photos|thumbnails|avatars|uploads)/")


def _walk(value: Any, path: str = "$") -> Iterator[tuple[str, str | None, Any]]:
    """(path, key, value) for every node of a JSON document."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield f"{path}.{key}", key, child
            yield from _walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield f"{path}[{index}]", None, child
            yield from _walk(child, f"{path}[{index}]")


def test_no_documented_response_shape_has_an_internal_property(client):
    schema = client.get("/api/v1/schema?format=json").json()
    components = schema["components"]["schemas"]
    # The components reachable from responses (request-only shapes are named *Request).
    leaks = sorted(
        f"{name}.{prop}"
        for name, component in components.items()
        if not name.endswith("Request")
        for prop in component.get("properties", {})
        if prop in INTERNAL_KEYS
    )

    assert not leaks


def _public_paths(w: World) -> list[str]:
    b = w.b
    return [
        "/api/v1/profiles/models",
        "/api/v1/profiles/models?limit=100",
        "/api/v1/profiles/models/promoted",
        f"/api/v1/profiles/models/{b.model_profile.id}",
        f"/api/v1/profiles/models/{b.model_profile.id}/reviews",
        f"/api/v1/profiles/employers/{b.employer_profile.id}",
        f"/api/v1/profiles/employers/{b.agency_profile.id}",
        f"/api/v1/photos?profile_id={b.model_profile.id}",
        "/api/v1/castings",
        f"/api/v1/castings/{b.casting.id}",
        "/api/v1/subscriptions/plans",
        "/api/v1/payments/packages",
        "/api/v1/health",
    ]


def _people_paths(w: World) -> dict[str, list[str]]:
    """Answers of party A that show other people, per identity."""
    a = w.a
    return {
        "employer": [
            f"/api/v1/castings/{a.casting.id}/responses",
            "/api/v1/chat/rooms",
            f"/api/v1/chat/rooms/{a.room.id}/messages",
            "/api/v1/castings/my",
        ],
        "model": [
            "/api/v1/chat/rooms",
            f"/api/v1/chat/rooms/{a.room.id}/messages",
            "/api/v1/responses/my",
            "/api/v1/users/blocked",
            "/api/v1/notifications",
            "/api/v1/castings/saved",
        ],
        "agency": ["/api/v1/agency/models", "/api/v1/agency/invitations"],
        "invitee": ["/api/v1/agency/invitations"],
        "roster": ["/api/v1/agency/membership"],
    }


def _problems(body: Any, *, others: set[str], phones: set[str]) -> list[str]:
    found = []
    for where, key, value in _walk(body):
        if key in INTERNAL_KEYS:
            found.append(f"{where}: internal field {key!r}")
        if isinstance(value, str):
            if value.lower() in others:
                found.append(f"{where}: another user's e-mail")
            if STORAGE_KEY.match(value):
                found.append(f"{where}: bare storage key {value!r}")
            if value in phones:
                found.append(f"{where}: phone number")
    return found


def _emails(users) -> set[str]:
    return {u.email.lower() for u in users}


def test_anonymous_public_answers_expose_no_email_phone_or_internal_field(world, client_for):
    client = APIClient()
    every_email = _emails(User.objects.all())
    phones = {world.a.employer_profile.phone, world.b.employer_profile.phone} - {""}
    problems = []

    for path in _public_paths(world):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:200])
        problems += [
            f"{path} {p}" for p in _problems(response.json(), others=every_email, phones=phones)
        ]

    assert phones
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("identity", ["model", "employer", "agency", "invitee", "roster"])
def test_signed_in_answers_expose_no_other_users_email_or_internal_field(
    world, client_for, identity
):
    me = world.users()[identity]
    client = client_for(me)
    others = _emails(User.objects.exclude(pk=me.pk))
    paths = _public_paths(world) + _people_paths(world).get(identity, [])
    problems = []

    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:200])
        found = _problems(response.json(), others=others, phones=set())
        problems += [f"{path} {p}" for p in found]

    assert not problems, "\n".join(problems)


def test_model_catalogue_rows_carry_no_account_details(world):
    """The catalogue row of a model is the profile, not the account behind it."""
    body = APIClient().get(f"/api/v1/profiles/models/{world.b.model_profile.id}").json()
    text = json.dumps(body)

    assert world.b.model.email not in text
    assert "email_verified" not in text
    assert '"role"' not in text


def test_the_walker_catches_what_it_looks_for():
    body = {
        "data": {
            "items": [{"owner": {"email": "b@example.kz", "password": "x"}}],
            "image": "photos/1/2.jpg",
            "phone": "+77770000000",
        }
    }

    problems = _problems(body, others={"b@example.kz"}, phones={"+77770000000"})

    assert len(problems) == 4
