"""A casting a `hold` rule fires on waits as pending_review: only its owner sees it, told why in
general terms; staff approve (published with the normal fan-out, once) or reject it from the
automatic queue; `flag` rules only queue it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from castings import services as casting_services
from castings.models import Casting, CastingStatus
from castings.tests.factories import EmployerProfileFactory, ModelProfileFactory
from moderation.models import AuditLogEntry
from moderation.tests.admin_world import staff_user
from notifications.models import Notification
from safety.models import Flag, FlagStatus, TargetKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_rules")]

LIST = reverse("castings:casting-list")
MY = reverse("castings:casting-my")
SCAM = "Съёмка для каталога. Для участия нужна предоплата за портфолио 15 000 тг."


def detail(casting_id) -> str:
    return reverse("castings:casting-detail", args=[casting_id])


@pytest.fixture
def employer():
    return EmployerProfileFactory().user


@pytest.fixture
def matching_model():
    return ModelProfileFactory(
        city="Almaty", gender="female", age=25, height=175, experience="experienced"
    )


@pytest.fixture
def body(casting_body):
    return {**casting_body, "description": SCAM}


@pytest.fixture
def casting_body():
    return {
        "title": "Fashion Editorial Shoot",
        "description": "Looking for female models for an editorial fashion shoot.",
        "category": "fashion",
        "city": "Almaty",
        "shoot_date": (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "requirements": {"gender": "female", "min_age": 18, "max_age": 30},
    }


def _new_casting_notifications(casting_id) -> int:
    return Notification.objects.filter(type="new_casting", data__casting_id=str(casting_id)).count()


def test_held_casting_is_seen_only_by_its_owner(
    auth_client, employer, matching_model, body, django_capture_on_commit_callbacks
):
    outsider = UserFactory()
    owner_client = auth_client(employer)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(LIST, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 201, response.content
    card = response.json()["data"]["casting"]
    assert card["status"] == "pending_review"
    assert "waiting for a moderator" in card["review_note"]
    casting_id = card["id"]
    # the owner: detail and "my castings"
    assert owner_client.get(detail(casting_id)).json()["data"]["casting"]["status"] == (
        "pending_review"
    )
    assert [c["id"] for c in owner_client.get(MY).json()["data"]["castings"]] == [casting_id]
    # everyone else: not in the catalogue, the search, the detail, or their saved list
    for client in (auth_client(outsider), auth_client(matching_model.user)):
        assert client.get(detail(casting_id)).status_code == 404
        assert client.get(LIST).json()["data"]["castings"] == []
        assert client.get(LIST, {"search": "каталога"}).json()["data"]["castings"] == []
        assert client.get(LIST, {"status": "pending_review"}).json()["data"]["castings"] == []
        save = reverse("castings:casting-save", args=[casting_id])
        assert client.post(save).status_code == 404
    assert _new_casting_notifications(casting_id) == 0
    flag = Flag.objects.get(target_kind=TargetKind.CASTING, target_id=casting_id)
    assert flag.held and flag.status == FlagStatus.OPEN
    assert flag.target_user == employer
    assert {r.name for r in flag.rules.all()} == {"Prepayment or fee asked of the model"}
    hit = flag.hits[0]
    assert flag.text[hit["start"] : hit["end"]] == hit["excerpt"]
    assert "предоплата" in hit["excerpt"]
    # the owner cannot publish it past the review
    status_url = reverse("castings:casting-status", args=[casting_id])
    assert owner_client.patch(status_url, {"status": "active"}, format="json").status_code == 422


def _decide(client, flag: Flag, action: str):
    return client.post(
        reverse("admin:safety_flag_changelist"),
        {"action": action, "_selected_action": [str(flag.pk)], "index": 0},
    )


def test_staff_approve_publishes_once_with_the_fan_out(
    auth_client, client, employer, matching_model, body, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        casting_id = (
            auth_client(employer).post(LIST, body, format="json").json()["data"]["casting"]["id"]
        )
    flag = Flag.objects.get(target_id=casting_id)
    moderator = staff_user("Moderators")
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        response = _decide(client, flag, "approve_flags")
    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, flag, "approve_flags")  # a second click changes nothing

    assert response.status_code == 302
    casting = Casting.objects.get(id=casting_id)
    assert casting.status == CastingStatus.ACTIVE and casting.published_at is not None
    assert auth_client(matching_model.user).get(detail(casting_id)).status_code == 200
    assert _new_casting_notifications(casting_id) == 1
    flag.refresh_from_db()
    assert flag.status == FlagStatus.APPROVED and flag.decided_by == moderator
    entry = AuditLogEntry.objects.get(action="flag_approve")
    assert entry.actor == moderator and entry.changes["status"] == ["open", "approved"]
    # the decision feeds the rule's precision in the admin: this one was a false positive
    rules = client.get(reverse("admin:safety_rule_changelist")).content.decode()
    assert "0% (0/1)" in rules


def test_staff_reject_keeps_it_from_everyone(
    auth_client, client, employer, matching_model, body, django_capture_on_commit_callbacks
):
    casting_id = (
        auth_client(employer).post(LIST, body, format="json").json()["data"]["casting"]["id"]
    )
    client.force_login(staff_user("Moderators"))

    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, Flag.objects.get(target_id=casting_id), "reject_flags")

    casting = Casting.objects.get(id=casting_id)
    assert casting.status == CastingStatus.CANCELLED and casting.is_hidden
    assert auth_client(matching_model.user).get(detail(casting_id)).status_code == 404
    assert _new_casting_notifications(casting_id) == 0
    assert Flag.objects.get(target_id=casting_id).status == FlagStatus.REJECTED
    rules = client.get(reverse("admin:safety_rule_changelist")).content.decode()
    assert "100% (1/1)" in rules


def test_support_cannot_decide_flags(auth_client, client, employer, body):
    casting_id = (
        auth_client(employer).post(LIST, body, format="json").json()["data"]["casting"]["id"]
    )
    client.force_login(staff_user("Support"))

    _decide(client, Flag.objects.get(target_id=casting_id), "approve_flags")

    assert Casting.objects.get(id=casting_id).status == CastingStatus.PENDING_REVIEW
    assert not AuditLogEntry.objects.filter(action="flag_approve").exists()


def test_editing_an_active_casting_into_a_scam_holds_it(auth_client, employer, casting_body):
    client = auth_client(employer)
    casting_id = client.post(LIST, casting_body, format="json").json()["data"]["casting"]["id"]
    assert Casting.objects.get(id=casting_id).status == CastingStatus.ACTIVE

    response = client.put(
        detail(casting_id),
        {"description": "Оплата на карту 4400 4301 2345 6789 до съёмки"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["data"]["casting"]["status"] == "pending_review"
    assert Flag.objects.get(target_id=casting_id).held


def test_publishing_a_scam_draft_holds_it(employer):
    draft = casting_services.casting_create(
        actor=employer,
        status=CastingStatus.DRAFT,
        title="Draft casting",
        description=SCAM,
        category="fashion",
        city="Almaty",
        shoot_date=timezone.now() + timedelta(days=30),
    )
    assert not Flag.objects.filter(target_id=draft.id).exists()  # nobody sees a draft

    casting_services.casting_change_status(casting=draft, status=CastingStatus.ACTIVE)

    assert Casting.objects.get(id=draft.id).status == CastingStatus.PENDING_REVIEW


def test_ordinary_and_flagged_castings_are_published(auth_client, employer, casting_body):
    client = auth_client(employer)
    ordinary = client.post(LIST, casting_body, format="json").json()["data"]["casting"]
    flagged = client.post(
        LIST,
        {**casting_body, "description": "Подробности пишите в WhatsApp +7 701 000 00 00"},
        format="json",
    ).json()["data"]["casting"]

    assert ordinary["status"] == flagged["status"] == "active"
    assert ordinary["review_note"] is None
    assert not Flag.objects.filter(target_id=ordinary["id"]).exists()
    flag = Flag.objects.get(target_id=flagged["id"])
    assert flag.action == "flag" and not flag.held


def test_the_queue_shows_automatic_items_with_rules_spans_and_trust(
    auth_client, client, employer, body
):
    auth_client(employer).post(LIST, body, format="json")
    client.force_login(staff_user("Moderators"))

    page = client.get(
        reverse("admin:safety_flag_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "automatic" in page
    assert "Prepayment or fee asked of the model" in page
    assert "<mark>предоплата</mark>" in page
    assert f"{employer.email} " in page and 'data-level="verified"' in page


# --- a flag's own page decides it, as a report's page does (admin_policy.DecisionPageMixin) ---
def _held_flag(auth_client, employer, body) -> Flag:
    casting_id = (
        auth_client(employer).post(LIST, body, format="json").json()["data"]["casting"]["id"]
    )
    return Flag.objects.get(target_id=casting_id)


@pytest.mark.parametrize("role", ["Moderators", "superuser"])
def test_the_flag_page_decides_for_holders_of_review(
    role, auth_client, client, employer, body, django_capture_on_commit_callbacks
):
    flag = _held_flag(auth_client, employer, body)
    staff = staff_user(role)
    client.force_login(staff)

    page = client.get(reverse("admin:safety_flag_change", args=[flag.pk])).content.decode()
    assert 'data-operation="approve"' in page and 'data-operation="reject"' in page
    assert 'name="_save"' not in page
    # rejecting cancels and hides the casting: the page asks first (as a report's enforcement)
    assert "data-confirm" in page.split('data-operation="reject"')[1].split(">")[0]
    assert "data-confirm" not in page.split('data-operation="approve"')[1].split(">")[0]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:safety_flag_enforce", args=[flag.pk]),
            {"operation": "approve", "note": "A real agency, checked by phone"},
        )

    assert response.status_code == 302
    assert response.url == reverse("admin:safety_flag_change", args=[flag.pk])
    assert Casting.objects.get(id=flag.target_id).status == CastingStatus.ACTIVE
    flag.refresh_from_db()
    assert flag.status == FlagStatus.APPROVED and flag.decided_by == staff
    entry = AuditLogEntry.objects.get(action="flag_approve")
    assert (entry.actor, entry.reason) == (staff, "A real agency, checked by phone")
    assert entry.changes["status"] == ["open", "approved"]
    # decided: no buttons any more, and a second post is refused without a change
    page = client.get(reverse("admin:safety_flag_change", args=[flag.pk])).content.decode()
    assert "data-operation=" not in page
    again = client.post(
        reverse("admin:safety_flag_enforce", args=[flag.pk]), {"operation": "reject"}
    )
    assert again.status_code == 403
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.APPROVED
    assert AuditLogEntry.objects.count() == 1


def test_the_flag_page_rejects_and_opens_the_next_open_flag(
    auth_client, client, employer, body, django_capture_on_commit_callbacks
):
    first = _held_flag(auth_client, employer, body)
    second = _held_flag(auth_client, employer, {**body, "title": "Another scam"})
    client.force_login(staff_user("Moderators"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:safety_flag_enforce", args=[first.pk]),
            {"operation": "reject", "_next": "1"},
        )
    with django_capture_on_commit_callbacks(execute=True):
        last = client.post(
            reverse("admin:safety_flag_enforce", args=[second.pk]),
            {"operation": "reject", "_next": "1"},
        )

    assert response.url == reverse("admin:safety_flag_change", args=[second.pk])
    assert last.url == reverse("admin:safety_flag_changelist")
    casting = Casting.objects.get(id=first.target_id)
    assert casting.status == CastingStatus.CANCELLED and casting.is_hidden
    entry = AuditLogEntry.objects.filter(action="flag_reject").order_by("created_at").first()
    assert entry is not None and "Prepayment or fee asked of the model" in entry.reason


@pytest.mark.parametrize("role", ["Finance", "Support"])
@pytest.mark.parametrize("operation", ["approve", "reject"])
def test_the_flag_page_refuses_roles_without_review(
    role, operation, auth_client, client, employer, body
):
    flag = _held_flag(auth_client, employer, body)
    client.force_login(staff_user(role))

    page = client.get(reverse("admin:safety_flag_change", args=[flag.pk]))
    response = client.post(
        reverse("admin:safety_flag_enforce", args=[flag.pk]),
        {"operation": operation, "note": "not mine to decide"},
    )

    # Support reads the flag without a button; Finance may not even read it
    assert page.status_code == (200 if role == "Support" else 403)
    assert "data-operation=" not in page.content.decode()
    assert response.status_code == 403
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN
    assert Casting.objects.get(id=flag.target_id).status == CastingStatus.PENDING_REVIEW
    assert not AuditLogEntry.objects.exists()
