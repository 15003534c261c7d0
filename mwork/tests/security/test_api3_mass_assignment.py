"""OWASP API3:2023 Broken Object Property Level Authorization — mass assignment.

Privileged properties (role, is_staff, is_superuser, email_verified, token_version, rating,
reviews_count, promoted_until, is_verified, status, amount, plan, owner/sender/author, ids)
are sent alongside legitimate bodies to every write endpoint that could carry them; the
database must hold exactly what it held (or, for new rows, the defaults) afterwards.
"""

from __future__ import annotations

import uuid

import pytest

from accounts.models import User
from billing.entitlements import entitlements_for
from billing.models import Payment, Plan
from castings.models import Casting, Response
from chat.models import Message
from profiles.models import EmployerProfile, ModelProfile

pytestmark = pytest.mark.django_db

PRIVILEGED_USER = {
    "role": "admin",
    "is_staff": True,
    "is_superuser": True,
    "email_verified": True,
    "is_active": True,
    "token_version": 99,
    "id": "00000000-0000-0000-0000-000000000001",
    "plan": "BUSINESS",
}
PRIVILEGED_PROFILE = {
    "rating": 5,
    "reviews_count": 999,
    "completeness": 100,
    "promoted_until": "2035-01-01T00:00:00Z",
    "main_photo": "photos/evil.jpg",
    "main_thumbnail": "thumbnails/evil.jpg",
    "is_verified": True,
    "id": "00000000-0000-0000-0000-000000000002",
}


def test_register_ignores_privileged_fields(api_client, no_ratelimit):
    body = {
        "email": "newcomer@example.kz",
        "password": "Str0ng-Passw0rd!",
        **PRIVILEGED_USER,
        "role": "model",
    }

    response = api_client.post("/api/v1/auth/register", body, format="json")

    assert response.status_code == 201, response.content
    user = User.objects.get(email="newcomer@example.kz")
    assert (user.role, user.is_staff, user.is_superuser) == ("model", False, False)
    assert user.email_verified is False
    assert user.token_version == 0
    assert str(user.id) != PRIVILEGED_USER["id"]
    assert entitlements_for(user).plan == "FREE"


@pytest.mark.parametrize("role", ["admin", "ADMIN", "staff", "superuser"])
def test_register_refuses_a_staff_role(api_client, no_ratelimit, role):
    body = {"email": "climber@example.kz", "password": "Str0ng-Passw0rd!", "role": role}

    response = api_client.post("/api/v1/auth/register", body, format="json")

    assert response.status_code == 400
    assert "role" in response.json()["error"]["details"]
    assert not User.objects.filter(email="climber@example.kz").exists()


def _columns(instance, names):
    fresh = type(instance).objects.get(pk=instance.pk)
    return {name: getattr(fresh, name) for name in names}


PROFILE_GUARDED = [
    "rating",
    "reviews_count",
    "promoted_until",
    "main_photo",
    "main_thumbnail",
    "user_id",
    "id",
]


@pytest.mark.parametrize("method", ["put", "patch"])
def test_model_profile_update_ignores_privileged_fields(world, client_for, method):
    profile = world.a.model_profile
    before = _columns(profile, PROFILE_GUARDED)
    body = {"name": "Aruzhan Updated", **PRIVILEGED_PROFILE, "user": str(world.b.model.id)}

    response = getattr(client_for(world.a.model), method)(
        f"/api/v1/profiles/models/{profile.id}", body, format="json"
    )

    assert response.status_code == 200, response.content
    assert ModelProfile.objects.get(pk=profile.pk).name == "Aruzhan Updated"
    assert _columns(profile, PROFILE_GUARDED) == before


def test_model_profile_create_starts_from_the_defaults(make_user, client_for, no_ratelimit):
    user = make_user(role="model")
    body = {"name": "Fresh Model", "age": 20, "gender": "female", **PRIVILEGED_PROFILE}

    response = client_for(user).post("/api/v1/profiles/models", body, format="json")

    assert response.status_code == 201, response.content
    profile = ModelProfile.objects.get(user=user)
    assert profile.rating == 0
    assert profile.reviews_count == 0
    assert profile.promoted_until is None
    assert profile.main_photo == ""
    assert str(profile.id) != PRIVILEGED_PROFILE["id"]


@pytest.mark.parametrize("method", ["put", "patch"])
def test_employer_profile_update_ignores_verification_and_owner(world, client_for, method):
    profile = world.a.employer_profile
    guarded = ["is_verified", "user_id", "id"]
    before = _columns(profile, guarded)
    body = {
        "company_name": "Studio Renamed",
        **PRIVILEGED_PROFILE,
        "user": str(world.b.employer.id),
    }

    response = getattr(client_for(world.a.employer), method)(
        f"/api/v1/profiles/employers/{profile.id}", body, format="json"
    )

    assert response.status_code == 200, response.content
    assert EmployerProfile.objects.get(pk=profile.pk).company_name == "Studio Renamed"
    assert _columns(profile, guarded) == before


