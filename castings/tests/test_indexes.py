"""The public castings list's filters use their indexes (PostgreSQL's planner, EXPLAIN): each
page walks an index in its order, and each capped count reads an index alone (castings/models.py,
docs/PERFORMANCE.md "The public castings list's indexes")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, User
from castings.models import Casting, CastingStatus, casting_ends_at
from castings.selectors import CastingFilters, casting_list_public_cards

pytestmark = [
    # Committed and vacuumed: an index-only scan is chosen only where the visibility map says
    # the table's pages need no visit, and VACUUM cannot run inside a transaction.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL-only indexes and planner"
    ),
]

CITIES = ["Almaty", "Astana", "Shymkent", "Karaganda", "Aktobe", "Atyrau", "Pavlodar", "Semey"]
CATEGORIES = ["fashion", "commercial", "editorial", "runway"]
STATUSES = [CastingStatus.ACTIVE] * 6 + [CastingStatus.COMPLETED] * 3 + [CastingStatus.DRAFT]


def _fill() -> None:
    owners = User.objects.bulk_create(
        [User(email=f"owner{i}@example.kz", role=Role.EMPLOYER) for i in range(40)]
    )
    now = timezone.now()
    castings = []
    for i in range(6000):
        shoot = now + dt.timedelta(days=1 + i % 90)
        castings.append(
            Casting(
                owner=owners[i % len(owners)],
                title=f"Casting {i}",
                description=("Models for a runway show. " if i % 7 == 0 else "A shoot. ") * 30,
                category=CATEGORIES[i % len(CATEGORIES)],
                city=CITIES[(i // 3) % len(CITIES)],
                shoot_date=shoot,
                ends_at=casting_ends_at(shoot, 1),
                pay_min=None if i % 5 == 0 else 20_000 + i % 50 * 1000,
                pay_max=None if i % 5 == 0 else 70_000 + i % 80 * 1000,
                required_gender=[None, "female", "male"][i % 3],
                min_age=None if i % 4 == 0 else 18 + i % 10,
                max_age=None if i % 4 == 0 else 28 + i % 10,
                min_height=None if i % 6 == 0 else 160 + i % 15,
                max_height=None if i % 6 == 0 else 175 + i % 15,
                required_experience=[None, "beginner", "intermediate", "experienced"][i % 4],
                status=STATUSES[i % len(STATUSES)],
                is_hidden=i % 97 == 0,
                deleted_at=now if i % 89 == 0 else None,
                created_at=now - dt.timedelta(minutes=i),
            )
        )
    Casting.objects.bulk_create(castings)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) castings_casting")
        cursor.execute("VACUUM (ANALYZE) accounts_user")


def _plans(filters: CastingFilters) -> tuple[str, str]:
    """EXPLAIN of the SQL `GET /castings` sends for these filters: its page, its capped count."""
    listed = casting_list_public_cards(filters=filters)
    with CaptureQueriesContext(connection) as captured:
        listed.rows(0, 21)
        listed.count(1001)
    page, count = (query["sql"] for query in captured.captured_queries)
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in (page, count):
            if sql is count:
                # On a test-sized table reading the table costs the planner about as much as
                # reading an index, and it prefers the table for some filters; without that
                # choice the question is "does an index alone serve this count?".
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans[0], plans[1]


# (filters, the index the page walks, the index the count reads alone: None for the same one,
# a prefix when any of the list's indexes will do; a narrower one may serve a count).
CASES = [
    (CastingFilters(), "casting_public_created_idx", "casting_public_"),
    (CastingFilters(city="Almaty"), "casting_public_city_idx", "casting_public_city"),
    (CastingFilters(city="semey "), "casting_public_city_idx", "casting_public_city"),
    (CastingFilters(category="editorial"), "casting_public_category_idx", None),
    (CastingFilters(city="Karaganda", category="editorial"), "casting_public_city_cat_idx", None),
    (CastingFilters(gender="female"), "casting_public_created_idx", None),
    (CastingFilters(min_age=20, max_age=25), "casting_public_created_idx", None),
    (CastingFilters(min_height=170, max_height=180), "casting_public_created_idx", None),
    (CastingFilters(experience="beginner"), "casting_public_created_idx", None),
    (CastingFilters(pay_min=60_000), "casting_public_created_idx", "casting_public_"),
    (CastingFilters(status="completed"), "casting_public_created_idx", "casting_public_"),
    (CastingFilters(ordering="-pay_max"), "casting_public_pay_max_idx", "casting_public_"),
]


def test_pages_walk_an_index_and_counts_read_one_alone():
    _fill()
    missed = []
    for filters, page_index, count_index in CASES:
        page, count = _plans(filters)
        # The page reads its rows in the list's order and stops after limit + 1 (no sort of
        # every match); the capped count needs nothing but an index.
        walked = f"Index Scan using {page_index} on castings_casting"
        if walked not in page or "Seq Scan on castings_casting" in page:
            missed.append(f"page of {filters}:\n{page}")
        if f"Index Only Scan using {count_index or page_index}" not in count:
            missed.append(f"count of {filters}:\n{count}")

    assert not missed, "\n\n".join(missed)
