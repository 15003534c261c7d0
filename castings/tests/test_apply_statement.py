"""A model's apply within its monthly allowance is one statement on PostgreSQL: the usage
count and the response's insert (`billing.entitlements.insert_counting_response`, the row
written by `mwork.db.insert_select`). What it must keep from the transaction it replaced: the
row is the one `save()` writes, an insert that fails takes its count back, and nothing else
(credits, refusals, an agency's submission) changes path."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from billing.entitlements import entitlements_for
from billing.models import ResponseUsage
from billing.services import subscription_grant
from castings.models import Response
from castings.selectors import applicant_profile_get
from castings.services import response_submit
from castings.tests.factories import CastingFactory, ModelProfileFactory
from conftest import access_token_for
from mwork.api.exceptions import Conflict, SubscriptionLimitExceeded
from mwork.db import insert_select

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a data-modifying CTE (PostgreSQL)"
)

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _used(user) -> int:
    usage = ResponseUsage.objects.filter(user=user).first()
    return usage.used if usage else 0


@pytest.mark.parametrize(("plan", "reads"), [("BUSINESS", 2), (None, 3)])
@pytest.mark.django_db(transaction=True)
def test_an_apply_within_the_allowance_is_one_statement_and_no_transaction(plan, reads):
    """Outside any atomic block (as a request runs): the token's user and the casting with the
    applicant's paid plan (FREE: and the FREE plan's limits), then the count with the insert,
    which commits on its own. Before, a transaction of four round trips (BEGIN, count,
    insert, COMMIT), and for FREE one more read of the paid plan."""
    profile = ModelProfileFactory()
    if plan:
        subscription_grant(user=profile.user, plan_name=plan)
    casting = CastingFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(profile.user)}")
    client.post("/api/v1/ping")  # nothing else read for the first time in the measured call

    with CaptureQueriesContext(connection) as captured:
        answer = client.post(f"/api/v1/castings/{casting.id}/responses", {}, format="json")

    assert answer.status_code == 201, answer.json()
    statements = [query["sql"] for query in captured.captured_queries]
    # What follows the insert is the owner's notification, run once the insert has committed.
    stored_at = next(i for i, sql in enumerate(statements) if sql.lstrip().startswith("WITH"))
    assert stored_at == reads, "\n".join(sql[:120] for sql in statements[: stored_at + 1])
    assert 'INSERT INTO "castings_response"' in statements[stored_at]
    assert not [sql for sql in statements[:stored_at] if sql.startswith(TRANSACTION_CONTROL)]
    assert Response.objects.filter(casting=casting, model_profile=profile).count() == 1
    assert _used(profile.user) == 1


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("autocommit", marks=pytest.mark.django_db(transaction=True)),
        pytest.param("inside an atomic block", marks=pytest.mark.django_db),
    ],
)
def test_an_insert_that_fails_takes_its_count_back(mode):
    """A duplicate the pre-check missed (a concurrent apply of the same model) fails on the
    unique constraint: Conflict, the count unchanged, and an enclosing transaction usable."""
    profile = ModelProfileFactory()
    casting = CastingFactory()
    response_submit(actor=profile.user, casting=casting)
    assert _used(profile.user) == 1
    racing = applicant_profile_get(user=profile.user, casting_id=casting.id)
    racing.already_applied = False  # as read before the other request's insert

    with pytest.raises(Conflict):
        response_submit(actor=profile.user, casting=casting, applicant=racing)

    assert _used(profile.user) == 1
    assert Response.objects.filter(casting=casting, model_profile=profile).count() == 1


@pytest.mark.django_db
def test_the_row_is_the_one_save_writes():
    """Every column of a response inserted by the statement equals one saved by the ORM from
    the same values (defaults and `pre_save` included), read back alike."""
    profile = ModelProfileFactory()
    casting, other = CastingFactory(), CastingFactory()
    links = ["https://instagram.com/model", "http://example.com/я"]

    fast = response_submit(
        actor=profile.user, casting=casting, message="Привет, «кастинг»", portfolio_links=links
    )
    saved = Response(
        casting=other, model_profile=profile, message="Привет, «кастинг»", portfolio_links=links
    )
    saved.save()

    assert fast._state.adding is False and fast._state.db == "default"
    fields = [f.attname for f in Response._meta.concrete_fields]
    stored = Response.objects.get(id=fast.id)
    stored_by_orm = Response.objects.get(id=saved.id)
    for name in fields:
        if name in ("id", "casting_id", "applied_at"):
            continue
        assert getattr(stored, name) == getattr(stored_by_orm, name), name
        assert getattr(stored, name) == getattr(fast, name), name
    assert stored.applied_at == fast.applied_at
    assert abs(stored.applied_at - stored_by_orm.applied_at).total_seconds() < 5


@pytest.mark.django_db
def test_a_spent_allowance_is_not_counted_twice():
    """FREE: three a month. The fourth finds the allowance spent in the statement and goes to
    credits (none) without counting again: SUBSCRIPTION_LIMIT, `used` still 3."""
    profile = ModelProfileFactory()
    assert entitlements_for(profile.user).max_responses_per_month == 3
    for casting in CastingFactory.create_batch(3):
        response_submit(actor=profile.user, casting=casting)

    with CaptureQueriesContext(connection) as captured, pytest.raises(SubscriptionLimitExceeded):
        response_submit(actor=profile.user, casting=CastingFactory())

    upserts = [q for q in captured.captured_queries if "ON CONFLICT (user_id, month)" in q["sql"]]
    assert len(upserts) == 1
    assert _used(profile.user) == 3


@pytest.mark.django_db
def test_an_over_long_value_is_refused_not_cut():
    """The casts carry no length (`varchar`, not `varchar(16)`): an explicit cast to a length
    would cut the value silently, where an insert's column refuses it, as `save()` would."""
    response = Response(
        casting=CastingFactory(), model_profile=ModelProfileFactory(), status="s" * 40
    )
    sql, params = insert_select(response)
    assert "::varchar(" not in sql

    with pytest.raises(DataError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