def test_casting_create_ignores_owner_and_counters(world, client_for):
    body = {
        "title": "Spring lookbook",
        "description": "Two days in the studio.",
        "category": "fashion",
        "city": "Almaty",
        "shoot_date": "2030-04-01T09:00:00Z",
        "owner": str(world.b.employer.id),
        "owner_id": str(world.b.employer.id),
        "views_count": 10_000,
        "responses_count": 500,
        "is_hidden": False,
        "published_at": "2020-01-01T00:00:00Z",
        "id": "00000000-0000-0000-0000-000000000003",
    }

    response = client_for(world.a.employer).post("/api/v1/castings", body, format="json")

    assert response.status_code == 201, response.content
    casting = Casting.objects.get(pk=response.json()["data"]["casting"]["id"])
    assert casting.owner_id == world.a.employer.id
    assert str(casting.id) != body["id"]
    assert casting.published_at.year >= 2026


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_casting_create_refuses_a_terminal_status(world, client_for, status):
    body = {
        "title": "Spring lookbook",
        "description": "Two days in the studio.",
        "category": "fashion",
        "city": "Almaty",
        "shoot_date": "2030-04-01T09:00:00Z",
        "status": status,
    }
    before = Casting.objects.count()

    response = client_for(world.a.employer).post("/api/v1/castings", body, format="json")

    assert response.status_code == 400
    assert "status" in response.json()["error"]["details"]
    assert Casting.objects.count() == before


def test_casting_update_cannot_change_status_or_owner(world, client_for):
    casting = world.a.casting
    guarded = ["status", "owner_id"]
    before = _columns(casting, guarded)

    response = client_for(world.a.employer).put(
        f"/api/v1/castings/{casting.id}",
        {"owner": str(world.b.employer.id), "status": "completed"},
        format="json",
    )

    assert response.status_code in (200, 400)
    assert _columns(casting, guarded) == before


def test_response_submit_cannot_choose_its_status(world, client_for):
    response = client_for(world.a.model).post(
        f"/api/v1/castings/{world.b.casting.id}/responses",
        {"message": "Hello", "status": "accepted", "model_profile": str(world.b.model_profile.id)},
        format="json",
    )

    assert response.status_code == 201, response.content
    created = Response.objects.get(pk=response.json()["data"]["response"]["id"])
    assert created.status == "pending"
    assert created.model_profile_id == world.a.model_profile.id


def test_chat_message_sender_is_the_caller(world, client_for):
    response = client_for(world.a.model).post(
        f"/api/v1/chat/rooms/{world.a.room.id}/messages",
        {"content": "Hi!", "sender": str(world.a.employer.id), "room": str(world.b.room.id)},
        format="json",
    )

    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["data"]["message"]["id"])
    assert message.sender_id == world.a.model.id
    assert message.room_id == world.a.room.id


@pytest.mark.parametrize(
    "path", ["/api/v1/payments/robokassa/init", "/api/v1/payments/robokassa/subscriptions"]
)
def test_payment_amount_and_status_come_from_the_plan(make_user, client_for, no_ratelimit, path):
    user = make_user(role="model")
    body = {
        "purpose": "subscription",
        "plan_name": "PRO",
        "amount": 1,
        "status": "paid",
        "plan": "BUSINESS",
        "is_test": True,
        "paid_at": "2030-01-01T00:00:00Z",
        "user": str(uuid.uuid4()),
    }

    response = client_for(user).post(path, body, format="json")

    assert response.status_code in (200, 201), response.content
    payment = Payment.objects.get(user=user)
    assert payment.amount == Plan.objects.get(name="PRO").price_monthly
    assert payment.status == "pending"
    assert payment.paid_at is None
    assert payment.plan.name == "PRO"
    assert entitlements_for(user).plan == "FREE"  # nothing is granted before Robokassa pays


def test_subscription_request_grants_nothing_before_payment(make_user, client_for, no_ratelimit):
    user = make_user(role="employer")
    body = {
        "plan_name": "BUSINESS",
        "status": "active",
        "expires_at": "2035-01-01T00:00:00Z",
        "granted_by_staff": True,
        "amount": 0,
    }

    response = client_for(user).post("/api/v1/subscriptions", body, format="json")

    assert response.status_code in (200, 201), response.content
    assert entitlements_for(user).plan == "FREE"
    assert not user.subscriptions.filter(status="active").exists()
