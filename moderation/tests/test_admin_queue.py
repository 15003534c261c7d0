"""The moderation queue and the decision page, as a moderator uses them (docs/BACK_OFFICE.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from moderation.models import AuditLogEntry, Report, ReportStatus
from moderation.tests.factories import ReportFactory
from safety.models import TargetKind

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/report/"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the assertions read the msgids


@pytest.fixture
def reports_of_every_kind(
    make_user, make_model_profile, make_employer_profile, make_casting, make_message, make_photo
):
    """One open report per target type, each answerable user a different one, oldest first."""
    model_profile = make_model_profile()
    employer_profile = make_employer_profile()
    casting = make_casting(owner=employer_profile.user)
    sender, other = make_user(), make_user(role="employer")
    message = make_message(sender=sender, other=other, content="Send me your passport photo")
    photo = make_photo(profile=make_model_profile())
    offender = make_user()
    targets = [
        (TargetKind.USER, offender, offender),
        (TargetKind.MODEL_PROFILE, model_profile, model_profile.user),
        (TargetKind.EMPLOYER_PROFILE, employer_profile, employer_profile.user),
        (TargetKind.CASTING, casting, casting.owner),
        (TargetKind.MESSAGE, message, sender),
        (TargetKind.PHOTO, photo, photo.profile.user),
    ]
    now = timezone.now()
    reports = {}
    for age, (kind, obj, owner) in enumerate(reversed(targets)):
        reports[kind] = ReportFactory(
            target_type=kind,
            target_id=obj.pk,
            target_user=owner,
            comment=f"comment on the {kind}",
            created_at=now - dt.timedelta(hours=age + 1),
        )
    return reports


def _rows(page: str) -> list[str]:
    return page.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]


def test_queue_opens_on_open_reports_oldest_first(client, make_staff, reports_of_every_kind):
    closed = ReportFactory(status=ReportStatus.DISMISSED, comment="already handled")
    client.force_login(make_staff("Moderators"))

    response = client.get(QUEUE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "already handled" not in page
    rows = _rows(page)
    assert len(rows) == 6
    # oldest waiting first: the fixture made the user report the oldest, the photo the newest
    assert "comment on the user" in rows[0] and "comment on the photo" in rows[-1]
    everything = client.get(QUEUE, {"status": "all"}).content.decode()
    assert "already handled" in everything and closed.comment in everything


def test_queue_columns_count_reports_per_target_and_per_owner(client, make_staff, make_user):
    offender = make_user()
    for _ in range(3):
        ReportFactory(target_user=offender, target_id=offender.pk)
    ReportFactory(target_user=offender, target_type=TargetKind.CASTING)  # another object
    lone = ReportFactory(comment="a lone report")
    client.force_login(make_staff("Moderators"))

    page = client.get(QUEUE).content.decode()

    rows = _rows(page)
    offender_rows = [row for row in rows if offender.email in row]
    assert len(offender_rows) == 4
    assert sum('data-count="on-target">3<' in row for row in offender_rows) == 3
    assert all('data-count="against-owner">4<' in row for row in offender_rows)
    lone_row = next(row for row in rows if "a lone report" in row)
    assert 'data-count="on-target">1<' in lone_row
    assert lone.reporter.email in lone_row

    link = page.split('id="moderation-sort-most-reported"')[0].rsplit('href="', 1)[1]
    most_reported = client.get(QUEUE + link.split('"')[0].replace("&amp;", "&")).content.decode()
    assert offender.email in _rows(most_reported)[0]
    linked = client.get(QUEUE, {"target_user__id__exact": offender.pk, "status": "all"})
    assert linked.status_code == 200 and len(_rows(linked.content.decode())) == 4


def test_queue_query_count_does_not_grow_with_the_page(
    client, make_staff, reports_of_every_kind, django_assert_max_num_queries, make_user
):
    client.force_login(make_staff("Moderators"))
    client.get(QUEUE)  # warm the session and the content types

    with django_assert_max_num_queries(16) as six:
        assert client.get(QUEUE).status_code == 200
    for _ in range(20):
        offender = make_user()
        ReportFactory(target_user=offender, target_id=offender.pk)
    with django_assert_max_num_queries(len(six.captured_queries)):
        assert client.get(QUEUE).status_code == 200


@pytest.mark.parametrize("kind", [choice.value for choice in TargetKind])
def test_decision_page_shows_the_evidence_of_every_kind(
    kind, client, make_staff, reports_of_every_kind
):
    report = reports_of_every_kind[kind]
    client.force_login(make_staff("Moderators"))

    response = client.get(f"{QUEUE}{report.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-evidence="{kind}"' in page
    assert "no longer exists" not in page
    assert f"comment on the {kind}" in page
    assert 'id="id_moderation_note"' in page and "<textarea" in page
    assert 'name="_next"' in page


def test_queue_and_previews_render_for_every_kind(client, make_staff, reports_of_every_kind):
    client.force_login(make_staff("Support"))
    for kind in TargetKind.values:
        response = client.get(QUEUE, {"target_type__exact": kind})
        assert response.status_code == 200, kind
        assert f"comment on the {kind}" in response.content.decode()


def test_message_evidence_shows_five_messages_either_side(
    client, make_staff, make_user, make_message
):
    Message = apps.get_model("chat.Message")
    sender, other = make_user(), make_user(role="employer")
    first = make_message(sender=sender, other=other, content="message 0")
    start = timezone.now() - dt.timedelta(hours=1)
    Message.objects.filter(pk=first.pk).update(created_at=start)
    thread = [first]
    for index in range(1, 13):
        thread.append(
            Message.objects.create(
                room=first.room,
                sender=sender if index % 2 else other,
                content=f"message {index}",
                created_at=start + dt.timedelta(minutes=index),
            )
        )
    reported = thread[6]
    report = ReportFactory(
        target_type=TargetKind.MESSAGE, target_id=reported.pk, target_user=reported.sender
    )
    client.force_login(make_staff("Moderators"))

    page = client.get(f"{QUEUE}{report.pk}/change/").content.decode()

    shown = [m for m in thread if f'data-message="{m.pk}"' in page]
    assert [m.content for m in shown] == [f"message {i}" for i in range(1, 12)]
    thread_html = page.split('class="thread"')[1]
    assert (
        thread_html.index("message 5")
        < thread_html.index("message 6")
        < thread_html.index("message 7")
    )


def test_decision_page_of_a_deleted_target(client, make_staff, make_casting):
    casting = make_casting()
    report = ReportFactory(
        target_type=TargetKind.CASTING, target_id=casting.pk, target_user=casting.owner
    )
    casting.delete()
    client.force_login(make_staff("Moderators"))

    queue = client.get(QUEUE)
    page = client.get(f"{QUEUE}{report.pk}/change/")

    assert queue.status_code == 200 and "(deleted)" in queue.content.decode()
    assert page.status_code == 200
    assert "no longer exists" in page.content.decode()
    assert 'data-operation="hide_casting"' not in page.content.decode()


def test_enforcement_buttons_ask_first_and_ban_is_not_the_default(
    client, make_staff, reports_of_every_kind
):
    report = reports_of_every_kind[TargetKind.MESSAGE]
    client.force_login(make_staff("Moderators"))

    page = client.get(f"{QUEUE}{report.pk}/change/").content.decode()

    for operation in ("ban", "delete_message"):
        button = page.split(f'data-operation="{operation}"')[1].split(">")[0]
        assert "data-confirm=" in button
    resolve = page.split('data-operation="resolve"')[1].split(">")[0]
    assert "data-confirm" not in resolve
    assert "default" not in page.split('id="moderation-enforcement"')[1].split("</fieldset>")[0]


def test_save_and_next_walks_the_queue_oldest_first(client, make_staff, reports_of_every_kind):
    moderator = make_staff("Moderators")
    client.force_login(moderator)
    order = sorted(reports_of_every_kind.values(), key=lambda report: report.created_at)

    start = client.get(f"{QUEUE}next/")
    assert start.url == f"{QUEUE}{order[0].pk}/change/"
    current = order[0]
    for expected_next in order[1:3]:
        response = client.post(
            f"{QUEUE}{current.pk}/enforce/", {"operation": "dismiss", "_next": "1", "note": "ok"}
        )
        assert response.status_code == 302
        assert response.url == f"{QUEUE}{expected_next.pk}/change/"
        current = expected_next
    without_next = client.post(f"{QUEUE}{current.pk}/enforce/", {"operation": "resolve"})
    assert without_next.url == f"{QUEUE}{current.pk}/change/"

    assert Report.objects.filter(status=ReportStatus.OPEN).count() == 3
    assert AuditLogEntry.objects.filter(actor=moderator).count() == 3


def test_next_with_an_empty_queue_returns_to_the_list(client, make_staff):
    client.force_login(make_staff("Moderators"))

    response = client.get(f"{QUEUE}next/")

    assert response.url == QUEUE


def test_next_is_refused_to_staff_without_the_queue(client, make_staff):
    client.force_login(make_staff("Finance"))

    assert client.get(f"{QUEUE}next/").status_code == 403
