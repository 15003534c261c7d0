"""Audition invitations: the casting's team invites an applicant, the model confirms or
declines, moving it asks again, a reminder goes out 24 h before, both sides list theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Organization, OrganizationMember
from castings import tasks
from castings.models import Audition
from castings.services import auditions_send_reminders
from castings.tests.factories import (
    CastingFactory,
    EmployerProfileFactory,
    ModelProfileFactory,
    ResponseFactory,
)
from castings.tests.test_api_castings import assert_error
from notifications.models import Notification

pytestmark = pytest.mark.django_db

AUDITIONS = reverse("castings:audition-list")


def create_url(response) -> str:
    return reverse("castings:response-auditions", args=[response.id])


def url(name: str, audition) -> str:
    return reverse(f"castings:audition-{name}", args=[audition.id])


def at(**delta) -> str:
    return (timezone.now() + timedelta(**delta)).replace(microsecond=0).isoformat()


@pytest.fixture
def response(employer):
    return ResponseFactory(casting=CastingFactory(owner=employer, title="Lookbook"))


@pytest.fixture
def model(response):
    return response.model_profile.user


def invite(client, response, **body):
    body = {"kind": "audition", "starts_at": at(days=3), "place": "Studio 5, Almaty", **body}
    return client.post(create_url(response), body, format="json")


@pytest.fixture
def audition(response, employer):
    from castings.services import audition_create

    return audition_create(
        actor=employer,
        response=response,
        kind="callback",
        starts_at=timezone.now() + timedelta(days=3),
        place="Studio 5",
    )


def test_team_invites_and_the_model_hears_and_lists_it(
    auth_client, employer, model, response, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = invite(auth_client(employer), response, message="Bring heels.")

    assert answer.status_code == 201, answer.content
    audition = answer.json()["data"]["audition"]
    assert audition["kind"] == "audition"
    assert audition["status"] == "pending"
    assert audition["place"] == "Studio 5, Almaty"
    assert audition["message"] == "Bring heels."
    assert audition["response_id"] == str(response.id)
    assert audition["casting"]["title"] == "Lookbook"
    assert audition["model"]["user_id"] == str(model.id)
    note = Notification.objects.get(user=model)
    assert note.type == "audition_invitation"
    assert note.data["audition_id"] == audition["id"]
    assert "Lookbook" in note.message
    mine = auth_client(model).get(AUDITIONS).json()["data"]["auditions"]
    theirs = auth_client(employer).get(AUDITIONS).json()["data"]["auditions"]
    assert [item["id"] for item in mine] == [audition["id"]] == [item["id"] for item in theirs]


def test_a_manager_invites_for_the_team(auth_client, employer, response):
    manager = EmployerProfileFactory().user
    OrganizationMember.objects.create(
        organization=Organization.objects.create(owner=employer), user=manager
    )

    answer = invite(auth_client(manager), response)

    assert answer.status_code == 201, answer.content
    assert len(auth_client(manager).get(AUDITIONS).json()["data"]["auditions"]) == 1


def test_confirm_then_decline_notify_the_owner(
    auth_client, employer, model, audition, django_capture_on_commit_callbacks
):
    client = auth_client(model)

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(url("confirm", audition))
        declined = client.post(url("decline", audition), {"reason": "Fell ill"}, format="json")

    assert confirmed.json()["data"]["audition"]["status"] == "confirmed"
    body = declined.json()["data"]["audition"]
    assert (body["status"], body["decline_reason"]) == ("declined", "Fell ill")
    answers = Notification.objects.filter(user=employer, type="audition_answered")
    assert sorted(note.data["status"] for note in answers) == ["confirmed", "declined"]
    assert_error(client.post(url("confirm", audition)), 422, "INVALID_STATE")


def test_moving_it_asks_again_and_notifies(
    auth_client, employer, model, audition, django_capture_on_commit_callbacks
):
    auth_client(model).post(url("confirm", audition))
    client = auth_client(employer)

    with django_capture_on_commit_callbacks(execute=True):
        quiet = client.patch(url("detail", audition), {"message": "Bring heels."}, format="json")
        moved = client.patch(url("detail", audition), {"starts_at": at(days=5)}, format="json")

    assert quiet.json()["data"]["audition"]["status"] == "confirmed"
    assert moved.status_code == 200, moved.content
    assert moved.json()["data"]["audition"]["status"] == "pending"
    assert list(Notification.objects.filter(user=model).values_list("type", flat=True)) == [
        "audition_rescheduled"
    ]


def test_reminder_24_hours_before_once_per_time(
    employer, model, audition, django_capture_on_commit_callbacks
):
    now = timezone.now()
    Audition.objects.filter(id=audition.id).update(starts_at=now + timedelta(hours=23))

    with django_capture_on_commit_callbacks(execute=True):
        first = auditions_send_reminders(now=now)
        again = auditions_send_reminders(now=now)

    assert (first, again) == (1, 0)
    assert Notification.objects.filter(user=model, type="audition_reminder").count() == 1
    # Moved within the window: reminded again, through the beat task itself.
    from castings.services import audition_update

    audition.refresh_from_db()
    audition_update(audition=audition, starts_at=now + timedelta(hours=20))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_casting_reminders()
    assert Notification.objects.filter(user=model, type="audition_reminder").count() == 2


def test_no_reminder_for_far_declined_or_cancelled(employer, model, audition):
    now = timezone.now()
    Audition.objects.filter(id=audition.id).update(starts_at=now + timedelta(hours=30))
    assert auditions_send_reminders(now=now) == 0
    for status in ("declined", "cancelled"):
        Audition.objects.filter(id=audition.id).update(
            starts_at=now + timedelta(hours=2), status=status
        )
        assert auditions_send_reminders(now=now) == 0


def test_cancel(auth_client, employer, model, audition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = auth_client(employer).post(url("cancel", audition))

    assert cancelled.json()["data"]["audition"]["status"] == "cancelled"
    assert Notification.objects.get(user=model).type == "audition_cancelled"
    assert_error(auth_client(model).post(url("confirm", audition)), 422, "INVALID_STATE")
    assert_error(auth_client(employer).post(url("cancel", audition)), 422, "INVALID_STATE")
    assert_error(
        auth_client(employer).patch(url("detail", audition), {"place": "x"}, format="json"),
        422,
        "INVALID_STATE",
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "party"}, {"kind"}),
        ({"starts_at": "2020-01-01T10:00:00Z"}, {"starts_at"}),
        ({"starts_at": "9999-12-31T23:59:59Z"}, {"starts_at"}),
        ({"place": ""}, {"place"}),
        ({"message": "x" * 2001}, {"message"}),
    ],
)
def test_validation(auth_client, employer, response, body, fields):
    error = assert_error(invite(auth_client(employer), response, **body), 400, "VALIDATION_ERROR")

    assert set(error["details"]) == fields
    assert not Audition.objects.exists()


@pytest.mark.parametrize("status", ["withdrawn", "rejected"])
def test_only_live_responses_are_invited(auth_client, employer, status):
    response = ResponseFactory(casting=CastingFactory(owner=employer), status=status)

    assert_error(invite(auth_client(employer), response), 422, "INVALID_STATE")
    assert not Audition.objects.exists()


def test_access_matrix(auth_client, api_client, employer, other_employer, model, audition):
    other_model = ModelProfileFactory().user
    before = list(Audition.objects.values())
    cases = [
        # (client, method, path, body, status, code)
        (api_client, "get", AUDITIONS, None, 401, "AUTH_REQUIRED"),
        (api_client, "post", url("confirm", audition), None, 401, "AUTH_REQUIRED"),
        (auth_client(model), "post", create_url(audition.response), {}, 403, "PERMISSION_DENIED"),
        (auth_client(model), "patch", url("detail", audition), {}, 403, "PERMISSION_DENIED"),
        (auth_client(model), "post", url("cancel", audition), None, 403, "PERMISSION_DENIED"),
        (auth_client(employer), "post", url("confirm", audition), None, 403, "PERMISSION_DENIED"),
        (auth_client(employer), "post", url("decline", audition), {}, 403, "PERMISSION_DENIED"),
        (auth_client(other_employer), "patch", url("detail", audition), {}, 404, "NOT_FOUND"),
        (auth_client(other_employer), "post", url("cancel", audition), None, 404, "NOT_FOUND"),
        (
            auth_client(other_employer),
            "post",
            create_url(audition.response),
            {"kind": "audition", "starts_at": at(days=2), "place": "x"},
            404,
            "NOT_FOUND",
        ),
        (auth_client(other_model), "post", url("confirm", audition), None, 404, "NOT_FOUND"),
        (auth_client(other_model), "post", url("decline", audition), {}, 404, "NOT_FOUND"),
    ]

    for client, method, path, body, status, code in cases:
        assert_error(getattr(client, method)(path, body, format="json"), status, code)

    assert list(Audition.objects.values()) == before
    assert auth_client(other_model).get(AUDITIONS).json()["data"]["auditions"] == []
    assert auth_client(other_employer).get(AUDITIONS).json()["data"]["auditions"] == []


@pytest.mark.parametrize("who", ["employer", "model"])
def test_list_has_a_fixed_query_count(auth_client, employer, who, django_assert_max_num_queries):
    from castings.services import audition_create

    casting = CastingFactory(owner=employer)
    model_user = ModelProfileFactory().user

    def add(count):
        for _ in range(count):
            response = ResponseFactory(casting=CastingFactory(owner=employer))
            if who == "model":
                response.model_profile = model_user.model_profile
                response.save()
            audition_create(
                actor=employer,
                response=response,
                kind="audition",
                starts_at=timezone.now() + timedelta(days=2),
                place="Studio",
            )

    assert casting
    viewer = employer if who == "employer" else model_user
    client = auth_client(viewer)
    add(2)
    client.get(AUDITIONS)
    with django_assert_max_num_queries(6):
        few = client.get(AUDITIONS)
    add(18)
    with django_assert_max_num_queries(6):
        many = client.get(AUDITIONS)

    assert len(few.json()["data"]["auditions"]) == 2
    assert len(many.json()["data"]["auditions"]) == 20
