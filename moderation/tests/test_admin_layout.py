"""Back-office pages staff read at a glance: the photo grid, JSON shown readable, the chrome
every admin page carries (docs/BACK_OFFICE.md)."""

from __future__ import annotations

import pytest
from django.apps import apps

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client, make_user):
    client.force_login(make_user(role="admin", is_staff=True, is_superuser=True))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_photos_are_a_grid_of_selectable_thumbnails(
    client, make_staff, make_photo, make_model_profile
):
    profile = make_model_profile(name="Dana")
    photos = [make_photo(profile=profile, is_main=index == 0) for index in range(3)]
    client.force_login(make_staff("Moderators"))

    page = client.get("/admin/media/photo/").content.decode()

    assert 'id="result_list" class="photo-grid"' in page
    for photo in photos:
        assert f'<tr data-photo="{photo.pk}">' in page
        assert f'name="_selected_action" value="{photo.pk}" class="action-select"' in page
    assert 'id="action-toggle"' in page
    assert page.count("_thumb.jpg") >= 3 and "Dana" in page


def test_photo_grid_renders_for_every_staff_group(client, make_staff, make_photo):
    photo = make_photo()
    for group in ("Moderators", "Support"):
        client.force_login(make_staff(group))
        page = client.get("/admin/media/photo/").content.decode()
        assert 'class="photo-grid"' in page and f'data-photo="{photo.pk}"' in page


def test_admin_chrome_names_mwork_the_zone_and_offers_three_languages(root_client):
    page = root_client.get("/admin/").content.decode()

    assert '<div id="site-name"><a href="/admin/">MWork</a></div>' in page
    assert "Django administration" not in page
    assert "Times: Asia/Almaty" in page and "(UTC+0500)" in page
    assert 'action="/i18n/setlang/"' in page
    for code in ("ru", "kk", "en"):
        assert f'<option value="{code}"' in page


def test_admin_times_are_platform_local(root_client, make_user):
    import datetime as dt

    user = make_user(created_at=dt.datetime(2026, 1, 15, 20, 30, tzinfo=dt.UTC))

    page = root_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()

    assert "Jan. 16, 2026" in page and "1:30" in page  # 20:30 UTC is 01:30 next day in Almaty


def test_payment_callback_parameters_are_a_list_not_json(root_client, make_user):
    PaymentEvent = apps.get_model("billing", "PaymentEvent")
    event = PaymentEvent.objects.create(
        inv_id="17", method="POST", data={"OutSum": "5000.00", "InvId": "17"}
    )

    page = root_client.get(f"/admin/billing/paymentevent/{event.pk}/change/").content.decode()

    assert '<dl class="json-display"><dt>InvId</dt><dd>17</dd><dt>OutSum</dt>' in page
    assert "{&quot;" not in page


def test_notification_json_is_shown_readable_and_not_editable(root_client, make_user):
    Notification = apps.get_model("notifications", "Notification")
    fields = {f.name for f in Notification._meta.fields}
    values = {"user": make_user(), "title": "Hi", "data": {"casting_id": "abc"}}
    values.update({"type": "system"} if "type" in fields else {})
    notification = Notification.objects.create(**values)

    page = root_client.get(
        f"/admin/notifications/notification/{notification.pk}/change/"
    ).content.decode()

    assert "<dt>casting_id</dt><dd>abc</dd>" in page
    assert 'name="data"' not in page and 'name="push_devices"' not in page


def _related(page: str) -> list[str]:
    if 'class="mwork-related"' not in page:
        return []
    bar = page.split('class="mwork-related"')[1].split("</nav>")[0]
    return [chunk.split('"')[0].replace("&amp;", "&") for chunk in bar.split('href="')[1:]]


