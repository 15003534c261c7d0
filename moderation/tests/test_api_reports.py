import uuid

import pytest
from django.urls import reverse

from moderation.models import Report, ReportStatus
from moderation.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

URL = reverse("moderation:reports")


def _body(target, target_type="user", **extra):
    return {"target_type": target_type, "target_id": str(target), "reason": "spam", **extra}


def test_report_user_created(make_user, auth_client):
    reporter, offender = make_user(), make_user(role="employer")

    response = auth_client(reporter).post(URL, _body(offender.id, comment="Asks for money"))

    assert response.status_code == 201
    report = response.json()["data"]["report"]
    assert response.json()["status"] == "success"
    assert set(report) == {
        "id",
        "target_type",
        "target_id",
        "reason",
        "comment",
        "status",
        "created_at",
    }
    assert report["target_id"] == str(offender.id)
    assert report["status"] == "open"
    assert report["comment"] == "Asks for money"
    assert report["created_at"].endswith("Z")
    stored = Report.objects.get(pk=report["id"])
    assert stored.reporter == reporter
    assert stored.target_user == offender


def test_second_open_report_on_same_target_is_409(make_user, auth_client):
    reporter, offender = make_user(), make_user()
    client = auth_client(reporter)
    assert client.post(URL, _body(offender.id)).status_code == 201

    response = client.post(URL, _body(offender.id, reason="abuse"))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "DUPLICATE_RESOURCE"
    assert Report.objects.filter(reporter=reporter).count() == 1


def test_new_report_allowed_once_previous_is_closed(make_user, auth_client):
    reporter, offender = make_user(), make_user()
    ReportFactory(reporter=reporter, target_user=offender, status=ReportStatus.DISMISSED)

    response = auth_client(reporter).post(URL, _body(offender.id))

    assert response.status_code == 201
    assert Report.objects.filter(reporter=reporter).count() == 2


def test_other_reporters_may_report_the_same_target(make_user, auth_client):
    offender = make_user()
    for _ in range(2):
        assert auth_client(make_user()).post(URL, _body(offender.id)).status_code == 201
    assert Report.objects.filter(target_id=offender.id, status="open").count() == 2


@pytest.mark.parametrize(
    "target_type", ["user", "model_profile", "employer_profile", "casting", "message", "photo"]
)
def test_unknown_target_is_404(make_user, auth_client, target_type):
    response = auth_client(make_user()).post(URL, _body(uuid.uuid4(), target_type))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert not Report.objects.exists()


def test_banned_user_cannot_be_reported(make_user, auth_client):
    banned = make_user(is_active=False)

    response = auth_client(make_user()).post(URL, _body(banned.id))

    assert response.status_code == 404


def test_reporting_yourself_is_400(make_user, auth_client):
    me = make_user()

    response = auth_client(me).post(URL, _body(me.id))

    assert response.status_code == 400
    assert "target_id" in response.json()["error"]["details"]


def test_validation_errors(make_user, auth_client):
    response = auth_client(make_user()).post(
        URL,
        {"target_type": "planet", "target_id": "nope", "reason": "boredom", "comment": "x" * 2001},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert set(response.json()["error"]["details"]) == {
        "target_type",
        "target_id",
        "reason",
        "comment",
    }


def test_requires_authentication(api_client, make_user):
    response = api_client.post(URL, _body(make_user().id), format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


def test_reports_are_rate_limited(make_user, auth_client, settings):
    settings.RATELIMIT_REPORT = "2/h"
    client = auth_client(make_user())
    targets = [make_user() for _ in range(3)]

    statuses = [client.post(URL, _body(t.id)).status_code for t in targets]

    assert statuses == [201, 201, 429]
    assert Report.objects.count() == 2


def test_report_each_kind_of_target(
    make_user,
    auth_client,
    make_model_profile,
    make_employer_profile,
    make_casting,
    make_message,
    make_photo,
):
    reporter = make_user()
    profile = make_model_profile()
    employer = make_employer_profile()
    casting = make_casting(owner=employer.user)
    message = make_message(sender=employer.user, other=reporter)
    photo = make_photo(profile=profile)
    expected = {
        "model_profile": (profile.id, profile.user_id),
        "employer_profile": (employer.id, employer.user_id),
        "casting": (casting.id, casting.owner_id),
        "message": (message.id, message.sender_id),
        "photo": (photo.id, profile.user_id),
    }
    client = auth_client(reporter)

    for target_type, (target_id, answerable) in expected.items():
        response = client.post(URL, _body(target_id, target_type))
        assert response.status_code == 201, (target_type, response.json())
        stored = Report.objects.get(pk=response.json()["data"]["report"]["id"])
        assert stored.target_user_id == answerable


def test_invisible_targets_are_404(
    make_user, auth_client, make_model_profile, make_casting, make_message, make_photo
):
    reporter = make_user()
    hidden_profile = make_model_profile(is_hidden=True)
    hidden_casting = make_casting(is_hidden=True)
    draft = make_casting(status="draft")
    foreign_message = make_message(sender=make_user(), other=make_user())
    photo_of_hidden = make_photo(profile=hidden_profile)
    client = auth_client(reporter)

    for target_type, target_id in [
        ("model_profile", hidden_profile.id),
        ("casting", hidden_casting.id),
        ("casting", draft.id),
        ("message", foreign_message.id),
        ("photo", photo_of_hidden.id),
    ]:
        response = client.post(URL, _body(target_id, target_type))
        assert response.status_code == 404, target_type

    assert not Report.objects.exists()
