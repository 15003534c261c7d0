"""Legal documents and consents: registration records versions, a new version is required,
accepting and withdrawing, the privacy withdrawal deletes the account."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Consent, LegalDocument, User
from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

TIME = "%Y-%m-%dT%H:%M:%SZ"


def register(client, **body):
    payload = {"email": "dana@example.kz", "password": "SecurePass123!", "role": "model", **body}
    return client.post(
        reverse("accounts:register"),
        payload,
        format="json",
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="MWorkApp/2.1 (iOS)",
    )


def me(client) -> dict:
    return client.get(reverse("privacy:me")).json()["data"]["user"]


def test_legal_documents_lists_current_versions():
    LegalDocument.objects.create(
        document="terms", version="2.0", title="Terms v2", published_at=timezone.now()
    )
    LegalDocument.objects.create(  # not published yet
        document="privacy",
        version="9.0",
        title="Future",
        published_at=timezone.now() + dt.timedelta(days=3),
    )

    response = APIClient().get(reverse("privacy:legal-documents"))

    assert response.status_code == 200
    documents = response.json()["data"]["documents"]
    assert [(d["document"], d["version"]) for d in documents] == [
        ("terms", "2.0"),
        ("privacy", "1.0"),
        ("marketing", "1.0"),
    ]
    assert set(documents[0]) == {"document", "version", "title", "url", "published_at"}
    assert documents[0]["url"] == "http://localhost:3000/legal/terms/2.0"


def test_register_records_current_versions_with_evidence(auth_client):
    response = register(APIClient())

    assert response.status_code == 201
    user = User.objects.get(email="dana@example.kz")
    consents = {c.document: c for c in Consent.objects.filter(user=user)}
    assert set(consents) == {"terms", "privacy"}
    assert consents["terms"].version == "1.0"
    assert consents["privacy"].ip_address == "10.1.2.3"
    assert consents["privacy"].user_agent == "MWorkApp/2.1 (iOS)"
    data = me(auth_client(user))
    assert {(c["document"], c["version"]) for c in data["consents"]} == {
        ("terms", "1.0"),
        ("privacy", "1.0"),
    }
    assert data["consents_required"] == []


def test_register_with_marketing_opt_in():
    register(APIClient(), accept_marketing=True)

    documents = Consent.objects.filter(user__email="dana@example.kz").values_list(
        "document", flat=True
    )
    assert set(documents) == {"terms", "privacy", "marketing"}


def test_register_refused_without_terms():
    response = register(APIClient(), accept_terms=False)

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"accept_terms"}
    assert not User.objects.filter(email="dana@example.kz").exists()


def test_a_new_version_is_required_then_accepted(auth_client):
    register(APIClient())
    user = User.objects.get(email="dana@example.kz")
    client = auth_client(user)
    LegalDocument.objects.create(document="privacy", version="1.1", title="Privacy policy v1.1")

    required = me(client)["consents_required"]
    assert [(d["document"], d["version"]) for d in required] == [("privacy", "1.1")]

    response = client.post(
        reverse("privacy:consents"),
        {"document": "privacy", "version": "1.1"},
        format="json",
        REMOTE_ADDR="10.9.9.9",
    )

    assert response.status_code == 201
    consent = response.json()["data"]["consent"]
    stored = Consent.objects.get(user=user, document="privacy", version="1.1")
    assert consent == {
        "document": "privacy",
        "version": "1.1",
        "accepted_at": stored.accepted_at.strftime(TIME),
    }
    assert stored.ip_address == "10.9.9.9"
    assert me(client)["consents_required"] == []


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"document": "privacy", "version": "0.1"}, 400, "version"),
        ({"document": "cookies", "version": "1.0"}, 400, "document"),
        ({"document": "terms"}, 400, "version"),
    ],
)
def test_accept_refusals(auth_client, make_user, body, status, field):
    user = make_user()

    response = auth_client(user).post(reverse("privacy:consents"), body, format="json")

    assert response.status_code == status
    assert field in response.json()["error"]["details"]
    assert not Consent.objects.filter(user=user).exists()


def test_consent_endpoints_need_authentication():
    accept = APIClient().post(reverse("privacy:consents"), {}, format="json")
    withdraw = APIClient().delete(reverse("privacy:consent-withdraw", args=["marketing"]))

    assert (accept.status_code, withdraw.status_code) == (401, 401)


def test_withdraw_marketing(auth_client):
    register(APIClient(), accept_marketing=True)
    user = User.objects.get(email="dana@example.kz")

    response = auth_client(user).delete(reverse("privacy:consent-withdraw", args=["marketing"]))

    assert response.status_code == 200
    assert response.json()["data"] == {"document": "marketing", "withdrawn": True, "deletion": None}
    assert Consent.objects.get(user=user, document="marketing").withdrawn_at is not None
    assert User.objects.get(pk=user.pk).is_active


def test_withdraw_privacy_schedules_deletion(auth_client, make_user):
    user = make_user()
    Consent.objects.create(user=user, document="privacy", version="1.0")

    response = auth_client(user).delete(
        reverse("privacy:consent-withdraw", args=["privacy"]),
        {"password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert response.json()["data"]["deletion"] == {
        "status": "scheduled",
        "purge_at": user.purge_at.strftime(TIME),
    }
    assert user.is_active is False


def test_withdraw_privacy_without_password_changes_nothing(auth_client, make_user):
    user = make_user()
    Consent.objects.create(user=user, document="privacy", version="1.0")

    response = auth_client(user).delete(reverse("privacy:consent-withdraw", args=["privacy"]))

    assert response.status_code == 400
    assert "password" in response.json()["error"]["details"]
    assert Consent.objects.get(user=user).withdrawn_at is None
    assert User.objects.get(pk=user.pk).is_active


def test_withdraw_unknown_document_is_404(auth_client, make_user):
    response = auth_client(make_user()).delete(
        reverse("privacy:consent-withdraw", args=["cookies"])
    )

    assert response.status_code == 404


def test_marketing_announcements_reach_only_consenting_users(
    make_user, django_capture_on_commit_callbacks
):
    from django.core import mail

    from notifications.models import Notification
    from notifications.services import announcement_send

    opted_in, never, withdrawn = make_user(), make_user(), make_user()
    Consent.objects.create(user=opted_in, document="marketing", version="1.0")
    Consent.objects.create(
        user=withdrawn, document="marketing", version="1.0", withdrawn_at=timezone.now()
    )
    everyone = [opted_in.pk, never.pk, withdrawn.pk]

    with django_capture_on_commit_callbacks(execute=True):
        queued = announcement_send(
            user_ids=everyone, title="Spring sale", message="PRO at half price", marketing=True
        )

    assert queued == 1
    assert set(Notification.objects.values_list("user_id", flat=True)) == {opted_in.pk}
    assert {tuple(m.to) for m in mail.outbox} <= {(opted_in.email,)}

    with django_capture_on_commit_callbacks(execute=True):
        service = announcement_send(user_ids=everyone, title="Maintenance", message="Sunday 3am")

    assert service == 3
