from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import tokens_for_user, user_from_access_token
from mwork.api.exceptions import InvalidToken, PermissionDenied

pytestmark = pytest.mark.django_db


def test_user_ban_deactivates_and_revokes_every_token():
    user = UserFactory()
    staff = UserFactory(staff=True)
    first, second = tokens_for_user(user), tokens_for_user(user)

    services.user_ban(user=user, actor=staff)

    user = User.objects.get(pk=user.pk)
    assert not user.is_active
    assert user.token_version == 1
    assert BlacklistedToken.objects.filter(token__user=user).count() == 2
    for refresh in (first, second):
        with pytest.raises(InvalidToken):
            user_from_access_token(str(refresh.access_token))
        with pytest.raises(InvalidToken):
            services.token_refresh(refresh_token=str(refresh))


def test_user_ban_is_idempotent():
    user = UserFactory()

    services.user_ban(user=user)
    services.user_ban(user=user)

    assert not User.objects.get(pk=user.pk).is_active


def test_user_cannot_ban_itself():
    staff = UserFactory(staff=True)

    with pytest.raises(PermissionDenied):
        services.user_ban(user=staff, actor=staff)

    assert User.objects.get(pk=staff.pk).is_active


def test_user_unban_lets_the_user_log_in_again_but_old_tokens_stay_dead():
    user = UserFactory()
    refresh = tokens_for_user(user)
    services.user_ban(user=user)

    services.user_unban(user=user)

    assert User.objects.get(pk=user.pk).is_active
    with pytest.raises(InvalidToken):
        services.token_refresh(refresh_token=str(refresh))
    logged_in, _ = services.user_login(email=user.email, password="Str0ng-Passw0rd!")
    assert logged_in == user


def test_user_mark_email_verified():
    user = UserFactory(email_verified=False)

    services.user_mark_email_verified(user=user)

    assert User.objects.get(pk=user.pk).email_verified


def test_refresh_tokens_flush_expired_keeps_live_tokens():
    user = UserFactory()
    live = tokens_for_user(user)
    old = tokens_for_user(user)
    OutstandingToken.objects.filter(jti=old["jti"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    services.user_tokens_revoke(user=user)  # blacklists the live one; cascade must not matter

    deleted = services.refresh_tokens_flush_expired()

    assert deleted >= 1
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [live["jti"]]
