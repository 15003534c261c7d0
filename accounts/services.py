"""Account use cases: registration, login, token rotation and revocation, e-mail links, bans.

Token model (docs/API.md §4):
- `tokens_for_user` issues a refresh token (recorded as an `OutstandingToken`) whose access
  token is derived from it; both carry the user's `token_version` in `ver`.
- Refresh rotates: the presented refresh token is blacklisted and marked rotated, a new pair is
  issued. Presenting a rotated token again is reuse: every token of the user is revoked.
- Revoking everything = bump `User.token_version` (kills every access and refresh token at
  once, since their `ver` no longer matches) and blacklist every outstanding refresh token.
- Logout denylists the calling access token (cache, until its expiry) and blacklists the given
  refresh token.
- Both reach open WebSockets: after commit, `accounts.sessions.session_end_announce` closes the
  sockets of the ended sessions on every server process. `user_tokens_revoke` is the one place
  that bumps `token_version`; every path that ends all sessions goes through it.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import tasks
from accounts.consents import ConsentEvidence, consents_record, legal_documents_current
from accounts.links import EMAIL_VERIFICATION, PASSWORD_RESET, link_token_user
from accounts.models import (
    REQUIRED_LEGAL_DOCUMENTS,
    SELF_REGISTERED_ROLES,
    Block,
    Language,
    LegalDocumentKind,
    RefreshTokenRotation,
    User,
    normalize_email,
)
from accounts.sessions import SessionEndReason, session_end_announce
from accounts.tokens import access_token_revoke, token_version_is_current, tokens_for_user
from mwork.api.exceptions import (
    AccountDisabled,
    AccountPendingDeletion,
    Conflict,
    InvalidCredentials,
    InvalidToken,
    PermissionDenied,
    ValidationFailed,
)
from mwork.api.formats import format_datetime
from mwork.callbacks import deferred

logger = logging.getLogger(__name__)

DUPLICATE_EMAIL_MESSAGE = _("A user with this e-mail already exists.")


class _RefreshTokenBlacklistUnchecked(RefreshToken):
    """Verifies signature, expiry, type and jti; the blacklist is checked by the caller, under
    a row lock, because a blacklisted token must be told apart from a rotated (reused) one."""

    def check_blacklist(self) -> None:
        return None


def _refresh_token_parse(raw: str) -> RefreshToken:
    try:
        # simplejwt annotates its constructor argument as Token; it takes the encoded str.
        token = _RefreshTokenBlacklistUnchecked(raw)  # type: ignore[arg-type]
    except TokenError:
        raise InvalidToken() from None
    if not token.get("user_id"):
        raise InvalidToken()
    return token


def _password_validate(password: str, *, user: User, field: str) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        raise ValidationFailed(
            details={field: list(error.messages)},
            details_codes={field: [e.code or "invalid" for e in error.error_list]},
        ) from None


# ---------------------------------------------------------------------------------------------
# Registration and login
# ---------------------------------------------------------------------------------------------
def user_register(
    *,
    email: str,
    password: str,
    role: str,
    language: str = Language.RU.value,
    accept_terms: bool = True,
    accept_marketing: bool = False,
    evidence: ConsentEvidence | None = None,
) -> User:
    """Create a self-registered account, record its consents and e-mail a verification link.

    The current terms and privacy policy are accepted as part of registering (`accept_terms`
    false is refused); marketing only when `accept_marketing`. Raises `ValidationFailed` (role
    outside model/employer/agency, weak password, terms not accepted) and `Conflict` when the
    e-mail exists in any letter case. Schedules the verification e-mail on commit.
    """
    if not accept_terms:
        raise ValidationFailed.for_field(
            "accept_terms", _("The terms and the privacy policy must be accepted to register.")
        )
    email = normalize_email(email)
    if role not in SELF_REGISTERED_ROLES:
        raise ValidationFailed.for_field("role", _("Must be one of: model, employer, agency."))
    _password_validate(password, user=User(email=email, role=role), field="password")
    if User.objects.filter(email=email).exists():
        raise Conflict(DUPLICATE_EMAIL_MESSAGE, details={"email": [DUPLICATE_EMAIL_MESSAGE]})
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, role=role, language=language
            )
            accepted = REQUIRED_LEGAL_DOCUMENTS + (
                (LegalDocumentKind.MARKETING,) if accept_marketing else ()
            )
            consents_record(
                user=user,
                documents=[d for d in legal_documents_current() if d.document in accepted],
                evidence=evidence or ConsentEvidence(),
            )
            # robust: a broker outage loses the e-mail (re-requested by the user), not the answer.
            transaction.on_commit(
                lambda: tasks.send_verification_email.delay(str(user.pk)), robust=True
            )
    except IntegrityError:  # a concurrent registration of the same address won the race
        raise Conflict(
            DUPLICATE_EMAIL_MESSAGE, details={"email": [DUPLICATE_EMAIL_MESSAGE]}
        ) from None
    return user


def user_login(*, email: str, password: str) -> tuple[User, RefreshToken]:
    """Check credentials and issue a token pair.

    Raises `InvalidCredentials` for an unknown e-mail and for a wrong password alike (the
    password is hashed either way, so timing does not tell them apart), and `AccountDisabled`
    for a banned account — only after the correct password, so it reveals nothing to others.
    """
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is None:
        User().set_password(password)  # spend the same hashing time as a real check
        raise InvalidCredentials()
    if not user.check_password(password):
        raise InvalidCredentials()
    if not user.is_active:
        if user.purge_at is not None:
            raise AccountPendingDeletion(details={"purge_at": format_datetime(user.purge_at)})
        raise AccountDisabled()
    with transaction.atomic():
        update_last_login(User, user)
        refresh = tokens_for_user(user)
    return user, refresh


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------
def user_tokens_revoke(
    *, user: User, reason: SessionEndReason = SessionEndReason.SESSIONS_REVOKED
) -> None:
    """Revoke every access and refresh token of `user` (bumps `token_version`).

    On commit, every open WebSocket of the user closes (4401, an error frame naming `reason`),
    on every server process (`accounts.sessions.session_end_announce`).
    """
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
        user.refresh_from_db(fields=["token_version"])
        pending = OutstandingToken.objects.filter(
            user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
        )
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in pending], ignore_conflicts=True
        )
        transaction.on_commit(
            deferred(
                session_end_announce,
                user_id=user.pk,
                token_version=user.token_version,
                reason=reason,
            ),
            robust=True,
        )


def token_refresh(*, refresh_token: str) -> tuple[User, RefreshToken]:
    """Rotate a refresh token: blacklist it and issue a new pair.

    Raises `InvalidToken` for a bad, expired, logged-out or revoked token, a stale `ver`, or an
    inactive user. A token that was already rotated is reuse: every token of its user is revoked
    (committed) before `InvalidToken` is raised.
    """
    token = _refresh_token_parse(refresh_token)
    reused = False
    with transaction.atomic():
        # Lock order user → token rows, as in user_tokens_revoke, so concurrent refreshes of
        # the same token serialize: exactly one wins, the other sees a rotated token.
        user = User.objects.select_for_update().filter(pk=token["user_id"]).first()
        if user is None:
            raise InvalidToken()
        # order_by(): the model's default ordering joins the user, and PostgreSQL refuses
        # FOR UPDATE on the nullable side of an outer join.
        outstanding = (
            OutstandingToken.objects.select_for_update().filter(jti=token["jti"]).order_by().first()
        )
        if outstanding is None or outstanding.user_id != user.pk:
            raise InvalidToken()
        if BlacklistedToken.objects.filter(token=outstanding).exists():
            if not RefreshTokenRotation.objects.filter(token=outstanding).exists():
                raise InvalidToken()  # logged out or revoked
            user_tokens_revoke(user=user)
            reused = True
        else:
            if not user.is_active or not token_version_is_current(user=user, token=token):
                raise InvalidToken()
            BlacklistedToken.objects.create(token=outstanding)
            RefreshTokenRotation.objects.create(token=outstanding)
            new_refresh = tokens_for_user(user)
    if reused:
        logger.warning("refresh token reuse for user %s: every token revoked", user.pk)
        raise InvalidToken(_("Refresh token reuse detected: every session was signed out."))
    return user, new_refresh


def user_logout(*, user: User, access_token: AccessToken, refresh_token: str | None) -> None:
    """Denylist the calling access token and blacklist `refresh_token` when it is the caller's.

    A refresh token that is invalid, expired or someone else's is ignored: the access token is
    revoked in any case, and the answer reveals nothing about other tokens. The sockets opened
    with this access token (or a ticket it issued) close on commit.
    """
    access_token_revoke(token=access_token)
    transaction.on_commit(
        deferred(
            session_end_announce,
            user_id=user.pk,
            jti=str(access_token["jti"]),
            reason=SessionEndReason.LOGOUT,
        ),
        robust=True,
    )
    if not refresh_token:
        return
    try:
        token = _refresh_token_parse(refresh_token)
    except InvalidToken:
        return
    if token["user_id"] != str(user.pk):
        return
    with transaction.atomic():
        outstanding = OutstandingToken.objects.filter(jti=token["jti"], user=user).first()
        if outstanding is not None:
            BlacklistedToken.objects.get_or_create(token=outstanding)


def refresh_tokens_flush_expired() -> int:
    """Delete expired outstanding refresh tokens (their blacklist and rotation rows cascade)."""
    deleted, _by_model = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


# ---------------------------------------------------------------------------------------------
# E-mail verification and passwords
# ---------------------------------------------------------------------------------------------
def email_verify(*, token: str) -> User:
    """Mark the e-mail of the token's user verified. Raises `ValidationFailed` (details
    `token`) for a bad, expired or already used token."""
    with transaction.atomic():
        user = link_token_user(token=token, purpose=EMAIL_VERIFICATION, lock=True)
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    return user


def email_verification_resend(*, user: User) -> None:
    """Schedule a new verification e-mail when the address is not verified yet; otherwise do
    nothing (the API answers the same either way)."""
    if user.is_active and not user.email_verified:
        transaction.on_commit(
            lambda: tasks.send_verification_email.delay(str(user.pk)), robust=True
        )


def password_reset_request(*, email: str) -> None:
    """Schedule a reset e-mail when an active account has this address; silent otherwise, so
    the answer never tells whether the address is registered."""
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is not None:
        transaction.on_commit(
            lambda: tasks.send_password_reset_email.delay(str(user.pk)), robust=True
        )


def password_reset_confirm(*, token: str, new_password: str) -> User:
    """Set a new password from a reset link and revoke every token of the user.

    The link proves the mailbox, so the e-mail counts as verified too. Raises
    `ValidationFailed` for a bad/expired/used token (`token`) or a weak password
    (`new_password`).
    """
    with transaction.atomic():
        user = link_token_user(token=token, purpose=PASSWORD_RESET, lock=True)
        _password_validate(new_password, user=user, field="new_password")
        user.set_password(new_password)
        user.email_verified = True
        user.save(update_fields=["password", "email_verified"])
        user_tokens_revoke(user=user, reason=SessionEndReason.PASSWORD_CHANGED)
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> RefreshToken:
    """Change the password of a signed-in user.

    Every existing token (other sessions included) is revoked and a fresh pair is returned for
    the caller. Raises `ValidationFailed` for a wrong `old_password` or a weak/unchanged
    `new_password`.
    """
    if not user.check_password(old_password):
        raise ValidationFailed.for_field("old_password", _("Current password is incorrect."))
    if old_password == new_password:
        raise ValidationFailed.for_field(
            "new_password", _("The new password must differ from the current one.")
        )
    _password_validate(new_password, user=user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        user_tokens_revoke(user=user, reason=SessionEndReason.PASSWORD_CHANGED)
        return tokens_for_user(user)


# ---------------------------------------------------------------------------------------------
# Staff actions
# ---------------------------------------------------------------------------------------------
def user_ban(*, user: User, actor: User | None = None) -> User:
    """Deactivate `user` and revoke all of its tokens (idempotent).

    Raises `PermissionDenied` when `actor` tries to ban itself.
    """
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(_("You cannot ban yourself."))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        user_tokens_revoke(user=user, reason=SessionEndReason.BANNED)
    logger.info("user %s banned by %s", user.pk, getattr(actor, "pk", None))
    return user


def user_unban(*, user: User, actor: User | None = None) -> User:
    """Reactivate a banned `user`; old tokens stay revoked, the user logs in again."""
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    logger.info("user %s unbanned by %s", user.pk, getattr(actor, "pk", None))
    return user


def user_mark_email_verified(*, user: User, actor: User | None = None) -> User:
    """Staff override: treat the user's e-mail as verified."""
    User.objects.filter(pk=user.pk).update(email_verified=True)
    user.email_verified = True
    logger.info("e-mail of user %s marked verified by %s", user.pk, getattr(actor, "pk", None))
    return user


# ---------------------------------------------------------------------------------------------
# Blocks (API)
# ---------------------------------------------------------------------------------------------
def block_create(*, blocker: User, blocked: User) -> tuple[Block, bool]:
    """Block `blocked` for `blocker`; returns `(block, created)` — blocking twice is a no-op.

    Raises `ValidationFailed` for a self-block.
    """
    if blocker.pk == blocked.pk:
        raise ValidationFailed.for_field("user_id", _("You cannot block yourself."))
    try:
        with transaction.atomic():
            return Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    except IntegrityError:  # a concurrent identical block won the race
        return Block.objects.get(blocker=blocker, blocked=blocked), False


def block_delete(*, blocker: User, blocked: User) -> None:
    """Remove the block of `blocker` on `blocked` (nothing happens when there is none)."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()
