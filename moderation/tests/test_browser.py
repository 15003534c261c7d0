"""The back office in a real browser: Playwright (sync API) driving Debian's Chromium.

`apt-get install chromium` provides /usr/bin/chromium; without it these tests skip. We never
run `playwright install`: no browser is downloaded.
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib

import pytest
import requests
from django.apps import apps
from django.db import connections
from django.utils import timezone

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
def screenshots(tmp_path):
    """Where screenshots go: MWORK_SCREENSHOT_DIR to keep them (e.g. `var/screenshots`),
    else the test's temporary directory."""
    kept = os.environ.get("MWORK_SCREENSHOT_DIR")
    folder = pathlib.Path(kept) if kept else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, settings):
    # The live server speaks plain HTTP; production cookies are Secure-only.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # 1440 px: the narrowest desktop the back office is laid out for.
    context = browser.new_context(viewport={"width": 1440, "height": 900})
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
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.click("button[data-operation=ban]")
    page.wait_for_selector(".messagelist .success")

    assert questions and "are you sure" in questions[0]
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


def test_dashboard_renders_its_charts(page, live_server, make_user, screenshots):
    root = make_user(role="admin", is_staff=True, is_superuser=True)
    for role in ("model", "employer", "agency", "model"):
        make_user(role=role)
    ReportFactory()
    Payment = apps.get_model("billing", "Payment")
    Plan = apps.get_model("billing", "Plan")
    for amount in (150_000, 5_000):
        Payment.objects.create(
            user=root,
            amount=amount,
            status="paid",
            paid_at=timezone.now(),
            purpose="subscription",
            plan=Plan.objects.get(name="BUSINESS"),
        )

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
    # No axis label sticks out of its chart (the revenue axis reads "200 000" whole).
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('#mwork-dashboard text.axis-label')]
            .filter(t => t.getBBox().x < 0).map(t => t.textContent)"""
    )
    assert clipped == []
    assert page.inner_text("[data-number=revenue] b") == "155\u00a0000"
    axis = page.locator("#chart-revenue text.axis-label").all_text_contents()
    assert [label.replace("\u00a0", " ") for label in axis] == ["0", "100 000", "200 000"]
    screenshot = screenshots / "dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000

    page.click("[data-number=revenue]")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 2
    page.screenshot(path=str(screenshots / "payments.png"), full_page=True)
    assert _fits(page)


def _fits(page) -> bool:
    """Neither the page nor a changelist's table needs horizontal scrolling."""
    return page.evaluate(
        """() => document.documentElement.scrollWidth <= window.innerWidth &&
        [...document.querySelectorAll('.results')].every(e => e.scrollWidth <= e.clientWidth)"""
    )


