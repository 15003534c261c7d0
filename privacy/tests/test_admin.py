"""Staff see scheduled deletions with their flags and purge at once (audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from billing.models import Payment
from billing.tests.factories import SubscriptionPaymentFactory
from moderation.models import AuditAction, AuditLogEntry
from moderation.staff_policy import MODERATORS, SUPERUSER
from moderation.tests.admin_world import staff_user
from moderation.tests.factories import ReportFactory
from privacy import services

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:privacy_scheduleddeletion_changelist"


def staff_client(client, role):
    staff = staff_user(role)
    client.force_login(staff)
    client.staff = staff
    return client


def scheduled(**kwargs) -> User:
    user = UserFactory(**kwargs)
    services.account_deletion_schedule(user=user, password=DEFAULT_PASSWORD)
    return User.objects.get(pk=user.pk)


def test_staff_see_scheduled_deletions_with_flags(client):
    flagged = scheduled(email="flagged@example.kz")
    SubscriptionPaymentFactory(user=flagged, status="paid", refund_due=True)
    ReportFactory(target_user=flagged)
    scheduled(email="plain@example.kz")
    UserFactory(email="active@example.kz")
    browser = staff_client(client, MODERATORS)

    page = browser.get(reverse(CHANGELIST))

    assert page.status_code == 200
    html = page.content.decode()
    assert "flagged@example.kz" in html and "plain@example.kz" in html
    assert "active@example.kz" not in html
    assert html.count('alt="True"') == 2  # refund due and open report, on the flagged row only
    assert "purge_now" not in html  # moderators see them; purging is the superuser's


def test_purge_now_is_audited_with_the_staff_member(client):
    user = scheduled()
    payment = SubscriptionPaymentFactory(user=user, status="paid", refund_due=True)
    browser = staff_client(client, SUPERUSER)

    answer = browser.post(
        reverse(CHANGELIST), {"action": "purge_now", "_selected_action": [str(user.pk)]}
    )

    assert answer.status_code == 302
    tombstone = User.objects.get(pk=user.pk)
    assert tombstone.deleted_at is not None
    assert Payment.objects.get(pk=payment.pk).user_id == tombstone.pk  # still deletable
    entry = AuditLogEntry.objects.get(action=AuditAction.ACCOUNT_PURGE)
    assert (entry.actor_id, entry.target_id) == (browser.staff.pk, str(user.pk))


def test_purge_needs_the_purge_capability(client):
    user = scheduled()
    browser = staff_client(client, MODERATORS)

    browser.post(reverse(CHANGELIST), {"action": "purge_now", "_selected_action": [str(user.pk)]})

    assert User.objects.get(pk=user.pk).deleted_at is None
    assert not AuditLogEntry.objects.exists()
