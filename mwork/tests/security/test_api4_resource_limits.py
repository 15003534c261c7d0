"""OWASP API4:2023 Unrestricted Resource Consumption — page size, body size, upload size,
text length, JSON depth, field counts, rate limits.

Every list operation of the schema (a GET with a `limit` parameter) is asked for a huge page
and a huge offset; the limits of `mwork/api/parsers.py` (body size, JSON depth) and Django's
(field count) are exercised on real endpoints.
"""

from __future__ import annotations

import io
import re

import pytest
from django.test import override_settings
from PIL import Image

from chat.models import Message
from media.models import Photo
from mwork.api.pagination import MAX_LIMIT
from mwork.api.parsers import MAX_JSON_DEPTH
from mwork.tests.fuzz.harness import load_schema

pytestmark = pytest.mark.django_db


def _pick(world, path: str, name: str) -> str:
    if name == "profile_id" and "/profiles/employers/" in path:
        return str(world.a.employer_profile.id)  # the pool starts with model profiles
    if name == "search_id":  # the caller's (A's model) own saved search
        from searches.models import SavedSearch

        search = SavedSearch.objects.filter(user=world.a.model).first()
        search = search or SavedSearch.objects.create(
            user=world.a.model, kind="castings", name="A's search", filters={"city": "Almaty"}
        )
        return str(search.id)
    return world.pools[name][0]


