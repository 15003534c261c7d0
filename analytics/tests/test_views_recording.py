"""Views are recorded once per viewer, object and Almaty day; owners' views are ignored; neither
Redis nor the database failing while recording ever breaks the detail page.

Every behaviour runs twice: buffered (the production path with Redis: the request appends to a
Redis list, `views_flush` stores it) and synchronous (the embedded default without Redis).
"""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Organization, OrganizationMember
from analytics import services
from analytics.models import CastingView, ProfileView
from analytics.services import (
    BUFFER_KEY,
    MAX_ATTEMPTS,
    view_record_casting,
    view_record_profile,
    views_flush,
)
from castings.tests.factories import CastingFactory, EmployerProfileFactory, ModelProfileFactory

pytestmark = pytest.mark.django_db

needs_redis = pytest.mark.skipif(not django_settings.REDIS_URL, reason="the buffer lives in Redis")


@pytest.fixture(params=["buffered", "synchronous"])
def recording(request, settings) -> str:
    if request.param == "buffered":
        if not settings.REDIS_URL:
            pytest.skip("the buffer lives in Redis")
        settings.ANALYTICS_VIEWS_BUFFERED = True
    else:
        settings.ANALYTICS_VIEWS_BUFFERED = False
    return request.param


@pytest.fixture
def buffered(settings) -> None:
    if not settings.REDIS_URL:
        pytest.skip("the buffer lives in Redis")
    settings.ANALYTICS_VIEWS_BUFFERED = True


def buffer() -> list[list]:
    return [json.loads(raw) for raw in services._redis().lrange(BUFFER_KEY, 0, -1)]


def stored(model):
    """The stored views of `model`, after storing what the buffer holds (no-op when off)."""
    views_flush()
    return model.objects


def profile_url(profile) -> str:
    return reverse("profiles:model-detail", args=[profile.id])


def casting_url(casting) -> str:
    return reverse("castings:casting-detail", args=[casting.id])


