"""Unicode edge cases in every text field people type into: register, model and employer
profiles, work experience, castings, responses, chat messages, reviews, reports — and the
text query filters of the catalogues.

Kazakh letters, emoji with skin tones and ZWJ sequences, flags, right-to-left text and the
RTL override, zero-width characters, combining marks, astral-plane letters and control
characters are stored and given back exactly (after the usual whitespace trim) or refused with
a 400 naming the field — never a 500. A NUL character is always a 400 (PostgreSQL cannot store
it; it must never reach the database).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from accounts.models import User
from castings.models import Casting, Response
from chat.models import Message
from moderation.models import Report
from profiles.models import EmployerProfile, ModelProfile, WorkExperience

pytestmark = pytest.mark.django_db

SAMPLES = {
    "kazakh": "Әсел Ғабитқызы Қайрат Ңөұүһі әғқңөұүһі ӘҒҚҢӨҰҮҺІ",
    "emoji": "Модель 👩🏽‍🎤 из Алматы 🇰🇿✨",
    "zwj-family": "👨‍👩‍👧‍👦 семья",
    "rtl": "مرحبا بالعالم עברית",
    "rtl-override": "file\u202egpj.exe\u202c name",
    "zero-width": "a\u200bb\u200cc\u200dd\ufeffe",
    "combining": "Zalgo Z\u0351\u0352\u0357\u035bA\u0336L\u0337G\u0338O",
    "astral": "\U0001d544\U0001d568\U0001d560\U0001d563\U0001d55c \U00013000 \U0002070e",
    "controls": "bell\x07 escape\x1b[31m tab\t",
}
NUL = "before\x00after"


@dataclass(frozen=True)
class Field:
    identity: str
    method: str
    path: Callable[[Any], str]
    body: Callable[[Any, str], dict]
    stored: Callable[[Any, Any], str | None]  # (world, response) -> the value in the database


def _casting_body(w, value: str, field: str) -> dict:
    body = {
        "title": "Casting for the test",
        "description": "ok",
        "category": "fashion",
        "city": "Almaty",
        "address": "Dostyk 1",
        "shoot_date": "2030-05-01T10:00:00Z",
    }
    body[field] = value
    return body


def _casting_field(field: str) -> Field:
    return Field(
        "employer",
        "post",
        lambda w: "/api/v1/castings",
        lambda w, v: _casting_body(w, v, field),
        lambda w, r: getattr(Casting.objects.get(pk=r.json()["data"]["casting"]["id"]), field),
    )


def _model_field(field: str) -> Field:
    return Field(
        "model",
        "patch",
        lambda w: f"/api/v1/profiles/models/{w.a.model_profile.id}",
        lambda w, v: {field: v},
        lambda w, r: getattr(ModelProfile.objects.get(pk=w.a.model_profile.pk), field),
    )


def _employer_field(field: str) -> Field:
    return Field(
        "employer",
        "patch",
        lambda w: f"/api/v1/profiles/employers/{w.a.employer_profile.id}",
        lambda w, v: {field: v},
        lambda w, r: getattr(EmployerProfile.objects.get(pk=w.a.employer_profile.pk), field),
    )


def _work_field(field: str) -> Field:
    def body(w, v):
        values = {"company": "Studio", "position": "Model", "start_date": "2021-01-01"}
        values[field] = v
        return values

    return Field(
        "model",
        "post",
        lambda w: f"/api/v1/profiles/models/{w.a.model_profile.id}/work-experience",
        body,
        lambda w, r: getattr(
            WorkExperience.objects.filter(profile=w.a.model_profile).latest(
                "created_at" if hasattr(WorkExperience, "created_at") else "pk"
            ),
            field,
        ),
    )


FIELDS: dict[str, Field] = {
    **{
        f"model.{name}": _model_field(name)
        for name in ("name", "bio", "city", "country", "hair_color", "eye_color", "skin_tone")
    },
    **{
        f"employer.{name}": _employer_field(name)
        for name in ("company_name", "description", "contact_person", "city", "country")
    },
    **{f"work.{name}": _work_field(name) for name in ("company", "position")},
    **{
        f"casting.{name}": _casting_field(name)
        for name in ("title", "description", "city", "address")
    },
    "response.message": Field(
        "model",
        "post",
        lambda w: f"/api/v1/castings/{w.b.casting.id}/responses",
        lambda w, v: {"message": v},
        lambda w, r: Response.objects.get(pk=r.json()["data"]["response"]["id"]).message,
    ),
    "chat.content": Field(
        "model",
        "post",
        lambda w: f"/api/v1/chat/rooms/{w.a.room.id}/messages",
        lambda w, v: {"content": v},
        lambda w, r: Message.objects.get(pk=r.json()["data"]["message"]["id"]).content,
    ),
    "report.comment": Field(
        "model",
        "post",
        lambda w: "/api/v1/reports",
        lambda w, v: {
            "target_type": "user",
            "target_id": str(w.b.model.id),
            "reason": "spam",
            "comment": v,
        },
        lambda w, r: Report.objects.get(pk=r.json()["data"]["report"]["id"]).comment,
    ),
}


def _send(world, client_for, field: Field, value: str):
    client = client_for(world.users()[field.identity])
    return getattr(client, field.method)(field.path(world), field.body(world, value), format="json")


def _expected(value: str) -> str:
    return value.strip()


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_unicode_is_stored_exactly_or_refused_and_nul_is_a_400(world, client_for, field):
    spec = FIELDS[field]
    short = field.startswith("model.") and field.endswith(("color", "tone"))
    outcomes = {}

    for sample, value in SAMPLES.items():
        value = value[:30] if short else value
        # Each sample on the same starting state (one response per casting, one open report).
        with transaction.atomic():
            response = _send(world, client_for, spec, value)
            stored = spec.stored(world, response) if response.status_code < 300 else None
            transaction.set_rollback(True)
        outcomes[sample] = response.status_code
        assert response.status_code < 500, (sample, response.content[:300])
        if response.status_code >= 400:
            assert response.status_code == 400, (sample, response.content[:300])
            assert response.json()["error"]["code"] == "VALIDATION_ERROR"
        else:
            assert stored == _expected(value), sample

    nul = _send(world, client_for, spec, NUL)

    assert nul.status_code == 400, nul.content[:300]
    details = nul.json()["error"].get("details", {})
    assert any(field.split(".")[1] in key for key in details), details
    # Kazakh text and emoji are ordinary input: every free-text field takes them.
    assert outcomes["kazakh"] < 300 and outcomes["emoji"] < 300, outcomes


FILTERS = [
    "/api/v1/castings?city={v}",
    "/api/v1/castings?search={v}",
    "/api/v1/castings?category={v}",
    "/api/v1/profiles/models?city={v}",
    "/api/v1/profiles/models?search={v}",
    "/api/v1/castings/my?status={v}",
]


def test_text_filters_take_any_unicode_and_refuse_nul(world, client_for):
    from urllib.parse import quote

    client = client_for(world.a.employer)
    problems = []
    for path in FILTERS:
        for value in [*SAMPLES.values(), NUL]:
            response = client.get(path.format(v=quote(value)))
            allowed = (400,) if "\x00" in value else (200, 400)
            if response.status_code not in allowed:
                problems.append(f"{path} {value!r} → {response.status_code}")

    assert not problems, "\n".join(problems)


def test_unicode_passwords_and_names_work_end_to_end(api_client, db, no_ratelimit):
    for sample, text in SAMPLES.items():
        password = f"Құпия-{text[:20]}-9"
        email = f"user-{sample}@example.kz"

        registered = api_client.post(
            "/api/v1/auth/register",
            {"email": email, "password": password, "role": "model"},
            format="json",
        )
        login = api_client.post(
            "/api/v1/auth/login", {"email": email, "password": password}, format="json"
        )

        assert registered.status_code in (201, 400), (sample, registered.content[:300])
        if registered.status_code == 201:
            assert login.status_code == 200, sample


@pytest.mark.parametrize(
    "body",
    [
        {"email": "nul\x00@example.kz", "password": "Str0ng-Passw0rd!", "role": "model"},
        {"email": "ok@example.kz", "password": "Str0ng\x00Passw0rd!", "role": "model"},
        {"email": "ok@example.kz", "password": "Str0ng-Passw0rd!", "role": "mo\x00del"},
    ],
)
def test_register_refuses_nul_everywhere(api_client, no_ratelimit, body):
    response = api_client.post("/api/v1/auth/register", body, format="json")

    assert response.status_code == 400
    assert not User.objects.filter(email__startswith="ok@").exists()


def test_a_nul_in_a_robokassa_callback_is_answered_not_crashed(client, db):
    from billing.models import PaymentEvent

    response = client.get("/webhooks/robokassa/result?OutSum=1%00&InvId=%00&SignatureValue=x")

    assert response.status_code == 400
    assert PaymentEvent.objects.filter(inv_id="\ufffd").exists()
