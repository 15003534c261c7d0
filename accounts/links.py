"""Signed, expiring, single-use tokens for the links we e-mail (verification, password reset).

A token is `django.core.signing` data `{"u": user id, "s": state}` with a purpose-specific
salt and a maximum age. `state` is an HMAC of the user fields the link is meant to change
(Django's PasswordResetTokenGenerator idea): once the link has been used the state differs and
the same token is refused, without storing anything.
- verification: e-mail address and `email_verified` → dead once the address is verified;
- reset: password hash and `token_version` → dead once the password changed or tokens were
  revoked (ban, another reset).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from mwork.api.exceptions import ValidationFailed

EMAIL_VERIFICATION = "email-verification"
PASSWORD_RESET = "password-reset"  # noqa: S105 - a purpose name, not a secret

_DEFAULT_MAX_AGE = {
    EMAIL_VERIFICATION: timedelta(hours=48),
    PASSWORD_RESET: timedelta(hours=1),
}
_SETTING = {
    EMAIL_VERIFICATION: "ACCOUNTS_EMAIL_VERIFICATION_MAX_AGE",
    PASSWORD_RESET: "ACCOUNTS_PASSWORD_RESET_MAX_AGE",
}
INVALID_LINK_MESSAGE = _("This link is invalid or has expired.")


def link_max_age(purpose: str) -> timedelta:
    return getattr(settings, _SETTING[purpose], _DEFAULT_MAX_AGE[purpose])


def _state(user: User, purpose: str) -> str:
    if purpose == EMAIL_VERIFICATION:
        value = f"{user.pk}|{user.email}|{user.email_verified}|{user.is_active}"
    else:
        value = f"{user.pk}|{user.email}|{user.password}|{user.token_version}|{user.is_active}"
    return salted_hmac(f"accounts.{purpose}.state", value, algorithm="sha256").hexdigest()[:32]


def link_token_make(*, user: User, purpose: str) -> str:
    """A URL-safe signed token for `purpose` bound to the user's current state."""
    return signing.dumps(
        {"u": str(user.pk), "s": _state(user, purpose)}, salt=f"accounts.{purpose}"
    )


def link_token_user(*, token: str, purpose: str, lock: bool = False) -> User:
    """The user a still-valid token belongs to.

    Raises `ValidationFailed` (details `token`) for a bad signature, an expired token, an unknown
    or inactive user, or a token whose state was already consumed. With `lock=True` the user row
    is locked (call inside `transaction.atomic`).
    """
    invalid = ValidationFailed.for_field("token", INVALID_LINK_MESSAGE)
    try:
        data = signing.loads(token, salt=f"accounts.{purpose}", max_age=link_max_age(purpose))
        user_id, state = data["u"], data["s"]
    except (signing.BadSignature, TypeError, KeyError):
        raise invalid from None
    users = User.objects.select_for_update() if lock else User.objects.all()
    try:
        user = users.get(pk=user_id)
    except (User.DoesNotExist, ValueError, DjangoValidationError):
        raise invalid from None
    if not user.is_active or not constant_time_compare(state, _state(user, purpose)):
        raise invalid
    return user
