"""Staff roles in a real browser (Playwright + Debian's Chromium, as test_browser.py): Finance
grants a subscription through the scoped user picker; Support opens every list and object and
finds nothing that writes. The safety pages (automatic flags, safety rules) and the employer
reviews per role: Moderators decide a flag, switch a rule off and remove a review; Finance is
refused all three; Support reads them and finds nothing that writes. These pages are opened
in Russian, the back office's language, so an untranslated text shows in the screenshots."""

# ruff: noqa: F811 - the browser fixtures come from test_browser.py

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connections
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import UserFactory
from billing.models import Subscription
from castings.models import EmployerReview
from moderation.models import AuditAction, AuditLogEntry
from moderation.staff_policy import FINANCE, MODERATORS, SUPPORT
from moderation.tests.admin_world import build_admin_world, staff_user
from moderation.tests.test_browser import (  # noqa: F401 - fixtures
    _fits,
    _log_in,
    browser,
    page,
    pytestmark,
    screenshots,
)
from safety.models import Flag, FlagStatus, Rule
from safety.services import trust_facts_set


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


# ---------------------------------------------------------------------------------------------
# The safety pages and the employer reviews, per role
# ---------------------------------------------------------------------------------------------
FLAGS = reverse("admin:safety_flag_changelist")
RULES = reverse("admin:safety_rule_changelist")
REVIEWS = reverse("admin:castings_employerreview_changelist")
TRUST_FACTS = reverse("admin:safety_trustfacts_changelist")


@pytest.fixture
def page_ru(browser, settings):
    """A 1440 px page whose browser asks for Russian (the back office's language)."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
    connections.close_all()


def _safety_world() -> tuple[Flag, Rule, EmployerReview]:
    """The admin world (an open automatic flag on a visible casting) and a model's review of
    that casting's employer."""
    world = build_admin_world().world
    flag = Flag.objects.get(status=FlagStatus.OPEN, target_id=world.a.casting.pk)
    rule = flag.rules.order_by("name").first()
    assert rule is not None and rule.is_active
    trust_facts_set(user_id=world.a.employer.pk, verified_company=True)
    review = EmployerReview.objects.create(
        employer=world.a.employer_profile,
        casting=world.a.casting,
        author=world.b.model,
        rating=1,
        comment="Asked for money before the shoot",
    )
    return flag, rule, review


def _change(model, obj) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])


def _open(page, url: str) -> int:
    answer = page.goto(url)
    assert answer is not None
    return answer.status


def test_moderator_decides_a_flag_switches_a_rule_off_and_removes_an_employer_review(
    page_ru, live_server, screenshots
):
    page = page_ru
    flag, rule, review = _safety_world()
    moderator = staff_user(MODERATORS)

    _log_in(page, live_server, moderator)
    for url in (FLAGS, RULES, REVIEWS):  # all three in the navigation
        assert page.locator(f"#nav-sidebar a[href='{url}'], a[href='{url}']").count() >= 1

    # The automatic half of the queue: the flag with its rule and the matched text.
    assert _open(page, f"{live_server.url}{FLAGS}") == 200
    page.screenshot(path=str(screenshots / "moderator-flags.png"), full_page=True)
    row = page.locator("#result_list tbody tr", has_text="t.me")
    assert row.count() == 1
    with translation.override("ru"):
        assert rule.label in row.inner_text()  # in Russian, the page's language
    assert _fits(page)
    assert _open(page, f"{live_server.url}{_change(Flag, flag)}") == 200
    assert page.locator(".field-marked_text mark").count() >= 1
    page.screenshot(path=str(screenshots / "moderator-flag.png"), full_page=True)
    # Decided on its own page, as a report is (the list's actions are the other way).
    assert page.locator("button[data-operation=reject][data-confirm]").count() == 1
    page.fill("#id_moderation_note", "Ordinary contact details")
    page.click("button[data-operation=approve]")
    page.wait_for_selector(".messagelist .success")
    page.screenshot(path=str(screenshots / "moderator-flag-approved.png"), full_page=True)

    flag.refresh_from_db()
    assert (flag.status, flag.decided_by) == (FlagStatus.APPROVED, moderator)
    entry = AuditLogEntry.objects.get(action=AuditAction.FLAG_APPROVE)
    assert (entry.actor, entry.target_id) == (moderator, str(flag.pk))
    assert entry.reason == "Ordinary contact details"
    # the only open flag: "then the next open flag" led back to the (now empty) queue
    assert page.url.endswith(FLAGS)

    # The rule set: switch a rule off from its change page.
    assert _open(page, f"{live_server.url}{RULES}") == 200
    page.screenshot(path=str(screenshots / "moderator-rules.png"), full_page=True)
    assert _fits(page)
    page.goto(f"{live_server.url}{_change(Rule, rule)}")
    page.screenshot(path=str(screenshots / "moderator-rule.png"), full_page=True)
    page.uncheck("#id_is_active")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    rule.refresh_from_db()
    assert not rule.is_active
    entry = AuditLogEntry.objects.get(action=AuditAction.OBJECT_CHANGE, target_id=str(rule.pk))
    assert entry.actor == moderator
    assert entry.changes["is_active"] == [True, False]

    # Employer reviews: remove one through its change page (the rating follows).
    assert _open(page, f"{live_server.url}{REVIEWS}") == 200
    assert page.locator("#result_list tbody tr").count() == 1
    assert "Asked for money before the shoot" in page.inner_text("#result_list")
    page.screenshot(path=str(screenshots / "moderator-reviews.png"), full_page=True)
    assert _fits(page)
    page.goto(f"{live_server.url}{_change(EmployerReview, review)}")
    page.click("a.deletelink")
    page.wait_for_selector("form input[type=submit]")
    page.screenshot(path=str(screenshots / "moderator-review-delete.png"), full_page=True)
    page.click("form input[type=submit]")
    page.wait_for_selector(".messagelist .success")

    assert not EmployerReview.objects.filter(pk=review.pk).exists()
    entry = AuditLogEntry.objects.get(action=AuditAction.OBJECT_DELETE, target_id=str(review.pk))
    assert entry.actor == moderator


