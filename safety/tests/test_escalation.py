"""Reports escalate on their own: N distinct trusted reporters within 24 h hide the target
pending review and put it at the top of the queue; reporters whose reports are often dismissed
count less; closing reports feeds the trust facts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from castings.models import Casting
from castings.tests.factories import CastingFactory
from moderation import selectors, services
from moderation.models import Report
from moderation.tests.admin_world import staff_user
from safety.models import TrustFacts
from safety.services import trust_facts_count

pytestmark = pytest.mark.django_db

URL = reverse("moderation:reports")


@pytest.fixture(autouse=True)
def threshold(settings):
    settings.REPORT_ESCALATION_THRESHOLD = 3
    settings.REPORT_ESCALATION_WINDOW_HOURS = 24


def _reporter(*, trusted: bool = True):
    days = 30 if trusted else 1
    return UserFactory(created_at=timezone.now() - dt.timedelta(days=days))


def _report(auth_client, user, casting):
    body = {"target_type": "casting", "target_id": str(casting.id), "reason": "fake"}
    response = auth_client(user).post(URL, body, format="json")
    assert response.status_code == 201, response.content


def test_three_trusted_reporters_hide_the_casting_and_lead_the_queue(auth_client, client):
    older = CastingFactory()
    _report(auth_client, _reporter(), older)  # an ordinary report, filed first
    casting = CastingFactory()

    for _ in range(2):
        _report(auth_client, _reporter(), casting)
        assert not Casting.objects.get(id=casting.id).is_hidden
    _report(auth_client, _reporter(), casting)

    assert Casting.objects.get(id=casting.id).is_hidden
    escalated = Report.objects.filter(target_id=casting.id)
    assert escalated.count() == 3 and all(r.escalated_at for r in escalated)
    assert selectors.report_next_open().target_id == casting.id
    client.force_login(staff_user("Moderators"))
    page = client.get(
        reverse("admin:moderation_report_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert page.index(str(escalated[0].pk)) < page.index(
        str(Report.objects.get(target_id=older.id).pk)
    )
    assert "escalated" in page


def test_untrusted_and_often_dismissed_reporters_count_less(auth_client):
    casting = CastingFactory()
    noisy = _reporter()
    trust_facts_count(user_id=noisy.pk, dismissed_reports=4)  # weight 1/4

    for user in (_reporter(), _reporter(), noisy, _reporter(trusted=False)):
        _report(auth_client, user, casting)

    assert not Casting.objects.get(id=casting.id).is_hidden
    assert not Report.objects.filter(target_id=casting.id, escalated_at__isnull=False).exists()


def test_reports_older_than_the_window_do_not_count(auth_client):
    casting = CastingFactory()
    for _ in range(2):
        _report(auth_client, _reporter(), casting)
    Report.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))

    _report(auth_client, _reporter(), casting)

    assert not Casting.objects.get(id=casting.id).is_hidden


def test_closing_reports_feeds_the_trust_facts(make_user):
    moderator = staff_user("Moderators")
    reporter, offender = make_user(), make_user(role="employer")
    upheld = Report.objects.create(
        reporter=reporter,
        target_type="user",
        target_id=offender.id,
        target_user=offender,
        reason="fake",
    )
    services.report_resolve(actor=moderator, report=upheld)
    dismissed = Report.objects.create(
        reporter=reporter,
        target_type="user",
        target_id=offender.id,
        target_user=offender,
        reason="fake",
    )
    services.report_dismiss(actor=moderator, report=dismissed)

    assert TrustFacts.objects.get(user=offender).upheld_reports == 1
    assert TrustFacts.objects.get(user=reporter).dismissed_reports == 1
