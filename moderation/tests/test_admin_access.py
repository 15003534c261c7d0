"""Back-office access: admin 403/404 pages, the scoped user picker for grants, and admin login
throttling per address and per account with a lockout staff see and lift."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from moderation.models import AuditAction, AuditLogEntry
from moderation.staff_policy import FINANCE, MODERATORS, SUPERUSER, SUPPORT
from moderation.tests.admin_world import staff_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PICKER = reverse("admin:billing_subscription_user_picker")
PICKER_QUERY = {"app_label": "billing", "model_name": "subscription", "field_name": "user"}


# --- 403 / 404 ---------------------------------------------------------------------------------
def test_forbidden_admin_page_is_an_admin_page(client):
    client.force_login(staff_user(SUPPORT))

    response = client.get(reverse("admin:billing_subscription_add"))

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert 'id="content-main"' in response.content.decode()


def test_unknown_admin_page_is_an_admin_404(client):
    client.force_login(staff_user(MODERATORS))

    response = client.get("/admin/no-such-app/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_api_keeps_its_json_errors(client):
    response = client.get("/api/v1/no-such-endpoint")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


# --- the grant picker --------------------------------------------------------------------------
def test_finance_picks_active_customers_only(client):
    client.force_login(staff_user(FINANCE))
    customer = UserFactory(role="employer", email="aigerim.customer@example.kz")
    UserFactory(role="model", email="aigerim.banned@example.kz", is_active=False)
    UserFactory(role="admin", email="aigerim.staff@example.kz", is_staff=True)

    response = client.get(PICKER, {**PICKER_QUERY, "term": "aigerim"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [str(customer.pk)]
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


@pytest.mark.parametrize("role", [SUPPORT, MODERATORS])
def test_picker_refused_without_the_grant_capability(role, client):
    client.force_login(staff_user(role))

    response = client.get(PICKER, {**PICKER_QUERY, "term": "a"})

    assert response.status_code == 403


def test_grant_form_uses_the_scoped_picker(client):
    client.force_login(staff_user(FINANCE))

    page = client.get(reverse("admin:billing_subscription_add")).content.decode()

    assert f'data-ajax--url="{PICKER}"' in page


# --- login throttling ----------------------------------------------------------------------------
def _login(client, email, password, ip="198.51.100.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_an_account_is_locked_after_five_failures_from_any_address(client, settings):
    user = staff_user(SUPERUSER, email="root@example.kz")
    answers = [
        _login(client, user.email, "wrong", ip=f"198.51.100.{i + 1}").status_code
        for i in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]  # the last one locks

    refused = _login(client, user.email, DEFAULT_PASSWORD, ip="198.51.100.99")

    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_after_five_failures_on_any_account(client, settings):
    user = staff_user(SUPERUSER, email="root@example.kz")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"guess{i}@example.kz", "wrong", ip="198.51.100.7")

    refused = _login(client, user.email, DEFAULT_PASSWORD, ip="198.51.100.7")
    elsewhere = _login(client, user.email, DEFAULT_PASSWORD, ip="198.51.100.8")

    assert refused.status_code == 429
    assert elsewhere.status_code == 302


def test_staff_see_the_lockout_and_a_superuser_lifts_it(client, settings):
    user = staff_user(MODERATORS, email="mod@example.kz")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.email, "wrong")
    assert _login(client, user.email, DEFAULT_PASSWORD).status_code == 429
    attempts = list(AccessAttempt.objects.all())
    support = client.__class__()
    support.force_login(staff_user(SUPPORT))
    listing = support.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert user.email in listing.content.decode()
    root = client.__class__()
    root.force_login(staff_user(SUPERUSER))

    root.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock_logins", "_selected_action": [a.pk for a in attempts], "index": 0},
    )

    assert not AccessAttempt.objects.exists()
    assert AuditLogEntry.objects.filter(action=AuditAction.LOGIN_UNLOCK).count() == len(attempts)
    assert _login(client, user.email, DEFAULT_PASSWORD).status_code == 302