def _refuse_inserts() -> None:
    """A real database failure (a trigger refusing the insert), not a patched function."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION analytics_refuse() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'views are down'; END $$ LANGUAGE plpgsql"
        )
        for table in ("analytics_profileview", "analytics_castingview"):
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION analytics_refuse()"
            )


def _accept_inserts() -> None:
    with connection.cursor() as cursor:
        for table in ("analytics_profileview", "analytics_castingview"):
            cursor.execute(f"DROP TRIGGER refuse ON {table}")


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="uses a PostgreSQL trigger"
)


# --- behaviour, in both modes ------------------------------------------------------------------
def test_anonymous_views_are_deduplicated_per_address_and_day(api_client, recording):
    profile = ModelProfileFactory()

    with time_machine.travel(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(3):
            assert api_client.get(profile_url(profile), REMOTE_ADDR="10.0.0.1").status_code == 200
        api_client.get(profile_url(profile), REMOTE_ADDR="10.0.0.2")
    # 20:00 UTC is already the next day in Almaty (UTC+5).
    with time_machine.travel(dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC), tick=False):
        api_client.get(profile_url(profile), REMOTE_ADDR="10.0.0.1")

    views = stored(ProfileView)
    rows = list(views.order_by("day", "viewer_key").values_list("day", "viewer_id"))
    assert [day for day, _ in rows] == [dt.date(2026, 3, 1)] * 2 + [dt.date(2026, 3, 2)]
    assert all(viewer is None for _, viewer in rows)
    keys = set(ProfileView.objects.values_list("viewer_key", flat=True))
    assert len(keys) == 3 and all(key.startswith("a:") for key in keys)
    assert not any("10.0.0" in key for key in keys)  # only a salted hash is stored


def test_signed_in_views_are_deduplicated_per_user(auth_client, recording):
    profile = ModelProfileFactory()
    viewer = EmployerProfileFactory().user
    client = auth_client(viewer)

    for address in ("10.0.0.1", "10.0.0.2"):
        client.get(profile_url(profile), REMOTE_ADDR=address)

    view = stored(ProfileView).get()
    assert view.viewer_id == viewer.id and view.viewer_key == f"u:{viewer.id}"


def test_owners_do_not_count(auth_client, recording):
    profile = ModelProfileFactory()
    casting = CastingFactory()

    auth_client(profile.user).get(profile_url(profile))
    auth_client(casting.owner).get(casting_url(casting))

    assert not stored(ProfileView).exists()
    assert not CastingView.objects.exists()


def test_casting_views_are_counted_but_not_the_organization_managers(
    auth_client, api_client, recording
):
    casting = CastingFactory()
    manager = EmployerProfileFactory().user
    OrganizationMember.objects.create(
        organization=Organization.objects.create(owner=casting.owner), user=manager
    )
    other_employer = EmployerProfileFactory().user
    model = ModelProfileFactory().user

    auth_client(manager).get(casting_url(casting))
    auth_client(other_employer).get(casting_url(casting))
    auth_client(model).get(casting_url(casting))
    auth_client(model).get(casting_url(casting))
    api_client.get(casting_url(casting))

    views = stored(CastingView)
    assert views.count() == 3
    assert set(views.values_list("viewer_id", flat=True)) == {other_employer.id, model.id, None}


def test_invisible_objects_record_nothing(api_client, recording):
    hidden = ModelProfileFactory(is_hidden=True)
    draft = CastingFactory(status="draft")

    assert api_client.get(profile_url(hidden)).status_code == 404
    assert api_client.get(casting_url(draft)).status_code == 404

    assert not stored(ProfileView).exists() and not CastingView.objects.exists()


@postgres_only
def test_a_database_error_while_recording_does_not_break_the_page(api_client, recording):
    profile = ModelProfileFactory()
    casting = CastingFactory()
    _refuse_inserts()

    profile_page = api_client.get(profile_url(profile))
    casting_page = api_client.get(casting_url(casting))

    assert profile_page.status_code == 200
    assert profile_page.json()["data"]["model"]["id"] == str(profile.id)
    assert casting_page.status_code == 200
    assert views_flush() == 0  # the failed flush raises nothing either
    assert not ProfileView.objects.exists()


# --- the buffer ----------------------------------------------------------------------------------
@needs_redis
def test_a_buffered_view_costs_no_sql_and_keeps_no_address(buffered, make_user):
    profile = ModelProfileFactory()
    casting = CastingFactory()
    employer = make_user(role="employer")  # its organization check waits for the flush

    with CaptureQueriesContext(connection) as captured:
        view_record_profile(profile=profile, viewer=None, address="10.1.2.3")
        view_record_casting(casting=casting, viewer=employer, address="10.1.2.3")

    assert len(captured) == 0
    records = buffer()
    assert [record[0] for record in records] == ["p", "c"]
    assert records[0][1:3] == [str(profile.id), None]
    assert records[1][1:4] == [str(casting.id), str(employer.id), f"u:{employer.id}"]
    assert "10.1.2.3" not in json.dumps(records)
    assert not ProfileView.objects.exists() and not CastingView.objects.exists()

    assert views_flush() == 2
    assert buffer() == []
    assert ProfileView.objects.get().profile_id == profile.id
    assert CastingView.objects.get().viewer_id == employer.id


@needs_redis
def test_views_of_deleted_objects_and_viewers_do_not_sink_the_batch(buffered, make_user):
    gone_profile, kept_profile = ModelProfileFactory(), ModelProfileFactory()
    gone_viewer = make_user(role="model")
    for profile in (gone_profile, kept_profile):
        view_record_profile(profile=profile, viewer=gone_viewer, address="10.0.0.1")
    services._redis().rpush(BUFFER_KEY, "not a record")
    gone_viewer_key = f"u:{gone_viewer.pk}"
    gone_profile.user.delete()
    gone_viewer.delete()

    assert views_flush() == 2

    view = ProfileView.objects.get()
    assert view.profile_id == kept_profile.id
    assert view.viewer_id is None and view.viewer_key == gone_viewer_key
    assert buffer() == []


@needs_redis
@postgres_only
def test_a_batch_the_database_refuses_is_retried_then_dropped(buffered, api_client, caplog):
    first, second = ModelProfileFactory(), ModelProfileFactory()
    api_client.get(profile_url(first))
    _refuse_inserts()

    assert views_flush() == 0
    assert [record[-1] for record in buffer()] == [1]  # pushed back, one attempt spent
    _accept_inserts()
    assert views_flush() == 1
    assert ProfileView.objects.get().profile_id == first.id

    _refuse_inserts()
    api_client.get(profile_url(second))
    for _ in range(MAX_ATTEMPTS):
        views_flush()

    assert buffer() == []  # not retried forever
    assert "Dropped 1 buffered views" in caplog.text
    assert ProfileView.objects.count() == 1


@needs_redis
def test_without_a_reachable_redis_views_are_recorded_synchronously(buffered, settings):
    profile = ModelProfileFactory()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }

    view_record_profile(profile=profile, viewer=None, address="10.0.0.1")

    assert ProfileView.objects.get().profile_id == profile.id
    assert views_flush() == 0  # raises nothing either


def test_without_redis_nothing_is_buffered(settings, api_client):
    settings.ANALYTICS_VIEWS_BUFFERED = False
    profile = ModelProfileFactory()

    api_client.get(profile_url(profile))

    assert ProfileView.objects.get().profile_id == profile.id
    assert views_flush() == 0


@needs_redis
def test_the_beat_task_flushes_the_buffer(buffered):
    from analytics.tasks import flush_views

    profile = ModelProfileFactory()
    view_record_profile(profile=profile, viewer=None, address="10.0.0.1")

    assert flush_views.delay().get() == 1
    assert ProfileView.objects.get().profile_id == profile.id


def test_the_flush_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["analytics-flush-views"]

    assert entry["task"] == "analytics.tasks.flush_views"
    assert 0 < entry["schedule"] <= 60


# --- concurrent drains (real threads, real connections) -----------------------------------------
def _run_side_by_side(target, count: int = 2) -> list[int]:
    results: list[int] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        try:
            barrier.wait()
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _buffer_views(profile, count: int) -> None:
    for index in range(count):
        view_record_profile(profile=profile, viewer=None, address=f"10.2.{index // 250}.{index}")


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_neither_lose_nor_double_a_view(buffered):
    """Bypasses the lock: the atomic `LPOP key count` alone keeps the batches disjoint."""
    profile = ModelProfileFactory()
    _buffer_views(profile, 2400)  # several batches each

    drained = _run_side_by_side(
        lambda: services._drain(services._redis(), max_batches=None), count=3
    )

    assert sum(drained) == 2400
    assert ProfileView.objects.filter(profile=profile).count() == 2400
    assert buffer() == []


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_flushes_take_turns_and_a_waiting_one_sees_the_other_commit(buffered):
    profile = ModelProfileFactory()
    _buffer_views(profile, 1200)

    drained = _run_side_by_side(lambda: views_flush(wait_seconds=30))

    assert sorted(drained) == [0, 1200]  # the second waited for the first, then found nothing
    assert ProfileView.objects.filter(profile=profile).count() == 1200
    assert buffer() == []
