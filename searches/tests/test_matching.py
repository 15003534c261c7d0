"""Matching new castings and profiles against saved searches, and delivering what matched
(docs/SEARCHES.md): exactly what the list would show, batched queries, instant alerts, digests."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Block
from castings.tests.factories import CastingFactory, ModelProfileFactory
from notifications.models import Notification
from searches import services, tasks
from searches.models import MatchWatermark, SavedSearch, SavedSearchMatch
from searches.services import saved_searches_match

pytestmark = pytest.mark.django_db

HOUR_AGO = timedelta(hours=1)


def _saved(user, kind="castings", filters=None, frequency="instant", **fields):
    """A search saved an hour ago (targets published since then match it)."""
    return SavedSearch.objects.create(
        user=user,
        kind=kind,
        name=fields.pop("name", "Search"),
        filters=filters or {},
        frequency=frequency,
        created_at=timezone.now() - HOUR_AGO,
        **fields,
    )


def _matched(search) -> set:
    rows = SavedSearchMatch.objects.filter(search=search).values_list(
        "casting_id", "model_profile_id"
    )
    return {casting_id or profile_id for casting_id, profile_id in rows}


# ------------------------------------------------------------------------------------------
# Property: a new casting matches exactly the searches whose list query returns it
# ------------------------------------------------------------------------------------------
WORDS = ("summer", "editorial", "runway", "кастинг")
castings_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "city": st.sampled_from(["Almaty", "Astana", "almaty "]),
            "category": st.sampled_from(["fashion", "commercial", "runway"]),
            "required_gender": st.sampled_from([None, "female", "male"]),
            "min_age": st.sampled_from([None, 18, 22]),
            "max_age": st.sampled_from([None, 24, 40]),
            "min_height": st.sampled_from([None, 165, 175]),
            "max_height": st.sampled_from([None, 180]),
            "required_experience": st.sampled_from([None, "beginner", "experienced"]),
            "pay_max": st.sampled_from([None, 40000, 100000]),
            "title": st.sampled_from(WORDS).map(lambda w: f"Casting {w} call"),
        }
    ),
    min_size=1,
    max_size=3,
)
filters_strategy = st.lists(
    st.dictionaries(
        keys=st.sampled_from(
            [
                "city",
                "category",
                "gender",
                "min_age",
                "max_age",
                "min_height",
                "max_height",
                "experience",
                "pay_min",
                "search",
            ]
        ),
        values=st.none(),
        max_size=4,
    ),
    min_size=1,
    max_size=4,
)
VALUES = {
    "city": ["almaty", "Astana"],
    "category": ["fashion", "runway"],
    "gender": ["female", "male"],
    "min_age": [20, 30],
    "max_age": [20, 30],
    "min_height": [170, 185],
    "max_height": [170, 185],
    "experience": ["beginner", "intermediate"],
    "pay_min": [50000],
    "search": ["summer", "EDITORIAL", "каст"],
}


def _concrete(keys: dict, draw_index: int) -> dict:
    return {key: VALUES[key][draw_index % len(VALUES[key])] for key in keys}


@hypothesis_settings(
    max_examples=6,
    derandomize=True,  # the same examples on every run (as the fuzz harness), no example database
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # no shrinking: a failure prints as is
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(castings=castings_strategy, filter_keys=filters_strategy, pick=st.integers(0, 5))
def test_a_new_casting_matches_exactly_what_the_list_returns(
    api_client, castings, filter_keys, pick
):
    with transaction.atomic():
        now = timezone.now()
        model = ModelProfileFactory().user
        MatchWatermark.objects.update_or_create(
            kind="castings", defaults={"scanned_until": now - timedelta(minutes=10)}
        )
        made = [
            CastingFactory(published_at=now - timedelta(minutes=2), pay_min=None, **fields)
            for fields in castings
        ]
        searches = [
            _saved(model, filters=_concrete(keys, pick + n)) for n, keys in enumerate(filter_keys)
        ]

        saved_searches_match(kind="castings", now=now)

        ours = {casting.id for casting in made}
        for search in searches:
            listed = api_client.get("/api/v1/castings", {**search.filters, "limit": 100})
            expected = {c["id"] for c in listed.json()["data"]["castings"]}
            assert {str(i) for i in _matched(search)} == {str(i) for i in ours} & expected, (
                search.filters
            )
        transaction.set_rollback(True)


# ------------------------------------------------------------------------------------------
# Batching
# ------------------------------------------------------------------------------------------
def _searches_and_castings(searches: int, published) -> None:
    model = ModelProfileFactory().user
    SavedSearch.objects.bulk_create(
        SavedSearch(
            user=model,
            kind="castings",
            name=f"s{n}",
            filters={"city": "Almaty", "min_age": 18 + n % 5},
            created_at=timezone.now() - HOUR_AGO,
        )
        for n in range(searches)
    )
    for _ in range(3):
        published(city="Almaty")


def test_the_query_count_does_not_grow_with_the_number_of_searches(
    scan_from, published, django_assert_max_num_queries
):
    with transaction.atomic():
        _searches_and_castings(2, published)
        with CaptureQueriesContext(connection) as few:
            assert saved_searches_match(kind="castings", now=scan_from) == 2 * 3
        transaction.set_rollback(True)
    _searches_and_castings(60, published)

    with django_assert_max_num_queries(len(few)):
        found = saved_searches_match(kind="castings", now=scan_from)

    assert found == 60 * 3
    assert len(few) <= 10


def test_searches_past_a_batch_are_matched_one_query_per_batch(scan_from, published):
    model = ModelProfileFactory().user
    searches = [_saved(model, filters={"city": "Almaty"}, name=f"s{n}") for n in range(7)]
    casting = published(city="Almaty")
    published(city="Astana")

    with CaptureQueriesContext(connection) as queries:
        saved_searches_match(kind="castings", now=scan_from, search_batch=3, target_batch=1)

    for search in searches:
        assert _matched(search) == {casting.id}
    # Targets one by one (two batches and an empty third); searches in three batches each.
    selects = [q["sql"] for q in queries if '"castings_casting"."id" IN' in q["sql"]]
    assert len(selects) == 2 * 3


# ------------------------------------------------------------------------------------------
# The watermark
# ------------------------------------------------------------------------------------------
def test_the_watermark_moves_and_nothing_is_matched_twice(scan_from, published, model_user):
    search = _saved(model_user, filters={"city": "Almaty"})
    first = published(city="Almaty")
    recent = CastingFactory(city="Almaty", published_at=scan_from - timedelta(seconds=10))
    old = CastingFactory(city="Almaty", published_at=scan_from - timedelta(minutes=30))

    saved_searches_match(kind="castings", now=scan_from)
    saved_searches_match(kind="castings", now=scan_from)
    assert _matched(search) == {first.id}  # `recent` is inside the lag, `old` before the mark

    saved_searches_match(kind="castings", now=scan_from + timedelta(minutes=2))

    assert _matched(search) == {first.id, recent.id}
    assert old.id not in _matched(search)
    assert SavedSearchMatch.objects.filter(search=search).count() == 2


def test_a_casting_older_than_the_search_does_not_match(scan_from, published, model_user):
    search = _saved(model_user)
    SavedSearch.objects.filter(id=search.id).update(created_at=timezone.now())
    published()

    saved_searches_match(kind="castings", now=scan_from)

    assert _matched(search) == set()


# ------------------------------------------------------------------------------------------
# Models searches: new and updated profiles, as the employer's catalogue shows them
# ------------------------------------------------------------------------------------------
def test_employers_searches_match_new_and_updated_profiles(scan_from, employer):
    search = _saved(employer, kind="models", filters={"city": "Astana", "min_height": 170})
    fits = ModelProfileFactory(city="Astana", height=180)
    moves = ModelProfileFactory(city="Almaty", height=180)
    blocked = ModelProfileFactory(city="Astana", height=180)
    Block.objects.create(blocker=blocked.user, blocked=employer)

    saved_searches_match(kind="models", now=scan_from + timedelta(minutes=2))
    assert _matched(search) == {fits.id}

    type(moves).objects.filter(id=moves.id).update(
        city="Astana", updated_at=scan_from + timedelta(minutes=3)
    )
    saved_searches_match(kind="models", now=scan_from + timedelta(minutes=5))

    assert _matched(search) == {fits.id, moves.id}


# ------------------------------------------------------------------------------------------
# Delivery
# ------------------------------------------------------------------------------------------
def test_instant_searches_notify_once_per_casting(scan_from, published, model_user):
    _saved(model_user, filters={"city": "Almaty"}, name="Almaty")
    _saved(model_user, filters={"category": "fashion"}, name="Fashion")
    daily = _saved(model_user, frequency="daily", name="Digest")
    casting = published(city="Almaty", category="fashion", title="Summer lookbook")

    services.saved_searches_match(kind="castings", now=scan_from)
    sent = services.saved_search_matches_deliver_instant()
    again = services.saved_search_matches_deliver_instant()

    assert (sent, again) == (1, 0)
    notification = Notification.objects.get(user=model_user, type="saved_search_match")
    assert notification.data["casting_id"] == str(casting.id)
    assert notification.data["casting_title"] == "Summer lookbook"
    assert "Summer lookbook" in notification.message
    assert SavedSearchMatch.objects.filter(search=daily, delivered_at__isnull=True).count() == 1


def test_the_beat_task_matches_and_alerts(scan_from, published, model_user, settings):
    settings.SAVED_SEARCH_MATCH_LAG_SECONDS = 0
    _saved(model_user, filters={"city": "Almaty"})
    published(city="Almaty")

    found = tasks.match_saved_searches.delay().get()

    assert found == 1
    assert Notification.objects.filter(user=model_user, type="saved_search_match").count() == 1


def test_daily_digest_is_one_email_when_due(scan_from, published, make_user, settings):
    settings.FRONTEND_URL = "https://mwork.test"
    settings.SAVED_SEARCH_DIGEST_ITEMS = 2
    model = ModelProfileFactory(user=make_user(role="model", language="en")).user
    due = timezone.now() - timedelta(minutes=1)
    daily = _saved(model, frequency="daily", name="Almaty daily", digest_due_at=due)
    weekly = _saved(model, frequency="weekly", name="Weekly", digest_due_at=due + timedelta(days=3))
    castings = [published(city="Almaty", title=f"Shoot number {n}") for n in range(3)]
    services.saved_searches_match(kind="castings", now=scan_from)

    sent = tasks.send_saved_search_digests.delay().get()
    again = tasks.send_saved_search_digests.delay().get()

    assert (sent, again) == (1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [model.email]
    assert "Almaty daily: 3 new matches" in message.body
    assert f"https://mwork.test/castings/{castings[2].id}" in message.body
    assert "…and 1 more" in message.body
    assert "Weekly" not in message.body
    daily.refresh_from_db()
    assert daily.digest_due_at > timezone.now() + timedelta(hours=23)
    assert not SavedSearchMatch.objects.filter(search=daily, delivered_at__isnull=True).exists()
    assert SavedSearchMatch.objects.filter(search=weekly, delivered_at__isnull=True).count() == 3
    assert not Notification.objects.filter(type="saved_search_match").exists()


def test_no_digest_email_when_email_is_switched_off(scan_from, published, model_user):
    from notifications.services import notification_preference_update

    notification_preference_update(user=model_user, email_enabled=False)
    search = _saved(model_user, frequency="weekly", digest_due_at=timezone.now())
    published()
    services.saved_searches_match(kind="castings", now=scan_from)

    tasks.send_saved_search_digests.delay().get()

    assert mail.outbox == []
    assert not SavedSearchMatch.objects.filter(search=search, delivered_at__isnull=True).exists()


def test_a_first_run_starts_at_the_oldest_search(published, model_user):
    from django.core.management import call_command

    search = _saved(model_user, filters={"city": "Almaty"})
    casting = published(city="Almaty")
    assert not MatchWatermark.objects.exists()

    call_command("match_saved_searches", lag=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert _matched(search) == {casting.id}
    assert Notification.objects.filter(user=model_user, type="saved_search_match").count() == 1
