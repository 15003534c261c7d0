import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import F

from billing.entitlements import (
    check_feature,
    check_photo_quota,
    consume_response,
    entitlements_for,
    usage_month,
)
from billing.models import ResponseCredit, ResponseUsage, Subscription
from billing.selectors import promoted_until_subquery, subscription_summary
from billing.services import subscription_cancel, subscription_grant
from mwork.api.exceptions import SubscriptionLimitExceeded

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")


def test_free_user_gets_free_entitlements(make_user):
    user = make_user()

    ents = entitlements_for(user)

    assert ents.plan == "FREE"
    assert (ents.max_photos, ents.max_responses_per_month) == (5, 3)
    assert ents.chat_access is False
    assert ents.profile_promotion is False
    assert ents.analytics == "none"
    assert ents.expires_at is None
    assert subscription_summary(user=user) == {
        "plan": "FREE",
        "status": "active",
        "expires_at": None,
    }


def test_pro_and_business_entitlements(make_user):
    pro, business = make_user(plan="PRO"), make_user(plan="BUSINESS")

    assert entitlements_for(pro).max_responses_per_month == 30
    assert entitlements_for(pro).analytics == "basic"
    assert entitlements_for(business).max_photos == -1
    assert entitlements_for(business).profile_promotion is True
    summary = subscription_summary(user=pro)
    assert summary["plan"] == "PRO"
    assert summary["status"] == "active"
    assert summary["expires_at"].endswith("Z")


def test_cancelled_subscription_keeps_access_until_expiry(make_user):
    user = make_user(plan="PRO")
    subscription_cancel(user=user)

    assert entitlements_for(user).plan == "PRO"
    assert subscription_summary(user=user)["status"] == "cancelled"

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=40)):
        assert entitlements_for(user).plan == "FREE"


def test_chat_feature(make_user):
    check_feature(make_user(plan="PRO"), "chat_access")

    with pytest.raises(SubscriptionLimitExceeded) as error:
        check_feature(make_user(), "chat_access")

    assert error.value.details == {"feature": "chat_access"}
    assert error.value.code == "SUBSCRIPTION_LIMIT"
    assert error.value.status == 403


def test_analytics_feature_none_is_refused(make_user):
    with pytest.raises(SubscriptionLimitExceeded):
        check_feature(make_user(), "analytics")
    check_feature(make_user(plan="PRO"), "analytics")


def test_unknown_feature_is_a_programming_error(make_user):
    with pytest.raises(ValueError):
        check_feature(make_user(), "teleport")


def test_free_users_fourth_response_in_a_month_is_refused(make_user):
    user = make_user()
    for _ in range(3):
        with transaction.atomic():
            consume_response(user)

    with pytest.raises(SubscriptionLimitExceeded) as error:
        consume_response(user)

    assert error.value.details == {"limit": 3, "used": 3, "plan": "FREE"}
    assert ResponseUsage.objects.get(user=user).used == 3


def test_counter_resets_on_the_first_of_the_month_in_almaty_time(make_user):
    user = make_user()
    # 23:30 on 31 January in Almaty is still January there (18:30 UTC)...
    with time_machine.travel(dt.datetime(2026, 1, 31, 23, 30, tzinfo=ALMATY), tick=False):
        for _ in range(3):
            consume_response(user)
        with pytest.raises(SubscriptionLimitExceeded):
            consume_response(user)
    # ...and 00:10 on 1 February in Almaty is 31 January 19:10 UTC: a new month already.
    with time_machine.travel(dt.datetime(2026, 2, 1, 0, 10, tzinfo=ALMATY), tick=False):
        assert dt.datetime.now(dt.UTC).day == 31
        consume_response(user)
        assert usage_month() == dt.date(2026, 2, 1)

    assert ResponseUsage.objects.get(user=user, month=dt.date(2026, 2, 1)).used == 1
    assert ResponseUsage.objects.get(user=user, month=dt.date(2026, 1, 1)).used == 3


def test_package_credits_are_spent_after_the_allowance(make_user):
    user = make_user()
    ResponseCredit.objects.create(user=user, balance=2)

    for _ in range(3):
        consume_response(user)
    assert ResponseCredit.objects.get(user=user).balance == 2  # allowance first

    consume_response(user)
    consume_response(user)
    assert ResponseCredit.objects.get(user=user).balance == 0
    with pytest.raises(SubscriptionLimitExceeded) as error:
        consume_response(user)

    usage = ResponseUsage.objects.get(user=user)
    assert (usage.used, usage.credits_used) == (3, 2)
    assert error.value.details == {"limit": 3, "used": 3, "plan": "FREE"}