@pytest.fixture
def linked_world(make_user, make_model_profile, make_employer_profile, make_casting, make_photo):
    from moderation.tests.factories import ReportFactory

    model = make_user(plan="PRO")
    profile = make_model_profile(user=model)
    photo = make_photo(profile=profile)
    company = make_employer_profile()
    casting = make_casting(owner=company.user)
    Response = apps.get_model("castings", "Response")
    Response.objects.create(casting=casting, model_profile=profile, message="Hello")
    ReportFactory(target_user=model, target_id=model.pk)
    subscription = apps.get_model("billing", "Subscription").objects.get(user=model)
    payment = apps.get_model("billing", "Payment").objects.create(
        user=model, amount=5000, purpose="subscription", plan=subscription.plan
    )
    return {
        "accounts/user": model.pk,
        "profiles/modelprofile": profile.pk,
        "profiles/employerprofile": company.pk,
        "castings/casting": casting.pk,
        "billing/subscription": subscription.pk,
        "billing/payment": payment.pk,
        "media/photo": photo.pk,
    }


def test_related_links_lead_to_filtered_lists_that_open(root_client, linked_world):
    for page_path, pk in linked_world.items():
        page = root_client.get(f"/admin/{page_path}/{pk}/change/").content.decode()
        links = _related(page)
        assert links, page_path
        for url in links:
            response = root_client.get(url)
            # an unknown lookup would redirect to "?e=1"; every link answers its list or page
            assert response.status_code == 200, (page_path, url, response.status_code)


def test_user_page_links_to_everything_about_the_user(root_client, linked_world):
    user_id = linked_world["accounts/user"]
    links = _related(root_client.get(f"/admin/accounts/user/{user_id}/change/").content.decode())

    expected = [
        f"/admin/profiles/modelprofile/{linked_world['profiles/modelprofile']}/change/",
        f"/admin/castings/response/?model_profile={linked_world['profiles/modelprofile']}",
        f"/admin/billing/subscription/?user={user_id}",
        f"/admin/billing/payment/?user={user_id}",
        f"/admin/moderation/report/?target_user={user_id}&status=all",
        f"/admin/moderation/auditlogentry/?target_id={user_id}",
    ]
    for url in expected:
        assert url in links
    payments = root_client.get(f"/admin/billing/payment/?user={user_id}")
    assert len(payments.context["cl"].result_list) == 1


def test_related_links_follow_the_staff_policy(client, make_staff, linked_world):
    client.force_login(make_staff("Moderators"))
    user_id = linked_world["accounts/user"]

    links = _related(client.get(f"/admin/accounts/user/{user_id}/change/").content.decode())

    assert any("/admin/moderation/report/" in url for url in links)
    assert not any("/admin/billing/" in url for url in links)


def test_audit_entries_read_as_names_and_before_after(root_client, make_user, make_casting):
    from moderation import audit
    from moderation.models import AuditAction, AuditLogEntry

    actor = make_user(role="admin", is_staff=True, email="lead.moderator@mwork.kz")
    casting = make_casting(title="Night shoot in Medeu")
    Casting = type(casting)
    audit.audited_write(
        actor=actor,
        action=AuditAction.CASTING_CANCEL,
        obj=casting,
        write=lambda: Casting.objects.filter(pk=casting.pk).update(status="cancelled"),
        reason="Owner asked by phone",
    )
    entry = AuditLogEntry.objects.get()
    casting_id = casting.pk
    casting.delete()

    listing = root_client.get("/admin/moderation/auditlogentry/").content.decode()
    detail = root_client.get(f"/admin/moderation/auditlogentry/{entry.pk}/change/")

    assert f"/admin/castings/casting/{casting_id}/change/" in listing
    assert "Night shoot in Medeu" in listing  # the name survives the casting's deletion
    assert "Active → Cancelled" in listing  # choice labels, not stored values
    assert "lead.moderator@mwork.kz" in listing
    page = detail.content.decode()
    assert detail.status_code == 200
    assert '<table class="audit-changes">' in page
    assert "<td>Active</td><td>Cancelled</td>" in page
    assert "{&quot;" not in page and '{"' not in page


@pytest.mark.parametrize(
    "language,section",
    [("ru", "Блокировки входа в админку"), ("kk", "Әкімші панеліне кіру бұғаттары")],
)
def test_the_login_lockouts_section_is_named_in_the_admin_language(
    language, section, client, make_user
):
    client.force_login(make_user(role="admin", is_staff=True, is_superuser=True))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language

    page = client.get("/admin/").content.decode()

    assert f'title="{section}"' in page or f">{section}</a>" in page
    assert ">Axes<" not in page and ">AXES<" not in page
