import pytest

from billing.entitlements import (
    check_feature,
    check_photo_quota,
    consume_response,
    entitlements_for,
)
from billing.selectors import subscription_summary
from mwork.api.exceptions import SubscriptionLimitExceeded

pytestmark = pytest.mark.django_db


def test_free_user_gets_free_entitlements(make_user):
    user = make_user()

    ents = entitlements_for(user)

    assert ents.plan == "FREE"
    assert ents.max_photos == 5
    assert ents.max_responses_per_month == 3
    assert ents.chat_access is False
    assert ents.expires_at is None
    assert subscription_summary(user=user) == {
        "plan": "FREE",
        "status": "active",
        "expires_at": None,
    }


def test_pro_user_has_chat(make_user):
    user = make_user(plan="PRO")

    check_feature(user, "chat_access")

    assert entitlements_for(user).plan == "PRO"


def test_free_user_chat_refused(make_user):
    user = make_user()

    with pytest.raises(SubscriptionLimitExceeded) as error:
        check_feature(user, "chat_access")

    assert error.value.details == {"feature": "chat_access"}


def test_fourth_response_refused(make_user):
    user = make_user()
    for _ in range(3):
        consume_response(user)

    with pytest.raises(SubscriptionLimitExceeded) as error:
        consume_response(user)

    assert error.value.details == {"limit": 3, "used": 3, "plan": "FREE"}


def test_photo_quota(make_user):
    user = make_user()
    check_photo_quota(user, 4)

    with pytest.raises(SubscriptionLimitExceeded) as error:
        check_photo_quota(user, 5)

    assert error.value.details == {"limit": 5, "used": 5, "plan": "FREE"}
