"""The catalogue's filters and orderings use their indexes (PostgreSQL's planner, EXPLAIN)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from mwork.db import count_queryset
from profiles.models import ModelProfile
from profiles.selectors import ModelFilters, model_profile_list
from profiles.tests.factories import ModelProfileFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL-only indexes and planner"
    ),
]


@pytest.fixture(scope="module")
def big_catalogue(django_db_setup, django_db_blocker):
    """A few thousand varied rows and fresh statistics, so the planner chooses as in production:
    built once for the module inside a transaction every test nests in, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        _fill_catalogue()
        yield
        transaction.set_rollback(True)


def _fill_catalogue() -> None:
    cities = ["Almaty", "Astana", "Shymkent", "Karaganda", "Aktobe", "Atyrau", "Pavlodar"]
    categories = [["fashion"], ["commercial"], ["editorial"], ["runway"], []]
    experience = ["beginner", "intermediate", "experienced", ""]
    users = User.objects.bulk_create(
        [User(email=f"bulk{i}@example.kz", role="model") for i in range(3000)]
    )
    ModelProfile.objects.bulk_create(
        [
            ModelProfile(
                user=user,
                name=f"Model {i} Surname{i}",
                bio=f"Bio number {i}",
                age=18 + i % 60,
                gender=["female", "male", "other"][i % 3],
                height=150 + i % 60,
                city=cities[i % len(cities)],
                categories=categories[i % len(categories)],
                experience=experience[i % len(experience)],
                created_at=timezone.now() - dt.timedelta(minutes=i),
                rating=(i % 50) / 10,
            )
            for i, user in enumerate(users)
        ]
    )
    ModelProfileFactory(name="Aisha Nurzhanova", age=24)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE profiles_modelprofile")
        cursor.execute("ANALYZE accounts_user")


def _plan(queryset) -> str:
    # Planner costs on a test-sized table still prefer a sequential scan for some filters;
    # switching it off asks "is there an index that serves this?", which is the question.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (ModelFilters(gender="female"), "profiles_mp_gender_age_idx"),
        (ModelFilters(min_age=20, max_age=21), "profiles_mp_age_idx"),
        (ModelFilters(min_height=205), "profiles_mp_height_"),  # either height index
        (ModelFilters(city="Almaty"), "profiles_mp_city_gen_time_idx"),
        (
            ModelFilters(city="Almaty", gender="female", min_age=20, max_age=25),
            "profiles_mp_city_gen_time_idx",
        ),
        (ModelFilters(category="fashion"), "profiles_mp_categories_gin"),
        (ModelFilters(experience="experienced"), "profiles_mp_experience_idx"),
        (ModelFilters(search="Aisha"), "profiles_mp_search_gin"),
        (ModelFilters(search="Nurzhanva"), "profiles_mp_name_trgm"),
    ],
)
def test_common_filters_use_their_index(big_catalogue, filters, index):
    # Without ORDER BY/LIMIT, as in the page's COUNT query: the filter alone picks the index.
    # (With LIMIT 20 the planner may instead walk the ordering index and filter on the way,
    # which is the right plan for unselective filters.)
    plan = _plan(model_profile_list(filters=filters).order_by())

    assert index in plan, plan


@pytest.mark.parametrize(
    ("ordering", "index"),
    [
        ("-rating", "profiles_mp_rating_idx"),
        ("-created_at", "profiles_mp_created_idx"),
        (None, "profiles_mp_created_idx"),
        ("height", "profiles_mp_height_idx"),
        ("-height", "profiles_mp_height_desc_idx"),
        ("age", "profiles_mp_age_idx"),
    ],
)
def test_orderings_walk_their_index(big_catalogue, ordering, index):
    plan = model_profile_list(filters=ModelFilters(ordering=ordering))[:20].explain()

    assert index in plan, plan
    assert "Seq Scan on profiles_modelprofile" not in plan, plan


# The page's own sort of the newest-first order (a subplan's sort of subscriptions may remain).
_PAGE_SORT = "Sort Key: profiles_modelprofile.created_at"


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (ModelFilters(), "profiles_mp_created_idx"),
        (ModelFilters(city="Almaty", gender="female"), "profiles_mp_city_gen_time_idx"),
    ],
)
def test_newest_first_pages_read_their_index_in_order(big_catalogue, filters, index):
    # The newest-first index ends with the list's tie-breaker (id), and the city index orders
    # a city and gender newest first: the page stops after its rows, with no sort of the matches.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    plan = _plan(model_profile_list(filters=filters)[:21])

    assert index in plan, plan
    assert _PAGE_SORT not in plan, plan
    assert "Seq Scan on profiles_modelprofile" not in plan, plan


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (ModelFilters(), "profiles_mp_"),
        (ModelFilters(gender="male", min_age=25, max_age=30), "profiles_mp_gender_age_idx"),
        (ModelFilters(min_height=175, max_height=180), "profiles_mp_height_"),  # either one
        (ModelFilters(experience="experienced"), "profiles_mp_experience_idx"),
        (ModelFilters(city="Almaty"), "profiles_mp_city_gen_time_idx"),
        (ModelFilters(city="Almaty", category="runway"), "profiles_mp_city_gen_time_idx"),
    ],
)
def test_capped_counts_can_read_their_index_alone(big_catalogue, filters, index):
    # Every column the count reads (the filters, `is_hidden`, `user_id` for the inactive
    # owners) is in the index, so the count can read the index alone: the planner offers an
    # index-only scan instead of a plain one whenever the index covers the query, and it reads
    # no table page for rows on all-visible pages (VACUUM, autovacuum). Bitmap scans, which
    # always read the table, are switched off to ask which index serves the count.
    with CaptureQueriesContext(connection) as captured:
        count_queryset(model_profile_list(filters=filters))[:1001].count()
    [count] = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {count['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Only Scan using " + index in plan, plan