def test_moderator_works_three_reports_with_save_and_next(
    page,
    live_server,
    make_staff,
    make_user,
    make_casting,
    make_message,
    make_photo,
    screenshots,
):
    moderator = make_staff("Moderators")
    casting = make_casting(title="Too good to be true: 1 000 000 ₸ a day")
    sender, other = make_user(), make_user(role="employer")
    message = make_message(sender=sender, other=other, content="Send me your passport photo")
    photo = make_photo()
    now = timezone.now()
    reports = [
        ReportFactory(
            target_type=kind,
            target_id=obj.pk,
            target_user=owner,
            comment=comment,
            reason="fake",
            created_at=now - dt.timedelta(minutes=30 - index),
        )
        for index, (kind, obj, owner, comment) in enumerate(
            [
                ("casting", casting, casting.owner, "Fake casting, asks for money"),
                ("message", message, sender, "Asks for my passport"),
                ("photo", photo, photo.profile.user, "Not her photo"),
            ]
        )
    ]
    page.on("dialog", lambda dialog: dialog.accept())

    _log_in(page, live_server, moderator)
    page.goto(f"{live_server.url}/admin/moderation/report/")
    assert page.locator("#result_list tbody tr").count() == 3
    page.screenshot(path=str(screenshots / "queue.png"), full_page=True)
    assert _fits(page)

    page.click("#moderation-start")
    page.wait_for_selector("[data-evidence=casting]")
    assert "asks for money" in page.content()
    assert _fits(page)
    page.screenshot(path=str(screenshots / "decision-casting.png"), full_page=True)
    # Enter in the reason field adds a line; it never sends a decision.
    page.fill("#id_moderation_note", "Scam casting")
    page.press("#id_moderation_note", "Enter")
    assert Report.objects.get(pk=reports[0].pk).status == ReportStatus.OPEN
    page.click("button[data-operation=hide_casting]")

    page.wait_for_selector("[data-evidence=message]")
    assert "Send me your passport photo" in page.inner_text(".thread")
    page.screenshot(path=str(screenshots / "decision-message.png"), full_page=True)
    page.click("button[data-operation=delete_message]")

    page.wait_for_selector("[data-evidence=photo]")
    page.screenshot(path=str(screenshots / "decision-photo.png"), full_page=True)
    page.click("button[data-operation=dismiss]")

    page.wait_for_selector("#result_list, .paginator")
    assert page.url.startswith(f"{live_server.url}/admin/moderation/report/")
    assert not Report.objects.filter(status=ReportStatus.OPEN).exists()
    actions = set(AuditLogEntry.objects.filter(actor=moderator).values_list("action", flat=True))
    assert {"casting_hide", "message_delete", "report_dismiss"} <= actions
    assert AuditLogEntry.objects.get(action="casting_hide").reason.startswith("Scam casting")


def test_kazakh_speaking_moderator_switches_the_admin_to_kazakh(
    browser, live_server, make_staff, settings, screenshots
):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    moderator = make_staff("Moderators")
    ReportFactory(comment="Спам")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        _log_in(page, live_server, moderator)
        page.goto(f"{live_server.url}/admin/moderation/report/")
        assert page.get_attribute("html", "lang") == "ru"
        assert page.text_content("#moderation-start") == "Открыть следующую жалобу"

        with page.expect_navigation():
            page.select_option("#mwork-language-select", "kk")

        assert page.url.endswith("/admin/moderation/report/")
        assert page.get_attribute("html", "lang") == "kk"
        assert page.text_content("#moderation-start") == "Келесі шағымды ашу"
        assert "Уақыт: Asia/Almaty" in page.text_content("#mwork-time-zone")
        assert "Спам" in page.inner_text("#result_list")
        page.screenshot(path=str(screenshots / "queue-kk.png"), full_page=True)
        page.click("#moderation-start")
        page.wait_for_selector("#moderation-enforcement")
        assert page.text_content("#moderation-enforcement h2") == "Шешім"
        page.goto(f"{live_server.url}/admin/")
        assert "Бүгін" in page.inner_text("#mwork-dashboard")
    finally:
        context.close()
        connections.close_all()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/castings/casting/",
        "/admin/profiles/modelprofile/",
        "/admin/billing/payment/",
        "/admin/media/photo/",
        "/admin/accounts/user/",
        "/admin/moderation/auditlogentry/",
    ],
)
def test_wide_lists_fit_1440_px(
    path, page, live_server, make_user, make_casting, make_photo, make_model_profile, screenshots
):
    root = make_user(role="admin", is_staff=True, is_superuser=True)
    owner = make_user(role="employer", email="a.very.long.employer.address@example-agency.kz")
    make_casting(owner=owner, title="Lookbook for an autumn collection of outerwear, two days")
    profile = make_model_profile(name="Aigerim Nurlanovna Zhaksylykova", city="Ust-Kamenogorsk")
    make_photo(profile=profile)
    Payment = apps.get_model("billing", "Payment")
    Payment.objects.create(
        user=owner,
        amount=1_490_000,
        status="paid",
        paid_at=timezone.now(),
        purpose="subscription",
        plan=apps.get_model("billing", "Plan").objects.get(name="BUSINESS"),
        billing_period="yearly",
        recurring=True,
    )

    _log_in(page, live_server, root)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector("#changelist")
    name = path.strip("/").replace("/", "-")
    page.screenshot(path=str(screenshots / f"fit-{name}.png"), full_page=True)

    assert _fits(page)
