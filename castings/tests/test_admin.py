from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from castings.models import Casting
from castings.tests.factories import CastingFactory, ResponseFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:castings_casting_changelist")


@pytest.fixture
def staff_client() -> Client:
    admin = User.objects.create_superuser("boss@mwork.kz", "Str0ng-Passw0rd!")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the assertions read the English labels
    client.force_login(admin)
    return client


def run_action(client: Client, action: str, *castings) -> None:
    response = client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(c.id) for c in castings]},
        follow=True,
    )
    assert response.status_code == 200


def test_changelist_filters_search_and_detail_with_inline(staff_client):
    casting = CastingFactory(title="Editorial in Almaty")
    ResponseFactory.create_batch(2, casting=casting)
    CastingFactory(title="Something else", city="Astana")

    listed = staff_client.get(CHANGELIST, {"q": "editorial", "status__exact": "active"})
    by_owner = staff_client.get(CHANGELIST, {"owner__id__exact": str(casting.owner_id)})
    detail = staff_client.get(reverse("admin:castings_casting_change", args=[casting.id]))

    assert listed.status_code == 200
    assert "Editorial in Almaty" in listed.content.decode()
    assert "Something else" not in listed.content.decode()
    assert by_owner.status_code == 200
    assert detail.status_code == 200
    assert "Responses" in detail.content.decode()


def test_approve_publishes_drafts_through_the_service(staff_client):
    draft = CastingFactory(status="draft")
    stale = CastingFactory(status="draft", shoot_date=timezone.now() - timedelta(days=1))

    run_action(staff_client, "approve", draft, stale)

    draft.refresh_from_db()
    stale.refresh_from_db()
    assert draft.status == "active" and draft.published_at is not None
    assert stale.status == "draft"  # refused by the state rules, reported to staff


def test_hide_unhide_and_cancel(staff_client):
    casting = CastingFactory()
    completed = CastingFactory(status="completed")

    run_action(staff_client, "hide", casting)
    assert Casting.objects.get(id=casting.id).is_hidden is True
    run_action(staff_client, "unhide", casting)
    assert Casting.objects.get(id=casting.id).is_hidden is False
    run_action(staff_client, "cancel", casting, completed)

    assert Casting.objects.get(id=casting.id).status == "cancelled"
    assert Casting.objects.get(id=completed.id).status == "completed"
