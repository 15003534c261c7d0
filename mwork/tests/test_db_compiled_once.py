"""`mwork.db.compiled_once`: compiled once per constant, ids bound per call, frozen values
refused."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from mwork.db import FrozenValueError, compiled_once, compiled_values_once

pytestmark = pytest.mark.django_db

built: list[tuple] = []


@compiled_once
def _users_query(role: str, *, user_id: uuid.UUID, other_id: uuid.UUID):
    built.append((role,))
    same = ExpressionWrapper(Q(id=other_id), output_field=BooleanField())
    return (
        User.objects.filter(Q(id=user_id) | Q(id=other_id), role=role)
        .annotate(is_other=same, joined=F("created_at"))
        .order_by("email")
    )


def test_ids_are_bound_per_call_and_the_sql_is_built_once():
    built.clear()
    alice = UserFactory(role="model", email="a@example.com")
    bob = UserFactory(role="model", email="b@example.com")
    carol = UserFactory(role="employer", email="c@example.com")

    first = _users_query("model").all(user_id=alice.id, other_id=bob.id)
    second = _users_query("model").all(user_id=carol.id, other_id=alice.id)
    employers = _users_query("employer").all(user_id=carol.id, other_id=bob.id)

    assert [(u.email, u.is_other) for u in first] == [
        ("a@example.com", False),
        ("b@example.com", True),
    ]
    assert [u.email for u in second] == ["a@example.com"]  # carol is no model
    assert [u.email for u in employers] == ["c@example.com"]
    assert built == [("model",), ("employer",)]  # once per constant, not per call


def test_annotations_come_back_converted():
    user = UserFactory()

    row = _users_query(user.role).first(user_id=user.id, other_id=uuid.uuid4())

    assert isinstance(row.joined, dt.datetime) and row.joined == user.created_at
    assert row.is_other is False


def test_first_is_none_without_a_row():
    assert _users_query("model").first(user_id=uuid.uuid4(), other_id=uuid.uuid4()) is None


def test_every_id_must_be_given():
    with pytest.raises(TypeError, match="other_id"):
        _users_query("model").first(user_id=uuid.uuid4())


def test_a_time_computed_in_python_is_refused():
    @compiled_once
    def recent(*, user_id: uuid.UUID):
        return User.objects.filter(id=user_id, created_at__gte=timezone.now())

    with pytest.raises(FrozenValueError, match=r"Now\(\)"):
        recent()


def test_an_id_the_builder_never_uses_is_refused():
    @compiled_once
    def careless(*, user_id: uuid.UUID):
        return User.objects.filter(is_active=True)

    with pytest.raises(FrozenValueError, match="user_id"):
        careless()


@compiled_once
def _joined_since_query(*, user_id: uuid.UUID, since: dt.datetime):
    return User.objects.filter(id=user_id, created_at__gt=since).order_by()


def test_a_datetime_parameter_is_bound_per_call_like_an_id():
    user = UserFactory()
    joined = user.created_at

    before = _joined_since_query().first(user_id=user.id, since=joined - dt.timedelta(seconds=1))
    after = _joined_since_query().first(user_id=user.id, since=joined + dt.timedelta(seconds=1))

    assert before is not None and before.id == user.id
    assert after is None  # the same compiled SQL, another time bound


@compiled_values_once
def _emails_query(role: str, *, user_id: uuid.UUID):
    return (
        User.objects.filter(Q(role=role) | Q(id=user_id))
        .annotate(joined=F("created_at"))
        .order_by("email")
        .values("id", "email", "joined")
    )


def test_values_rows_are_converted_and_paged():
    alice = UserFactory(role="model", email="a@example.com")
    UserFactory(role="model", email="b@example.com")
    carol = UserFactory(role="employer", email="c@example.com")

    rows = _emails_query("model").rows(user_id=carol.id)
    page = _emails_query("model").rows(user_id=carol.id, limit=1, offset=1)

    assert [row["email"] for row in rows] == ["a@example.com", "b@example.com", "c@example.com"]
    assert rows[0] == {"id": alice.id, "email": "a@example.com", "joined": alice.created_at}
    assert isinstance(rows[0]["id"], uuid.UUID)
    assert [row["email"] for row in page] == ["b@example.com"]


def test_compiled_values_need_an_unsliced_values_queryset():
    @compiled_values_once
    def instances(*, user_id: uuid.UUID):
        return User.objects.filter(id=user_id)

    @compiled_values_once
    def sliced(*, user_id: uuid.UUID):
        return User.objects.filter(id=user_id).values("id")[:1]

    with pytest.raises(ValueError, match="values"):
        instances()
    with pytest.raises(ValueError, match="values"):
        sliced()


@compiled_once
def _emails_only_query(*, user_id: uuid.UUID):
    return User.objects.filter(id=user_id).only("id", "email").annotate(joined=F("created_at"))


def test_instances_are_built_as_the_orm_builds_them():
    user = UserFactory()
    orm = User.objects.filter(id=user.id).only("id", "email").annotate(joined=F("created_at"))[0]

    compiled = _emails_only_query()
    row = compiled.first(user_id=user.id)

    assert compiled.instances is not None  # not through raw()
    assert (row.pk, row.email, row.joined) == (orm.pk, orm.email, orm.joined)
    assert row.get_deferred_fields() == orm.get_deferred_fields()
    assert row._state.db == "default" and not row._state.adding
    full = _users_query(user.role).first(user_id=user.id, other_id=uuid.uuid4())
    assert {f.attname: getattr(full, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields
    }


def test_json_times_and_ids_read_back_as_the_orm_reads_them():
    from mwork.db import json_time, json_uuid

    at = dt.datetime(2026, 12, 7, 4, 49, 20, 123456, tzinfo=dt.UTC)
    assert json_time("2026-12-07T04:49:20.123456+00:00") == at  # PostgreSQL
    assert json_time("2026-12-07 04:49:20.123456") == at  # SQLite: UTC without an offset
    assert json_time("2026-12-07T10:49:20.123456+06:00") == at
    some = uuid.uuid4()
    assert json_uuid(str(some)) == json_uuid(some.hex) == str(some)
