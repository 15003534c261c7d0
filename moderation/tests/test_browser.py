"""The back office in a real browser: Playwright (sync API) driving Debian's Chromium.

`apt-get install chromium` provides /usr/bin/chromium; without it these tests skip. We never
run `playwright install`: no browser is downloaded.
"""

from __future__ import annotations

import os

import pytest
import requests
from django.db import connections

from accounts.tests.factories import DEFAULT_PASSWORD
from conftest import access_token_for
from moderation.models import AuditLogEntry, Report, ReportStatus
from moderation.tests.factories import ReportFactory

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.slow,
]

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, settings):
    # The live server speaks plain HTTP; production cookies are Secure-only.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
    # Under Playwright's sync API the test's ORM calls get their own connection (a separate
    # context); close it, or it outlives the session and blocks dropping the test database.
    connections.close_all()


def _log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def _me(live_server, token):
    return requests.get(
        f"{live_server.url}/api/v1/auth/me",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_moderator_bans_reported_user_and_their_token_stops_working(
    page, live_server, make_staff, make_user
):
    moderator = make_staff("Moderators")
    offender = make_user(role="employer")
    token = access_token_for(offender)
    report = ReportFactory(target_user=offender, reason="abuse", comment="Insults models")
    assert _me(live_server, token).status_code == 200

    _log_in(page, live_server, moderator)
    page.click("a[href='/admin/moderation/report/']")
    page.wait_for_selector("#result_list")
    row = page.locator("#result_list tbody tr", has_text=offender.email)
    assert row.count() == 1
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "ban_reported_users")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")

    assert "1 report(s) handled" in page.inner_text(".messagelist")
    offender.refresh_from_db()
    assert not offender.is_active
    assert Report.objects.get(pk=report.pk).status == ReportStatus.RESOLVED
    entry = AuditLogEntry.objects.get(action="user_ban")
    assert entry.actor == moderator
    refused = _me(live_server, token)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "INVALID_TOKEN"


def test_moderator_one_click_ban_from_the_report_page(page, live_server, make_staff, make_user):
    moderator = make_staff("Moderators")
    offender = make_user()
    token = access_token_for(offender)
    report = ReportFactory(target_user=offender, comment="Fake agency")

    _log_in(page, live_server, moderator)
    page.goto(f"{live_server.url}/admin/moderation/report/{report.pk}/change/")
    assert "Fake agency" in page.content()
    page.fill("#id_moderation_note", "Confirmed fake agency")
    page.click("button[data-operation=ban]")
    page.wait_for_selector(".messagelist .success")

    assert "Ban the user: done." in page.inner_text(".messagelist"), page.inner_text(".messagelist")
    assert AuditLogEntry.objects.get(action="user_ban").reason == "Confirmed fake agency"
    assert _me(live_server, token).status_code == 401


def test_finance_cannot_open_the_ban_action(page, live_server, make_staff, make_user):
    finance = make_staff("Finance")
    offender = make_user()
    token = access_token_for(offender)
    report = ReportFactory(target_user=offender)

    _log_in(page, live_server, finance)
    assert page.locator("a[href='/admin/moderation/report/']").count() == 0
    queue = page.goto(f"{live_server.url}/admin/moderation/report/")
    detail = page.goto(f"{live_server.url}/admin/moderation/report/{report.pk}/change/")

    assert queue.status == 403
    assert detail.status == 403
    assert page.locator("button[data-operation=ban]").count() == 0
    offender.refresh_from_db()
    assert offender.is_active
    assert _me(live_server, token).status_code == 200
    assert not AuditLogEntry.objects.exists()


def test_dashboard_renders_its_charts(page, live_server, make_user, tmp_path):
    root = make_user(role="admin", is_staff=True, is_superuser=True)
    for role in ("model", "employer", "agency", "model"):
        make_user(role=role)
    ReportFactory()

    _log_in(page, live_server, root)
    page.wait_for_selector("#mwork-dashboard svg.mwork-chart")

    charts = page.locator("#mwork-dashboard svg.mwork-chart")
    assert charts.count() == 6
    keys = {charts.nth(i).get_attribute("data-chart") for i in range(charts.count())}
    assert keys == {"signups", "castings", "responses", "messages", "revenue", "reports"}
    assert page.locator("#chart-signups rect.bar").count() >= 1
    assert page.locator("#chart-reports rect.bar").count() == 1
    box = page.locator("#chart-signups").bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50
    assert page.inner_text("[data-number=open_reports] b") == "1"
    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
