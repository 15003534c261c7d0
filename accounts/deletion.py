"""The accounts side of account deletion (docs/PRIVACY.md "Deleting an account").

A scheduled deletion makes the user inactive (so every list, search, detail and socket already
treats it like a banned account) with `purge_at` set; logging in then answers
ACCOUNT_PENDING_DELETION, and `account_restore` undoes it until `purge_at`. The purge keeps the
user row as an anonymised tombstone: payments (PROTECT) and the other party's chat history
point at it, and its e-mail address is free again. What other apps do on deletion is
orchestrated by the privacy app, which sits above them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Language, User, normalize_email
from accounts.services import user_tokens_revoke
from accounts.sessions import SessionEndReason
from accounts.tokens import tokens_for_user
from mwork.api.exceptions import InvalidCredentials, InvalidState, ValidationFailed

DELETED_EMAIL_DOMAIN = "deleted.invalid"


def purge_delay() -> dt.timedelta:
    return dt.timedelta(days=settings.ACCOUNT_PURGE_DAYS)


def account_deletion_mark(*, user: User, password: str) -> User:
    """Check the password, then make the account inactive until `purge_at` and revoke every
    token (the `token_version` bump also closes the user's sockets).

    Raises `ValidationFailed` (details `password`) for a wrong password and `InvalidState`
    when the deletion is already scheduled. Call inside the caller's transaction.
    """
    if not user.check_password(password):
        raise ValidationFailed.for_field("password", _("Password is incorrect."))
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.purge_at is not None or locked.deleted_at is not None:
        raise InvalidState(_("This account is already scheduled for deletion."))
    locked.is_active = False
    locked.purge_at = timezone.now() + purge_delay()
    locked.save(update_fields=["is_active", "purge_at"])
    user_tokens_revoke(user=locked, reason=SessionEndReason.ACCOUNT_DELETED)
    return locked


def account_restore(*, email: str, password: str) -> tuple[User, RefreshToken]:
    """Undo a scheduled deletion before `purge_at` and issue a fresh token pair (tokens issued
    before the deletion stay revoked).

    Raises `InvalidCredentials` for an unknown e-mail, a wrong password or an account that is
    not pending deletion (the answer tells nothing about other accounts).
    """
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is None:
        User().set_password(password)  # same hashing time as a real check
        raise InvalidCredentials()
    if not user.check_password(password) or user.purge_at is None:
        raise InvalidCredentials()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.purge_at is None or locked.purge_at <= timezone.now():
            raise InvalidCredentials()
        locked.purge_at = None
        locked.is_active = True
        locked.save(update_fields=["purge_at", "is_active"])
        update_last_login(User, locked)
        refresh = tokens_for_user(locked)
    return locked, refresh


def account_anonymise(*, user: User) -> User:
    """Turn the user row into a tombstone: no e-mail (the address is free again), no usable
    password, no tokens. Call inside the purge's transaction."""
    user.email = f"deleted-{user.pk.hex}@{DELETED_EMAIL_DOMAIN}"
    user.set_unusable_password()
    user.email_verified = False
    user.language = Language.RU
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.purge_at = None
    user.deleted_at = timezone.now()
    user.save()
    user_tokens_revoke(user=user, reason=SessionEndReason.ACCOUNT_DELETED)  # and its sockets
    user.groups.clear()
    user.user_permissions.clear()
    OutstandingToken.objects.filter(user=user).delete()
    return user


def users_purge_due(*, now: dt.datetime | None = None) -> list[User]:
    """Accounts whose grace period is over (the partial index on `purge_at` serves this)."""
    return list(User.objects.filter(purge_at__lte=now or timezone.now()).order_by("purge_at"))