def test_finance_is_refused_the_safety_pages_and_employer_reviews(
    page_ru, live_server, screenshots
):
    page = page_ru
    flag, rule, review = _safety_world()
    finance = staff_user(FINANCE)

    _log_in(page, live_server, finance)
    for url in (FLAGS, RULES, REVIEWS):
        assert page.locator(f"a[href='{url}']").count() == 0, url
    refused = [
        FLAGS,
        _change(Flag, flag),
        RULES,
        reverse("admin:safety_rule_add"),
        _change(Rule, rule),
        REVIEWS,
        _change(EmployerReview, review),
        reverse("admin:castings_employerreview_delete", args=[review.pk]),
    ]
    for url in refused:
        assert _open(page, f"{live_server.url}{url}") == 403, url
    page.screenshot(path=str(screenshots / "finance-refused.png"), full_page=True)

    flag.refresh_from_db()
    rule.refresh_from_db()
    assert flag.status == FlagStatus.OPEN and rule.is_active
    assert EmployerReview.objects.filter(pk=review.pk).exists()
    assert not AuditLogEntry.objects.exists()


def test_support_reads_the_safety_pages_and_employer_reviews_and_nothing_writes(
    page_ru, live_server, screenshots
):
    page = page_ru
    flag, rule, review = _safety_world()
    support = staff_user(SUPPORT)

    _log_in(page, live_server, support)
    lists = (("flags", FLAGS), ("rules", RULES), ("trust-facts", TRUST_FACTS), ("reviews", REVIEWS))
    for name, url in lists:
        assert _open(page, f"{live_server.url}{url}") == 200, url
        assert page.locator("#result_list tbody tr").count() >= 1, url
        assert page.locator("select[name=action]").count() == 0, url  # no approve/reject
        assert page.locator(".object-tools a.addlink").count() == 0, url
        page.screenshot(path=str(screenshots / f"support-{name}.png"), full_page=True)
        assert _fits(page), url
    for obj in (flag, rule, review):
        assert _open(page, f"{live_server.url}{_change(type(obj), obj)}") == 200
        writes = page.locator(
            "input[name=_save], input[name=_continue], a.deletelink, button[data-operation]"
        )
        assert writes.count() == 0, type(obj)
        if obj is rule:  # a built-in rule, read in Russian
            with translation.override("ru"):
                assert rule.label in page.inner_text("#content") and rule.label != rule.name
    page.screenshot(path=str(screenshots / "support-review.png"), full_page=True)
    # What the policy does not allow is refused, not merely hidden.
    assert _open(page, f"{live_server.url}{reverse('admin:safety_rule_add')}") == 403
    delete = reverse("admin:castings_employerreview_delete", args=[review.pk])
    assert _open(page, f"{live_server.url}{delete}") == 403

    flag.refresh_from_db()
    rule.refresh_from_db()
    assert flag.status == FlagStatus.OPEN and rule.is_active
    assert EmployerReview.objects.filter(pk=review.pk).exists()
    assert not AuditLogEntry.objects.exists()
