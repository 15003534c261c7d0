"""The back office answers exactly what the staff policy allows, generated from the admin
registry and `moderation.staff_policy` (as test_api1_bola.py is from the URL conf).

For every registered ModelAdmin and policy role (superuser, each group, staff in no group):
changelist, every list_filter choice, search, add page and the change page of fixture objects
(reports of all six target types and one whose target is gone) answer 200 or 403 as the policy
says — never 500. For every admin action and role: offered iff the role holds its capability;
posted by a role without it, no row changes and no audit entry is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from moderation import staff_policy
from moderation.admin_policy import AuditedAdminMixin, PolicyPermissionsMixin
from moderation.models import AuditLogEntry, ReportStatus
from moderation.staff_policy import CAPABILITIES, MODEL_ACCESS
from moderation.tests.admin_world import ROLES, build_admin_world, snapshot, staff_user
from safety.models import TargetKind

pytestmark = pytest.mark.django_db

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)
ADMIN_LABELS = [model._meta.label_lower for model, _ in REGISTRY]
ACTIONS = [
    (model._meta.label_lower, name)
    for model, model_admin in REGISTRY
    for _func, name, _description in model_admin._get_base_actions()
]
SNAPSHOT_LABELS = sorted(
    model._meta.label_lower
    for model in apps.get_models()
    if model._meta.app_label not in ("sessions", "admin", "contenttypes", "token_blacklist")
)


def _allowed(role: str, label: str, verb: str) -> bool:
    letters = MODEL_ACCESS.get(label, {}).get(role, "")
    return verb[0] in letters or (verb == "view" and "c" in letters)


def _holds(role: str, capability: str) -> bool:
    return capability in staff_policy.ROLE_CAPABILITIES.get(role, frozenset())


def _url(label: str, view: str, *args: Any) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


@pytest.fixture
def admin_world(media_root, no_ratelimit):
    return build_admin_world()


# ---------------------------------------------------------------------------------------------
# The policy covers the registry
# ---------------------------------------------------------------------------------------------
def test_every_model_admin_and_inline_is_in_the_policy():
    missing, unmanaged = [], []
    for model, model_admin in REGISTRY:
        label = model._meta.label_lower
        if label not in MODEL_ACCESS:
            missing.append(label)
        if not isinstance(model_admin, PolicyPermissionsMixin | AuditedAdminMixin):
            unmanaged.append(label)
        if not isinstance(model_admin, AuditedAdminMixin):
            unmanaged.append(f"{label} (not audited)")
        for inline in model_admin.inlines:
            if inline.model._meta.label_lower not in MODEL_ACCESS:
                missing.append(inline.model._meta.label_lower)
            if not issubclass(inline, PolicyPermissionsMixin):
                unmanaged.append(f"{label} inline {inline.__name__}")

    assert missing == [], "add these models to moderation/staff_policy.py MODEL_ACCESS"
    assert unmanaged == [], "base these admins on moderation.admin_policy"


def test_every_action_needs_a_capability():
    bad = []
    for model, model_admin in REGISTRY:
        for func, name, _description in model_admin._get_base_actions():
            needed = getattr(func, "allowed_permissions", ())
            if not needed or any(p not in CAPABILITIES for p in needed):
                bad.append(f"{model._meta.label_lower}:{name} needs {needed!r}")

    assert bad == [], "declare @admin.action(permissions=[<capability>]) from staff_policy"


def test_the_policy_names_only_known_models_and_roles():
    for label, access in MODEL_ACCESS.items():
        apps.get_model(label)
        assert set(access) <= set(staff_policy.ROLES), label
        assert set("".join(access.values())) <= set("vacd"), label
    for role, capabilities in staff_policy.ROLE_CAPABILITIES.items():
        assert role in staff_policy.ROLES
        assert capabilities <= set(CAPABILITIES)


# ---------------------------------------------------------------------------------------------
# Pages, per role
# ---------------------------------------------------------------------------------------------
def _filter_urls(client, changelist_url: str) -> list[str]:
    """Every choice of every list_filter (and the date hierarchy) on the changelist."""
    response = client.get(changelist_url)
    cl = response.context["cl"]
    urls = []
    for spec in cl.filter_specs:
        for choice in spec.choices(cl):
            urls.append(changelist_url + choice["query_string"])
    return urls


def _change_objects(label: str, admin_world) -> list[Any]:
    model = apps.get_model(label)
    if label == "moderation.report":
        return list(admin_world.reports.values())
    return list(model._default_manager.order_by("pk")[:2])


def _page_answers(client, role: str, label: str, admin_world) -> dict[str, tuple[int, int]]:
    """`{url: (status, expected)}` for every page of one model admin."""
    model_admin = admin.site._registry[apps.get_model(label)]
    expected_view = 200 if _allowed(role, label, "view") else 403
    changelist = _url(label, "changelist")
    pages = [changelist]
    if expected_view == 200:
        pages += _filter_urls(client, changelist)
        if model_admin.search_fields:
            pages.append(f"{changelist}?q=a")
    pages += [_url(label, "change", obj.pk) for obj in _change_objects(label, admin_world)]
    answers = {url: (client.get(url).status_code, expected_view) for url in dict.fromkeys(pages)}
    add = _url(label, "add")
    answers[add] = (client.get(add).status_code, 200 if _allowed(role, label, "add") else 403)
    return answers


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_answer_what_the_policy_allows(role, admin_world, client):
    client.force_login(staff_user(role))

    answers = {}
    for label in ADMIN_LABELS:
        answers.update(_page_answers(client, role, label, admin_world))

    wrong = {url: got for url, got in answers.items() if got[0] != got[1]}
    assert wrong == {}, f"{role}: (status, expected) per page"
    assert len(answers) > len(ADMIN_LABELS) * 3


@pytest.mark.parametrize("role", ROLES)
def test_report_queue_previews_every_target_type(role, admin_world, client):
    client.force_login(staff_user(role))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = client.get(_url("moderation.report", "changelist"))

    if not _allowed(role, "moderation.report", "view"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    page = response.content.decode()
    world = admin_world.world
    assert world.a.message.content in page  # the message's text, not "-"
    assert world.a.casting.title in page
    assert world.a.model_profile.name in page
    assert world.a.employer_profile.company_name in page
    assert "no longer exists" in page or "deleted" in page
    for kind in TargetKind.values:
        filtered = client.get(_url("moderation.report", "changelist") + f"?target_type={kind}")
        assert filtered.status_code == 200, kind
    for status in ReportStatus.values:
        filtered = client.get(_url("moderation.report", "changelist") + f"?status={status}")
        assert filtered.status_code == 200, status


@pytest.mark.parametrize("role", ROLES)
def test_model_admin_permissions_equal_the_policy(role, admin_world):
    user = staff_user(role)
    request = RequestFactory().get("/admin/")
    request.user = user

    wrong = []
    for model, model_admin in REGISTRY:
        label = model._meta.label_lower
        for verb in ("view", "add", "change", "delete"):
            answer = getattr(model_admin, f"has_{verb}_permission")(request)
            if answer != _allowed(role, label, verb):
                wrong.append(f"{label}: {verb}={answer}")
        for inline in model_admin.inlines:
            inline_admin = inline(model, admin.site)
            inline_label = inline.model._meta.label_lower
            for verb in ("add", "change", "delete"):
                answer = getattr(inline_admin, f"has_{verb}_permission")(request, None)
                if answer and not _allowed(role, inline_label, verb):
                    wrong.append(f"{label} inline {inline_label}: {verb}={answer}")

    assert wrong == []


# ---------------------------------------------------------------------------------------------
# Actions, per role
# ---------------------------------------------------------------------------------------------
def _objects_for(label: str, action: str, admin_world) -> tuple[list[Any], dict[str, Any]]:
    """The objects an action applies to in the fixture world, and its extra form fields."""
    world, reports = admin_world.world, admin_world.reports
    model = apps.get_model(label)
    manager = model._default_manager
    extra: dict[str, Any] = {}
    chosen = {
        "accounts.user:ban_users": lambda: [world.a.model],
        "accounts.user:unban_users": lambda: [admin_world.banned],
        "accounts.user:mark_email_verified": lambda: list(
            manager.filter(email="unverified@example.kz")
        ),
        "moderation.report:resolve_reports": lambda: [reports[TargetKind.USER]],
        "moderation.report:dismiss_reports": lambda: [reports[TargetKind.USER]],
        "moderation.report:ban_reported_users": lambda: [reports[TargetKind.USER]],
        "moderation.report:hide_reported_castings": lambda: [reports[TargetKind.CASTING]],
        "moderation.report:remove_reported_photos": lambda: [reports[TargetKind.PHOTO]],
        "moderation.report:delete_reported_messages": lambda: [reports[TargetKind.MESSAGE]],
        "billing.subscription:extend_30_days": lambda: [world.a.subscription],
        "billing.subscription:cancel_subscriptions": lambda: [world.a.subscription],
        "billing.payment:mark_refunded": lambda: [world.a.payment],
        "media.photo:remove_photos": lambda: [world.a.photo],
        "profiles.modelprofile:hide_profiles": lambda: [world.a.model_profile],
        "profiles.modelprofile:unhide_profiles": lambda: [world.b.model_profile],
        "profiles.modelprofile:grant_promotion": lambda: [world.b.model_profile],
        "profiles.modelprofile:end_promotion": lambda: [world.a.model_profile],
        "profiles.employerprofile:mark_verified": lambda: [world.a.employer_profile],
        "profiles.employerprofile:mark_unverified": lambda: [world.b.employer_profile],
        "castings.casting:approve": lambda: [world.a.draft],
        "castings.casting:hide": lambda: [world.a.casting],
        "castings.casting:unhide": lambda: [world.b.casting],
        "castings.casting:cancel": lambda: [world.a.casting],
        "agencies.organizationmember:remove_members": lambda: [world.a.organization_member],
        "agencies.agencyinvitation:cancel_invitations": lambda: [world.a.invitation],
        "agencies.rostermembership:end_links": lambda: [world.a.roster_link],
        # The world's own pending invitation (others, made by invite-and-accept, are answered).
        "agencies.organizationinvitation:cancel_team_invitations": lambda: list(
            manager.filter(email="invited.manager@example.kz", status="pending")
        ),
    }
    key = f"{label}:{action}"
    if key == "profiles.modelprofile:grant_promotion":
        extra["promoted_until"] = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    if key not in chosen:
        return list(manager.order_by("pk")[:1]), extra
    return chosen[key](), extra


def _post_action(client, label: str, action: str, objects: list[Any], extra: dict[str, Any]):
    data = {
        "action": action,
        "_selected_action": [str(obj.pk) for obj in objects],
        "index": 0,
        **extra,
    }
    return client.post(_url(label, "changelist"), data)


def _action_capabilities(label: str, action: str) -> tuple[str, ...]:
    model_admin = admin.site._registry[apps.get_model(label)]
    func = {name: f for f, name, _ in model_admin._get_base_actions()}[action]
    return tuple(getattr(func, "allowed_permissions", ()))


@pytest.mark.parametrize(("label", "action"), ACTIONS)
def test_action_is_offered_only_to_holders_and_refused_without_change(
    label, action, admin_world, client
):
    capabilities = _action_capabilities(label, action)
    model_admin = admin.site._registry[apps.get_model(label)]
    objects, extra = _objects_for(label, action, admin_world)
    assert objects, f"no fixture object for {label}:{action}"

    for role in ROLES:
        user = staff_user(role)
        request = RequestFactory().get("/admin/")
        request.user = user
        holds = _allowed(role, label, "view") and all(_holds(role, c) for c in capabilities)
        offered = action in model_admin.get_actions(request)
        assert offered == holds, f"{action} offered={offered} to {role}"
        if holds:
            continue
        client.force_login(user)  # (updates last_login before the snapshot)
        before = snapshot(SNAPSHOT_LABELS)
        entries = AuditLogEntry.objects.count()

        response = _post_action(client, label, action, objects, extra)

        assert response.status_code in (200, 302, 403), (role, response.status_code)
        assert snapshot(SNAPSHOT_LABELS) == before, f"{role} changed rows with {action}"
        assert AuditLogEntry.objects.count() == entries


def test_changelist_offers_no_action_to_support(admin_world, client):
    client.force_login(staff_user(staff_policy.SUPPORT))

    for label in ADMIN_LABELS:
        response = client.get(_url(label, "changelist"))
        assert response.status_code == 200, label
        assert 'name="action"' not in response.content.decode(), label


def test_popup_changelists_still_answer(admin_world, client):
    client.force_login(staff_user(staff_policy.SUPERUSER))

    response = client.get(_url("accounts.user", "changelist") + f"?{IS_POPUP_VAR}=1")

    assert response.status_code == 200


def _holder(label: str, capabilities: tuple[str, ...]) -> str:
    return next(
        role
        for role in ROLES
        if _allowed(role, label, "view") and all(_holds(role, c) for c in capabilities)
    )


@pytest.mark.parametrize(("label", "action"), ACTIONS)
def test_action_by_a_holder_writes_one_audit_entry_per_object(label, action, admin_world, client):
    user = staff_user(_holder(label, _action_capabilities(label, action)))
    client.force_login(user)
    objects, extra = _objects_for(label, action, admin_world)
    last = AuditLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = _post_action(client, label, action, objects, extra)

    assert response.status_code == 302
    entries = list(AuditLogEntry.objects.filter(id__gt=last))
    assert len(entries) == len(objects), [e.action for e in entries]
    for entry in entries:
        assert entry.actor_id == user.pk
        assert entry.target_label
        assert entry.changes or entry.data
