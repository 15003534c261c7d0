"""Staff roles in a real browser (Playwright + Debian's Chromium, as test_browser.py): Finance
grants a subscription through the scoped user picker; Support opens every list and object and
finds nothing that writes."""

# ruff: noqa: F811 - the browser fixtures come from test_browser.py

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from accounts.tests.factories import UserFactory
from billing.models import Subscription
from moderation.models import AuditAction, AuditLogEntry
from moderation.staff_policy import FINANCE, SUPPORT
from moderation.tests.admin_world import build_admin_world, staff_user
from moderation.tests.test_browser import (  # noqa: F401 - fixtures
    _log_in,
    browser,
    page,
    pytestmark,
    screenshots,
)


def test_finance_grants_a_subscription_through_the_picker(page, live_server, screenshots):
    finance = staff_user(FINANCE)
    customer = UserFactory(role="employer", email="dana.studio@example.kz")

    _log_in(page, live_server, finance)
    page.goto(f"{live_server.url}{reverse('admin:billing_subscription_add')}")
    page.click(".field-user .select2-selection")
    page.fill(".select2-search__field", "dana.studio")
    page.click(".select2-results__option:has-text('dana.studio@example.kz')")
    page.select_option("#id_plan_name", "BUSINESS")
    page.screenshot(path=str(screenshots / "finance-grant.png"), full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    subscription = Subscription.objects.get(user=customer, plan__name="BUSINESS")
    entry = AuditLogEntry.objects.get(action=AuditAction.SUBSCRIPTION_GRANT)
    assert (entry.actor, entry.target_id) == (finance, str(subscription.pk))


def test_support_sees_everything_and_nothing_that_writes(page, live_server, screenshots):
    build_admin_world()
    support = staff_user(SUPPORT)

    _log_in(page, live_server, support)
    page.screenshot(path=str(screenshots / "support-index.png"), full_page=True)
    visited = []
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label_lower):
        info = (model._meta.app_label, model._meta.model_name)
        answer = page.goto(f"{live_server.url}{reverse(f'admin:{info[0]}_{info[1]}_changelist')}")
        assert answer.status == 200, info
        assert page.locator("select[name=action]").count() == 0, info
        assert page.locator(".object-tools a.addlink").count() == 0, info
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            url = reverse(f"admin:{info[0]}_{info[1]}_change", args=[first.pk])
            assert page.goto(f"{live_server.url}{url}").status == 200, info
            writes = page.locator(
                "input[name=_save], input[name=_continue], a.deletelink, "
                "button[data-operation], form[action*=enforce] button"
            )
            assert writes.count() == 0, info
        visited.append(info)
    page.screenshot(path=str(screenshots / "support-object.png"), full_page=True)

    assert len(visited) == len(admin.site._registry)
    assert not AuditLogEntry.objects.exists()