def test_minus_one_means_unlimited(make_user):
    user = make_user(plan="BUSINESS")

    for _ in range(100):
        consume_response(user)
    check_photo_quota(user, 10_000)

    assert ResponseUsage.objects.get(user=user).used == 100


def test_refused_response_inside_callers_transaction_rolls_back_nothing_else(make_user):
    user = make_user()
    for _ in range(3):
        consume_response(user)

    with pytest.raises(SubscriptionLimitExceeded), transaction.atomic():
        consume_response(user)

    assert ResponseUsage.objects.get(user=user).used == 3


def test_photo_quota(make_user):
    user = make_user()
    check_photo_quota(user, 4)

    with pytest.raises(SubscriptionLimitExceeded) as error:
        check_photo_quota(user, 5)

    assert error.value.details == {"limit": 5, "used": 5, "plan": "FREE"}
    check_photo_quota(make_user(plan="PRO"), 19)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("credits", [0, 2])
def test_twenty_concurrent_consumes_never_exceed_the_limit(make_user, credits):
    user = make_user()
    if credits:
        ResponseCredit.objects.create(user=user, balance=credits)
    barrier = threading.Barrier(20)
    results: list[str] = []

    def consume():
        try:
            barrier.wait()
            with transaction.atomic():
                consume_response(user)
            results.append("ok")
        except SubscriptionLimitExceeded:
            results.append("limit")
        finally:
            connection.close()

    threads = [threading.Thread(target=consume) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count("ok") == 3 + credits
    assert results.count("limit") == 20 - 3 - credits
    usage = ResponseUsage.objects.get(user=user)
    assert (usage.used, usage.credits_used) == (3, credits)
    assert ResponseUsage.objects.filter(user=user).count() == 1


def test_promoted_until_subquery(make_user):
    from accounts.models import User

    business, pro, free = make_user(plan="BUSINESS"), make_user(plan="PRO"), make_user()

    rows = dict(
        User.objects.filter(pk__in=[business.pk, pro.pk, free.pk])
        .annotate(user_id=F("id"))
        .annotate(promoted=promoted_until_subquery())
        .values_list("pk", "promoted")
    )

    assert rows[business.pk] == Subscription.objects.get(user=business).expires_at
    assert rows[pro.pk] is None
    assert rows[free.pk] is None


def test_grant_same_plan_extends_and_other_plan_replaces(make_user):
    user = make_user()
    first = subscription_grant(user=user, plan_name="PRO", days=10)

    extended = subscription_grant(user=user, plan_name="PRO", days=5)
    assert extended.pk == first.pk
    assert extended.expires_at - first.expires_at == dt.timedelta(days=5)

    business = subscription_grant(user=user, plan_name="BUSINESS")
    first.refresh_from_db()
    assert first.status == "replaced"
    assert business.status == "active"
    assert entitlements_for(user).plan == "BUSINESS"


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["none", "PRO", "BUSINESS", "cancelled", "expired", "upgraded"])
def test_the_plan_read_with_another_row_gives_entitlements_for(make_user, state):
    """`current_plan_json` (read with the casting by apply) and `entitlements_from_json` give
    `entitlements_for`'s answer for every state of a subscription; None where it would fall
    back to FREE."""
    from django.db.models import Value
    from django.utils import timezone

    from accounts.models import User
    from billing.entitlements import current_plan_json, entitlements_from_json

    user = make_user(role="model")
    if state in ("PRO", "BUSINESS", "cancelled", "expired", "upgraded"):
        subscription_grant(user=user, plan_name="BUSINESS" if state == "BUSINESS" else "PRO")
    if state == "upgraded":
        subscription_grant(user=user, plan_name="BUSINESS", days=90)
    if state == "cancelled":
        subscription_cancel(user=user)
    if state == "expired":
        Subscription.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(1))

    read = (
        User.objects.filter(pk=user.pk)
        .annotate(plan=current_plan_json(user_id=user.pk, now=Value(timezone.now())))
        .values_list("plan", flat=True)
        .get()
    )

    if state in ("none", "expired"):
        assert entitlements_from_json(read) is None
        assert entitlements_for(user).plan == "FREE"
    else:
        assert entitlements_from_json(read) == entitlements_for(user)