def _list_paths(world) -> list[str]:
    """Every documented GET taking `limit`, with its path parameters filled from the world."""
    raw = load_schema().raw_schema
    paths = []
    for path, item in raw["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        if "limit" not in names:
            continue
        filled = re.sub(r"\{(\w+)\}", lambda m, path=path: _pick(world, path, m.group(1)), path)
        if "profile_id" in names:
            filled += f"?profile_id={world.a.model_profile.id}"
        paths.append(filled)
    return sorted(paths)


def _with(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


def _client_for_path(world, client_for, path):
    if "/castings/my" in path or ("/responses" in path and "castings/" in path):
        return client_for(world.a.employer)
    if "/agency/" in path or "/organizations/" in path:
        return client_for(world.a.agency if "/agency/" in path else world.a.employer)
    return client_for(world.a.model)


def test_every_list_clamps_the_page_size_and_survives_a_huge_offset(world, client_for):
    # More rows than the largest page where a clamp can be seen without pagination metadata.
    Message.objects.bulk_create(
        Message(room=world.a.room, sender=world.a.employer, content=f"m{i}")
        for i in range(MAX_LIMIT + 20)
    )
    paths = _list_paths(world)
    problems = []

    for path in paths:
        client = _client_for_path(world, client_for, path)
        big = client.get(_with(path, "limit=100000"))
        if big.status_code == 200:
            data = big.json()["data"]
            pagination = data.get("pagination")
            if pagination is None:  # a shape of its own (chat history, promoted strip)
                longest = max((len(v) for v in data.values() if isinstance(v, list)), default=0)
                if longest > MAX_LIMIT:
                    problems.append(f"{path}: {longest} items for limit=100000")
            elif pagination["limit"] > MAX_LIMIT:
                problems.append(f"{path}: limit {pagination['limit']}")
        elif big.status_code not in (400, 403):
            problems.append(f"{path}: limit=100000 → {big.status_code}")
        for offset in ("99999999999999999999999", "-1", "abc"):
            far = client.get(_with(path, f"offset={offset}"))
            if far.status_code not in (200, 400, 403):
                problems.append(f"{path}: offset={offset} → {far.status_code}")

    assert len(paths) >= 10
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/auth/login", "application/json"),
        ("/api/v1/castings", "application/json"),
        ("/api/v1/castings", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_over_the_limit_is_refused_before_it_is_read(
    world, client_for, settings, path, content_type
):
    settings.API_MAX_BODY_BYTES = 64 * 1024
    if content_type == "application/json":
        body = '{"title": "' + "x" * (70 * 1024) + '"}'
    else:
        body = "title=" + "x" * (70 * 1024)

    response = client_for(world.a.employer).generic("POST", path, body, content_type=content_type)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_the_default_body_limit_is_api_max_body_bytes(world, client_for, settings):
    body = '{"content": "' + "x" * (settings.API_MAX_BODY_BYTES + 10) + '"}'

    response = client_for(world.a.model).generic(
        "POST", f"/api/v1/chat/rooms/{world.a.room.id}/messages", body, "application/json"
    )

    assert response.status_code == 413
    assert not Message.objects.filter(content__startswith="xxxx").exists()


def _jpeg(size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    # Noise does not compress: the file is big for its size.
    Image.effect_noise(size, 100).convert("RGB").save(out, format="JPEG", quality=95)
    return out.getvalue()


def test_an_upload_over_the_photo_limit_is_a_413_and_leaves_nothing(world, client_for, files_in):
    before_files = files_in()
    before_rows = Photo.objects.count()
    data = _jpeg()

    with override_settings(PHOTO_MAX_BYTES=len(data) - 1):
        response = client_for(world.a.model).post(
            "/api/v1/photos", {"file": io.BytesIO(data)}, format="multipart"
        )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "FILE_TOO_LARGE"
    assert Photo.objects.count() == before_rows
    assert files_in() == before_files


def test_a_multipart_body_over_the_upload_limit_is_refused_unread(world, client_for, settings):
    settings.API_MAX_BODY_BYTES = 16 * 1024
    settings.PHOTO_MAX_BYTES = 16 * 1024

    response = client_for(world.a.model).post(
        "/api/v1/photos", {"file": io.BytesIO(b"\xff\xd8" + b"\0" * 40_000)}, format="multipart"
    )

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("identity", "method", "path", "field", "limit"),
    [
        ("model", "post", "chat/rooms/{room}/messages", "content", 4000),
        ("employer", "post", "castings", "description", 5000),
        ("employer", "post", "castings", "title", 200),
        ("model", "patch", "profiles/models/{profile}", "bio", None),
        ("model", "post", "reports", "comment", None),
        ("model", "post", "castings/{casting_b}/responses", "message", None),
    ],
)
def test_text_fields_have_a_length_limit(world, client_for, identity, method, path, field, limit):
    filled = "/api/v1/" + path.format(
        room=world.a.room.id, profile=world.a.model_profile.id, casting_b=world.b.casting.id
    )
    body = {
        "content": "ok",
        "title": "A valid title",
        "description": "ok",
        "category": "fashion",
        "city": "Almaty",
        "shoot_date": "2030-01-01T10:00:00Z",
        "target_type": "user",
        "target_id": str(world.b.model.id),
        "reason": "spam",
        field: "я" * ((limit or 20_000) + 1),
    }

    response = getattr(client_for(world.users()[identity]), method)(filled, body, format="json")

    assert response.status_code == 400, response.content[:300]
    assert field in response.json()["error"]["details"]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 100_000])
@pytest.mark.parametrize(
    "path", ["/api/v1/auth/login", "/api/v1/castings", "/api/v1/notifications/preferences"]
)
def test_deeply_nested_json_is_a_400_not_a_500(world, client_for, depth, path):
    body = '{"a": ' + "[" * depth + "]" * depth + "}"

    response = client_for(world.a.employer).generic("POST", path, body, "application/json")

    assert response.status_code in (400, 405), response.content[:200]
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_json_at_a_sane_depth_still_parses(world, client_for):
    body = {
        "title": "Nested requirements",
        "description": "ok",
        "category": "fashion",
        "city": "Almaty",
        "shoot_date": "2030-01-01T10:00:00Z",
        "requirements": {"gender": "female", "min_age": 18, "max_age": 30},
    }

    response = client_for(world.a.employer).post("/api/v1/castings", body, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("where", ["query", "form"])
def test_too_many_fields_is_a_400(world, client_for, where):
    fields = "&".join(f"f{i}=1" for i in range(1_500))
    client = client_for(world.a.model)

    if where == "query":
        response = client.get(f"/api/v1/castings?{fields}")
    else:
        response = client.generic(
            "POST", "/api/v1/photos/reorder", fields, "application/x-www-form-urlencoded"
        )

    assert response.status_code == 400
    assert response.json()["status"] == "error"


def test_login_is_rate_limited(api_client, world, settings, one_rate_window):
    settings.RATELIMIT_ENABLE = True
    body = {"email": world.a.model.email, "password": "wrong-password-1"}

    statuses = [
        api_client.post("/api/v1/auth/login", body, format="json").status_code for _ in range(8)
    ]

    assert statuses[-1] == 429
    assert 429 not in statuses[:5]
