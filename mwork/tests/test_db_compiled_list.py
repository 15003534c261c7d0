"""`mwork.db.compiled_list`: a list compiled once per set of present filters, strings, integers
and ids bound per call, the ORM's own SQL, rows and capped count."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from mwork.db import FrozenValueError, compiled_list, count_queryset
from profiles.models import ModelProfile
from profiles.tests.factories import ModelProfileFactory

pytestmark = pytest.mark.django_db

built: list[tuple] = []


def _profiles(
    gender: str | None,
    *,
    city: str | None,
    min_age: int | None,
    max_age: int | None,
    not_user: uuid.UUID | None,
):
    built.append((gender, city is not None, min_age is not None, max_age is not None))
    queryset = ModelProfile.objects.all()
    if gender is not None:
        queryset = queryset.filter(gender=gender)
    if city is not None:
        queryset = queryset.filter(city__iexact=city.strip())
    if min_age is not None:
        queryset = queryset.filter(age__gte=min_age)  # a smallint column
    if max_age is not None:
        queryset = queryset.filter(age__lte=max_age)
    if not_user is not None:
        queryset = queryset.filter(~Q(user_id=not_user))
    return queryset.order_by("age", "id").values("id", "name", "age", "created_at")


_compiled_profiles = compiled_list(_profiles)


@pytest.fixture
def profiles():
    return [
        ModelProfileFactory(city="Almaty", age=20, gender="female"),
        ModelProfileFactory(city="Almaty", age=25, gender="male"),
        ModelProfileFactory(city="Astana", age=30, gender="female"),
        ModelProfileFactory(city="almaty", age=35, gender="female"),
    ]


CASES = [
    ("female", {"city": "ALMATY", "min_age": None, "max_age": None, "not_user": None}),
    ("female", {"city": "Astana", "min_age": None, "max_age": None, "not_user": None}),
    (None, {"city": None, "min_age": 22, "max_age": 32, "not_user": None}),
    (None, {"city": None, "min_age": 26, "max_age": 40, "not_user": None}),
    (None, {"city": "almaty", "min_age": 21, "max_age": None, "not_user": None}),
    (None, {"city": None, "min_age": None, "max_age": None, "not_user": None}),
]


def test_rows_and_counts_are_the_querysets_and_the_sql_is_built_once_per_shape(profiles):
    built.clear()
    _compiled_profiles.cache_clear()
    for gender, values in CASES:
        queryset = _profiles(gender, **values)
        listed = _compiled_profiles(gender, **values)

        assert listed.rows(0, 10) == list(queryset[:10])
        assert listed.rows(1, 2) == list(queryset[1:3])
        assert listed.count(10) == queryset.count()
        assert listed.count(1) == min(queryset.count(), 1)
    # one compile per set of present values (CASES 1 and 2 share one, 3 and 4 another); the
    # other builds are the comparison's querysets
    assert _compiled_profiles.cache_info().misses == 4
    assert len(built) == len(CASES) + 4


def test_the_sql_is_the_orms(profiles):
    values = {"city": "Almaty", "min_age": 18, "max_age": 30, "not_user": profiles[0].user_id}
    queryset = _profiles("female", **values)
    listed = _compiled_profiles("female", **values)

    with CaptureQueriesContext(connection) as orm:
        list(queryset[:21])
        count_queryset(queryset)[:1001].count()
        list(queryset[20:41])
    with CaptureQueriesContext(connection) as compiled:
        listed.rows(0, 21)
        listed.count(1001)
        listed.rows(20, 21)

    assert [q["sql"] for q in compiled.captured_queries] == [q["sql"] for q in orm.captured_queries]


def test_columns_come_back_converted(profiles):
    row = _compiled_profiles(None, city=None, min_age=None, max_age=None, not_user=None).rows(0, 1)[
        0
    ]

    assert isinstance(row["id"], uuid.UUID)
    assert isinstance(row["created_at"], dt.datetime) and row["created_at"].tzinfo is not None


def test_a_value_the_lookup_changes_is_refused():
    @compiled_list
    def by_name(*, name: str | None):
        return ModelProfile.objects.filter(name__icontains=name).order_by("id").values("id")

    if connection.vendor == "postgresql":  # icontains wraps the value in %...% everywhere
        with pytest.raises(FrozenValueError, match="never uses"):
            by_name(name="aig")


def test_the_builder_must_give_values_rows():
    @compiled_list
    def instances(*, city: str | None):
        return ModelProfile.objects.filter(city=city)

    with pytest.raises(ValueError, match="values"):
        instances(city="Almaty")
