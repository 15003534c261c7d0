"""Background work: new_casting fan-out, reminders 24 h before the shoot, completion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from castings import services, tasks
from castings.models import Casting, CastingStatus
from castings.tests.factories import CastingFactory, ModelProfileFactory, ResponseFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def new_casting_recipients(casting) -> set:
    return set(
        Notification.objects.filter(
            type="new_casting", data__casting_id=str(casting.id)
        ).values_list("user_id", flat=True)
    )


# ------------------------------------------------------------------------------------------
# new_casting
# ------------------------------------------------------------------------------------------
def test_posting_an_active_casting_notifies_matching_models(
    auth_client, employer, casting_body, django_capture_on_commit_callbacks
):
    fits = ModelProfileFactory(
        city="almaty", gender="female", age=25, height=175, experience="experienced"
    )
    ModelProfileFactory(
        city="Astana", gender="female", age=25, height=175, experience="experienced"
    )  # other city
    ModelProfileFactory(
        city="Almaty", gender="male", age=25, height=175, experience="experienced"
    )  # gender
    ModelProfileFactory(
        city="Almaty", gender="female", age=35, height=175, experience="experienced"
    )  # too old
    ModelProfileFactory(
        city="Almaty", gender="female", age=25, height=160, experience="experienced"
    )  # too short
    ModelProfileFactory(
        city="Almaty", gender="female", age=25, height=175, experience="beginner"
    )  # not experienced enough
    ModelProfileFactory(
        city="Almaty", gender="female", age=25, height=175, experience="experienced", is_hidden=True
    )  # hidden

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(employer).post(
            reverse("castings:casting-list"), casting_body, format="json"
        )

    casting = Casting.objects.get(id=response.json()["data"]["casting"]["id"])
    assert new_casting_recipients(casting) == {fits.user_id}
    notification = Notification.objects.get(user=fits.user, type="new_casting")
    assert notification.data == {
        "casting_id": str(casting.id),
        "casting_title": casting.title,
        "city": "Almaty",
    }


def test_a_draft_notifies_nobody_until_published(
    auth_client, employer, django_capture_on_commit_callbacks
):
    model = ModelProfileFactory()
    draft = CastingFactory(owner=employer, status=CastingStatus.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        auth_client(employer).patch(
            reverse("castings:casting-status", args=[draft.id]), {"status": "cancelled"}
        )
    assert new_casting_recipients(draft) == set()

    other = CastingFactory(owner=employer, status=CastingStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        auth_client(employer).patch(
            reverse("castings:casting-status", args=[other.id]), {"status": "active"}
        )
    assert new_casting_recipients(other) == {model.user_id}


def test_fan_out_runs_in_batches_and_only_once(monkeypatch):
    profiles = ModelProfileFactory.create_batch(5)
    casting = CastingFactory()
    monkeypatch.setattr(services, "NEW_CASTING_BATCH_SIZE", 2)
    batches = []
    original = tasks.notify_matching_models_batch.delay
    monkeypatch.setattr(
        tasks.notify_matching_models_batch,
        "delay",
        lambda casting_id, user_ids: batches.append(user_ids) or original(casting_id, user_ids),
    )

    queued = tasks.notify_matching_models(str(casting.id))

    assert queued == 3
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert new_casting_recipients(casting) == {profile.user_id for profile in profiles}
    assert tasks.notify_matching_models(str(casting.id)) == 0  # redelivered: nothing twice
    assert Notification.objects.filter(type="new_casting").count() == 5


def test_fan_out_skips_castings_that_are_no_longer_active():
    ModelProfileFactory()
    cancelled = CastingFactory(status=CastingStatus.CANCELLED)
    hidden = CastingFactory(is_hidden=True)

    assert tasks.notify_matching_models(str(cancelled.id)) == 0
    assert tasks.notify_matching_models(str(hidden.id)) == 0
    assert not Notification.objects.exists()


def test_a_fan_out_lost_at_publish_is_queued_again_by_the_beat_job():
    """The broker was down when these were published: no claim was ever made."""
    now = timezone.now()
    model = ModelProfileFactory()
    lost = CastingFactory(published_at=now - timedelta(minutes=20))
    just_published = CastingFactory(published_at=now - timedelta(minutes=1))  # task may be late
    stale = CastingFactory(published_at=now - timedelta(hours=30))  # no longer "new"
    announced = CastingFactory(
        published_at=now - timedelta(minutes=20), matching_notified_at=now - timedelta(minutes=19)
    )
    CastingFactory(published_at=now - timedelta(minutes=20), is_hidden=True)
    CastingFactory(published_at=now - timedelta(minutes=20), status=CastingStatus.CANCELLED)

    queued = tasks.announce_missed_castings()
    again = tasks.announce_missed_castings()

    assert (queued, again) == (1, 0)
    assert new_casting_recipients(lost) == {model.user_id}
    for casting in (just_published, stale, announced):
        assert new_casting_recipients(casting) == set()
    assert Notification.objects.filter(type="new_casting").count() == 1


# ------------------------------------------------------------------------------------------
# casting_reminder
# ------------------------------------------------------------------------------------------
def test_reminder_goes_to_accepted_models_once(django_capture_on_commit_callbacks):
    now = timezone.now()
    casting = CastingFactory(shoot_date=now + timedelta(hours=20))
    accepted = ResponseFactory(casting=casting, status="accepted")
    ResponseFactory(casting=casting, status="pending")
    ResponseFactory(casting=casting, status="rejected")
    far = CastingFactory(shoot_date=now + timedelta(hours=30))
    ResponseFactory(casting=far, status="accepted")

    with django_capture_on_commit_callbacks(execute=True):
        reminded = tasks.send_casting_reminders()
    with django_capture_on_commit_callbacks(execute=True):
        again = tasks.send_casting_reminders()

    assert (reminded, again) == (1, 0)
    reminders = Notification.objects.filter(type="casting_reminder")
    assert [n.user_id for n in reminders] == [accepted.model_profile.user_id]
    assert reminders[0].data["casting_id"] == str(casting.id)
    assert reminders[0].data["shoot_date"] == casting.shoot_date.strftime("%Y-%m-%dT%H:%M:%SZ")
    casting.refresh_from_db()
    far.refresh_from_db()
    assert casting.reminder_sent_at is not None and far.reminder_sent_at is None


# ------------------------------------------------------------------------------------------
# completion
# ------------------------------------------------------------------------------------------
def test_castings_past_shoot_plus_duration_are_completed():
    now = timezone.now()
    over = CastingFactory(shoot_date=now - timedelta(days=3), duration_days=2)
    running = CastingFactory(shoot_date=now - timedelta(days=1), duration_days=3)
    future = CastingFactory(shoot_date=now + timedelta(days=1))
    old_draft = CastingFactory(shoot_date=now - timedelta(days=10), status="draft")

    completed = tasks.complete_finished_castings()

    assert completed == 1
    statuses = {c.id: c.status for c in Casting.objects.all()}
    assert statuses == {
        over.id: "completed",
        running.id: "active",
        future.id: "active",
        old_draft.id: "draft",
    }


def test_moving_the_shoot_rearms_the_reminder(auth_client, employer):
    casting = CastingFactory(owner=employer, reminder_sent_at=timezone.now())
    new_date = timezone.now() + timedelta(days=5)

    auth_client(employer).put(
        reverse("castings:casting-detail", args=[casting.id]),
        {"shoot_date": new_date.strftime("%Y-%m-%dT%H:%M:%SZ")},
        format="json",
    )
    casting.refresh_from_db()
    assert casting.reminder_sent_at is None

    auth_client(employer).put(
        reverse("castings:casting-detail", args=[casting.id]), {"city": "Astana"}, format="json"
    )
    Casting.objects.filter(id=casting.id).update(reminder_sent_at=timezone.now())
    auth_client(employer).put(
        reverse("castings:casting-detail", args=[casting.id]), {"city": "Almaty"}, format="json"
    )
    casting.refresh_from_db()
    assert casting.reminder_sent_at is not None
