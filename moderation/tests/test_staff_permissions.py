"""Each staff group sees and can do exactly its part (moderation/staff_policy.py); the
generated matrix is test_admin_policy.py, these are the hand-written stories."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from moderation.models import AuditAction, AuditLogEntry, Report, ReportStatus
from moderation.staff_groups import staff_groups_sync
from moderation.staff_policy import group_permission_codes
from moderation.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

GROUPS = ["Moderators", "Finance", "Support"]


@pytest.fixture
def staff_of(make_staff):
    return make_staff


def test_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(GROUPS)


@pytest.mark.parametrize("group", GROUPS)
def test_group_permissions_are_the_policy(group, staff_of):
    """The Django permissions each group holds are exactly the policy's (models + capabilities)."""
    user = staff_of(group)

    held = {
        (p.content_type.app_label, p.codename)
        for p in Group.objects.get(name=group).permissions.select_related("content_type")
    }

    assert held == group_permission_codes(group)
    for app_label, codename in held:
        assert user.has_perm(f"{app_label}.{codename}")


@pytest.mark.parametrize(
    "group,visible,hidden",
    [
        ("Moderators", ["/admin/moderation/", "/admin/castings/"], ["/admin/billing/"]),
        ("Finance", ["/admin/billing/"], ["/admin/castings/", "/admin/accounts/"]),
        ("Support", ["/admin/billing/", "/admin/moderation/", "/admin/accounts/"], []),
    ],
)
def test_admin_index_lists_only_the_groups_apps(group, visible, hidden, staff_of, client):
    client.force_login(staff_of(group))

    page = client.get("/admin/").content.decode()

    registered_apps = {model._meta.app_label for model in admin.site._registry}
    for link in visible:
        if link.strip("/").split("/")[-1] in registered_apps:
            assert f'href="{link}"' in page, link
    for link in hidden:
        assert f'href="{link}"' not in page, link


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# --- the ban action ---------------------------------------------------------------------------
def _run_action(client, action, report):
    return client.post(
        reverse("admin:moderation_report_changelist"),
        {"action": action, "_selected_action": [str(report.pk)], "index": 0},
    )


def test_moderator_bans_from_the_queue(staff_of, client, make_user):
    offender = make_user()
    report = ReportFactory(target_user=offender)
    client.force_login(staff_of("Moderators"))

    response = _run_action(client, "ban_reported_users", report)

    assert response.status_code == 302
    offender.refresh_from_db()
    assert not offender.is_active
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RESOLVED
    assert AuditLogEntry.objects.filter(action="user_ban", target_id=str(offender.pk)).exists()


@pytest.mark.parametrize("group,status", [("Finance", 403), ("Support", 200)])
@pytest.mark.parametrize(
    "action",
    [
        "ban_reported_users",
        "resolve_reports",
        "dismiss_reports",
        "hide_reported_castings",
        "remove_reported_photos",
        "delete_reported_messages",
    ],
)
def test_ban_and_enforcement_actions_refused(group, status, action, staff_of, client, make_user):
    offender = make_user()
    report = ReportFactory(target_user=offender)
    client.force_login(staff_of(group))

    response = _run_action(client, action, report)

    # Finance cannot open the queue at all; Support sees it without any action.
    assert response.status_code == status
    if status == 200:
        assert f'value="{action}"' not in response.content.decode()
    offender.refresh_from_db()
    assert offender.is_active
    assert Report.objects.get(pk=report.pk).status == ReportStatus.OPEN
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize("group", ["Finance", "Support"])
@pytest.mark.parametrize("operation", ["ban", "resolve", "dismiss"])
def test_one_click_buttons_refused(group, operation, staff_of, client, make_user):
    offender = make_user()
    report = ReportFactory(target_user=offender)
    client.force_login(staff_of(group))

    response = client.post(
        reverse("admin:moderation_report_enforce", args=[report.pk]), {"operation": operation}
    )

    assert response.status_code == 403
    offender.refresh_from_db()
    assert offender.is_active
    assert not AuditLogEntry.objects.exists()


def test_one_click_buttons_for_moderators(staff_of, client, make_user):
    offender = make_user()
    report = ReportFactory(target_user=offender, comment="Threatens people")
    moderator = staff_of("Moderators")
    client.force_login(moderator)
    page = client.get(reverse("admin:moderation_report_change", args=[report.pk]))
    assert 'data-operation="ban"' in page.content.decode()
    assert "Threatens people" in page.content.decode()

    response = client.post(
        reverse("admin:moderation_report_enforce", args=[report.pk]),
        {"operation": "ban", "note": "Threats in chat"},
    )

    assert response.status_code == 302
    offender.refresh_from_db()
    assert not offender.is_active
    entry = AuditLogEntry.objects.get(action="user_ban")
    assert (entry.actor, entry.reason) == (moderator, "Threats in chat")


# --- the audit log is never editable ---------------------------------------------------------
def test_audit_log_read_only_even_for_superusers(client, make_user):
    root = make_user(role="admin", is_staff=True, is_superuser=True)
    entry = AuditLogEntry.objects.create(
        actor=root, action="user_ban", target_type="user", target_id="x", reason="r"
    )
    model_admin = admin.site._registry[AuditLogEntry]
    request = _request(root)
    client.force_login(root)

    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert model_admin.get_actions(request) == {}
    delete_url = reverse("admin:moderation_auditlogentry_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    change_url = reverse("admin:moderation_auditlogentry_change", args=[entry.pk])
    client.post(change_url, {"reason": "rewritten"})
    assert AuditLogEntry.objects.get(pk=entry.pk).reason == "r"


def test_sync_is_idempotent_and_repairs_groups():
    first = staff_groups_sync()
    Group.objects.get(name="Finance").permissions.clear()

    second = staff_groups_sync()

    assert first == second
    assert Group.objects.filter(name__in=GROUPS).count() == 3
    assert Group.objects.get(name="Finance").permissions.count() == first["Finance"]


@pytest.mark.parametrize("group", ["Support", "Finance"])
def test_users_admin_ban_action_refused_to_non_moderators(group, staff_of, client, make_user):
    """The ban in accounts' UserAdmin must need `moderation.can_ban_users` too."""
    offender = make_user()
    client.force_login(staff_of(group))

    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "ban_users", "_selected_action": [str(offender.pk)], "index": 0},
    )

    offender.refresh_from_db()
    assert offender.is_active


def test_users_admin_ban_action_by_a_moderator_is_audited(staff_of, client, make_user):
    offender = make_user()
    moderator = staff_of("Moderators")
    client.force_login(moderator)

    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "ban_users", "_selected_action": [str(offender.pk)], "index": 0},
    )

    offender.refresh_from_db()
    assert not offender.is_active
    assert AuditLogEntry.objects.filter(
        actor=moderator, action=AuditAction.USER_BAN, target_id=offender.pk
    ).exists()
