"""Access tokens: validation shared by REST and WebSocket, and the revocation denylist.

An access token is refused when it is malformed or expired (simplejwt), when its `jti` is on the
denylist (logout), when its `ver` claim is not the user's current `token_version` (password reset,
ban, refresh-token reuse) or when its user is inactive (banned). The denylist lives in the cache
until the token expires.
"""

from __future__ import annotations

import copy
import functools
import time
import uuid

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import aware_utcnow

from accounts.models import User
from mwork.api.exceptions import InvalidToken
from mwork.db import compiled_once
from mwork.ids import parse_uuid

_DENYLIST_PREFIX = "auth:denied-jti:"


def denylist_key(jti: str) -> str:
    return f"{_DENYLIST_PREFIX}{jti}"


def access_token_revoke(*, token: AccessToken) -> None:
    """Put one access token on the denylist until its own expiry."""
    ttl = int(token["exp"]) - int(time.time())
    if ttl > 0:
        cache.set(denylist_key(token["jti"]), 1, timeout=ttl + 5)


def access_token_is_revoked(*, jti: str) -> bool:
    return cache.get(denylist_key(jti)) is not None


VERSION_CLAIM = "ver"


# The token's user is read on every authenticated request, from the database (a ban or a new
# token version counts at once): compiled once, its id bound per call (`mwork.db`); building
# the ORM's `get()` on every request cost as much again as the read (docs/PERFORMANCE.md,
# "Chat reads").
@compiled_once
def _user_query(*, user_id: uuid.UUID) -> QuerySet[User]:
    return User.objects.filter(pk=user_id).order_by()


def token_version_is_current(*, user: User, token) -> bool:
    return token.get(VERSION_CLAIM, 0) == user.token_version


def access_token_decoded(raw: str) -> AccessToken:
    """A raw access JWT, signature and expiry checked (simplejwt); `InvalidToken` otherwise.
    Its denylist entry and its user are not checked yet (`access_token_user`).

    A token is verified once per process (`_verified`) and its expiry checked on every call:
    the same token comes with every request of its session."""
    try:
        verified = _verified(raw)
        token = copy.copy(verified)  # the caller's own: its payload and time
        token.payload = dict(verified.payload)
        token.current_time = aware_utcnow()
        token.check_exp()
    except TokenError:
        raise InvalidToken() from None
    return token


# Verifying a token's signature and claims (PyJWT through simplejwt) cost about a tenth of an
# authenticated request (docs/PERFORMANCE.md, "Authentication in one round trip"). What it
# checks depends on the token's text and the signing key alone (which simplejwt reads once, at
# start), but for the expiry, which `access_token_decoded` checks on every call. Only tokens
# that passed are remembered (an exception is not), so invalid tokens never fill it.
@functools.lru_cache(maxsize=4096)
def _verified(raw: str) -> AccessToken:
    # simplejwt annotates its constructor argument as Token; it takes the encoded str.
    return AccessToken(raw)  # type: ignore[arg-type]


def token_user(token: AccessToken) -> User | None:
    """The user a decoded token names, read from the database; None when there is none."""
    user_id = parse_uuid(token.get("user_id"))
    return _user_query().first(user_id=user_id) if user_id is not None else None


def access_token_user(token: AccessToken, *, revoked: bool, user: User | None) -> User:
    """The active user of a decoded token, given its denylist entry (`revoked`) and its user
    (`token_user`), both read by the caller; raises `InvalidToken` when it is revoked, its user
    is missing or inactive, or its version is not the user's."""
    if revoked:
        raise InvalidToken(_("Token has been revoked."))
    if user is None:
        raise InvalidToken()
    if not user.is_active:
        raise InvalidToken(_("User is inactive."))
    if not token_version_is_current(user=user, token=token):
        raise InvalidToken(_("Token has been revoked."))
    return user


def user_from_access_token(raw: str) -> tuple[User, AccessToken]:
    """Validate a raw access JWT and return its active user; raises `InvalidToken` otherwise."""
    token = access_token_decoded(raw)
    revoked = access_token_is_revoked(jti=token["jti"])
    user = None if revoked else token_user(token)
    return access_token_user(token, revoked=revoked, user=user), token


def tokens_for_user(user: User) -> RefreshToken:
    """A fresh refresh token (its `.access_token` is the paired access token) for `user`."""
    refresh = RefreshToken.for_user(user)
    refresh[VERSION_CLAIM] = user.token_version
    refresh["role"] = user.role
    return refresh
