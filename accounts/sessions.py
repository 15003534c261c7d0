"""The end of a session reaches the user's open WebSockets (docs/RELIABILITY.md, "Sockets end
with their session").

Every socket joins its user's group `user.<id>`, on whichever server process holds it. A
session-ending service (logout, password change or reset, "revoke every session", ban, account
deletion) announces the end after its commit: it writes a *stamp* in the cache (the user's new
`token_version`, or the logged-out token's denylist entry) and sends a `session.end` event to the
group through the channel layer. A socket closes with 4401 after an error frame naming the
reason, either when the event arrives or when a frame it receives finds the stamp — whichever is
first. A socket also re-reads its user row at most every `WS_SESSION_RECHECK_SECONDS`, so a lost
event (the channel layer delivers at most once) or a change that bypassed these services ends it
anyway, and it never outlives its access token's expiry.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.tokens import VERSION_CLAIM, access_token_is_revoked, denylist_key
from mwork.api.exceptions import AccountDisabled, DomainError, InvalidToken

logger = logging.getLogger(__name__)

# Consumers implement `session_end(self, event)`.
SESSION_END_EVENT = "session.end"
_VERSION_STAMP_PREFIX = "auth:session-version:"
_TICKET_PREFIX = "auth:ws-ticket:"
# Each group_send has a short deadline (mwork/channel_layer.py); a session end is worth a retry.
ANNOUNCE_ATTEMPTS = 3


class SessionEndReason(StrEnum):
    LOGOUT = "logout"
    SESSIONS_REVOKED = "sessions_revoked"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a secret
    BANNED = "banned"
    ACCOUNT_DELETED = "account_deleted"
    EXPIRED = "expired"


_MESSAGES = {
    SessionEndReason.LOGOUT: _("This session was signed out."),
    SessionEndReason.SESSIONS_REVOKED: _("Every session of this account was signed out."),
    SessionEndReason.PASSWORD_CHANGED: _("The password was changed: sign in again."),
    SessionEndReason.ACCOUNT_DELETED: _("This account is scheduled for deletion."),
    SessionEndReason.EXPIRED: _("Token has expired."),
}


class SessionEnded(Exception):
    """Raised by a socket's work that read the session's stamps first and found it ended."""

    def __init__(self, reason: SessionEndReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


def session_stamps_hold(session: SocketSession | None) -> None:
    """`SessionEnded` when the cache stamps say `session` ended (nothing for None). A cache
    that fails is no verdict (logged): the send's own work says whether it can go on."""
    if session is None:
        return
    try:
        reason = session_stamp_reason(session)
    except Exception:
        logger.warning("session stamps of user %s not read", session.user_id, exc_info=True)
        return
    if reason is not None:
        raise SessionEnded(reason)


def session_end_error(reason: SessionEndReason | str) -> DomainError:
    """The error a socket's last frame carries: `ACCOUNT_DISABLED` for a ban, `INVALID_TOKEN`
    otherwise; `details.reason` names the reason for clients."""
    reason = SessionEndReason(reason)
    if reason is SessionEndReason.BANNED:
        return AccountDisabled(details={"reason": reason.value})
    return InvalidToken(_MESSAGES[reason], details={"reason": reason.value})


def user_group(user_id: UUID | str) -> str:
    """The channel-layer group of every open socket of the user."""
    return f"user.{user_id}"


@dataclass(frozen=True)
class SocketSession:
    """What a socket knows of the session it was opened with (its access token's claims)."""

    user_id: UUID
    jti: str
    expires_at: float  # epoch seconds
    token_version: int

    @classmethod
    def from_token(cls, *, user: User, token: Any) -> SocketSession:
        return cls(
            user_id=user.pk,
            jti=str(token["jti"]),
            expires_at=float(token["exp"]),
            token_version=int(token.get(VERSION_CLAIM, 0)),
        )

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at


def _version_stamp_key(user_id: UUID | str) -> str:
    return f"{_VERSION_STAMP_PREFIX}{user_id}"


def _stamp_timeout() -> int:
    # A socket lives no longer than its access token, so a stamp older than that has no reader.
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()) + 60


def session_end_announce(
    *,
    user_id: UUID | str,
    reason: SessionEndReason,
    token_version: int | None = None,
    jti: str | None = None,
) -> None:
    """Tell the user's sockets, on every server process, that sessions ended: those opened with
    token `jti` (logout), or with a `token_version` below the given one (everything else).

    Call it from `transaction.on_commit`. Writes the version stamp first (frames check it), then
    sends the `session.end` event; at most once, never raises.
    """
    if token_version is not None:
        try:
            cache.set(
                _version_stamp_key(user_id),
                {"version": token_version, "reason": reason.value},
                timeout=_stamp_timeout(),
            )
        except Exception:
            logger.warning("session stamp of user %s not written", user_id, exc_info=True)
    layer = get_channel_layer()
    if layer is None:
        return
    event = {
        "type": SESSION_END_EVENT,
        "reason": reason.value,
        "token_version": token_version,
        "jti": jti,
    }
    for attempt in range(1, ANNOUNCE_ATTEMPTS + 1):
        try:
            async_to_sync(layer.group_send)(user_group(user_id), event)
            return
        except Exception:  # a slow first connection of this process to Redis: again
            if attempt == ANNOUNCE_ATTEMPTS:
                logger.warning("session end of user %s not announced", user_id, exc_info=True)


def session_end_applies(session: SocketSession, event: dict[str, Any]) -> bool:
    """Whether a `session.end` event ends this socket's session."""
    if event.get("jti") is not None:
        return event["jti"] == session.jti
    version = event.get("token_version")
    return version is None or session.token_version < version


def session_stamp_reason(session: SocketSession) -> SessionEndReason | None:
    """The reason the session ended according to the cache (one round trip), or None: the
    socket's token is on the logout denylist, or the user's version stamp is newer."""
    return session_stamp_reasons([session])[0]


def session_stamp_keys(session: SocketSession) -> tuple[str, str]:
    """The cache keys of `session`'s stamps: its token's denylist entry, its user's version
    stamp (read together, by `session_stamp_reasons` or by a caller with its own round trip)."""
    return denylist_key(session.jti), _version_stamp_key(session.user_id)


def session_stamp_reason_of(
    session: SocketSession, values: dict[str, Any]
) -> SessionEndReason | None:
    """What the stamps read (`values`: cache key → value, missing keys absent) say of
    `session`: LOGOUT, the version stamp's reason, EXPIRED, or None (it holds)."""
    denylisted, version_key = session_stamp_keys(session)
    stamp = values.get(version_key)
    if values.get(denylisted) is not None:
        return SessionEndReason.LOGOUT
    if isinstance(stamp, dict) and stamp.get("version", 0) > session.token_version:
        return SessionEndReason(stamp.get("reason", SessionEndReason.SESSIONS_REVOKED))
    if session.is_expired():
        return SessionEndReason.EXPIRED
    return None


def session_stamp_reasons(sessions: list[SocketSession]) -> list[SessionEndReason | None]:
    """`session_stamp_reason` of many sockets in one cache round trip (a server process checks
    the sockets due in the same moment together)."""
    keys = {key for session in sessions for key in session_stamp_keys(session)}
    values = cache.get_many(list(keys))
    return [session_stamp_reason_of(session, values) for session in sessions]


def session_check(session: SocketSession) -> SessionEndReason | None:
    """The full check against the source of truth (one query and one cache read): the logout
    denylist, then the user row — gone, inactive (banned), or a newer `token_version`."""
    return session_checks([session])[0]


def session_checks(sessions: list[SocketSession]) -> list[SessionEndReason | None]:
    """`session_check` of many sockets in one query and one cache read (a server process
    checks the sockets due in the same moment together)."""
    live = [session for session in sessions if not session.is_expired()]
    denylisted = cache.get_many([denylist_key(session.jti) for session in live])
    rows = {
        user_id: (is_active, token_version)
        for user_id, is_active, token_version in User.objects.filter(
            pk__in={session.user_id for session in live}
        ).values_list("id", "is_active", "token_version")
    }
    return [
        session_check_of(
            session,
            denylisted=denylisted.get(denylist_key(session.jti)) is not None,
            row=rows.get(session.user_id),
        )
        for session in sessions
    ]


# The user-row read of `session_checks`, for a caller that runs it itself (chat's event loop:
# chat/loop_send.py): one parameter, the list of user ids.
USER_ROWS_SQL = f"SELECT id, is_active, token_version FROM {User._meta.db_table} WHERE id = ANY(%s)"  # noqa: S608 - the model's table


def session_check_of(
    session: SocketSession, *, denylisted: bool, row: tuple[bool, int] | None
) -> SessionEndReason | None:
    """What `session_check` says of `session` from what it read: whether its token is on the
    logout denylist, and its user's `(is_active, token_version)` (None: no such user)."""
    if session.is_expired():
        return SessionEndReason.EXPIRED
    if denylisted:
        return SessionEndReason.LOGOUT
    if row is None:
        return SessionEndReason.ACCOUNT_DELETED
    if not row[0]:
        return SessionEndReason.BANNED
    if row[1] != session.token_version:
        return SessionEndReason.SESSIONS_REVOKED
    return None


# ---------------------------------------------------------------------------------------------
# Tickets: `/ws?ticket=`, no access token in the URL (docs/RELIABILITY.md, "No credential in a
# logged URL")
# ---------------------------------------------------------------------------------------------
def _ticket_key(ticket: str) -> str:
    # Keyed by a digest: the cache's key list never holds a usable ticket.
    return _TICKET_PREFIX + hashlib.sha256(ticket.encode()).hexdigest()


def ws_ticket_issue(*, user: User, token: Any) -> tuple[str, int]:
    """A single-use ticket for one WebSocket handshake of `user`, valid `WS_TICKET_SECONDS`.

    The socket it opens carries the session of `token` (the access token that asked for it):
    logging that token out closes the socket, and it ends at that token's expiry. Returns
    `(ticket, expires_in)`.
    """
    session = SocketSession.from_token(user=user, token=token)
    ticket = secrets.token_urlsafe(32)
    lifetime = int(settings.WS_TICKET_SECONDS)
    cache.set(
        _ticket_key(ticket),
        {
            "user_id": str(session.user_id),
            "jti": session.jti,
            "expires_at": session.expires_at,
            "token_version": session.token_version,
        },
        timeout=lifetime,
    )
    return ticket, lifetime


def ws_ticket_redeem(ticket: str) -> tuple[User, SocketSession]:
    """The user and session of a ticket, which is used up by this call (of two concurrent
    redemptions exactly one succeeds: only one deletes the entry). Raises `InvalidToken` for an
    unknown, used or expired ticket, and for a session that ended since it was issued."""
    key = _ticket_key(ticket)
    stored = cache.get(key)
    if not isinstance(stored, dict) or not cache.delete(key):
        raise InvalidToken(_("Ticket is invalid, used or expired."))
    session = SocketSession(
        user_id=UUID(stored["user_id"]),
        jti=stored["jti"],
        expires_at=stored["expires_at"],
        token_version=stored["token_version"],
    )
    if session.is_expired() or access_token_is_revoked(jti=session.jti):
        raise InvalidToken(_("Token has been revoked."))
    user = User.objects.filter(pk=session.user_id).first()
    if user is None or not user.is_active or user.token_version != session.token_version:
        raise InvalidToken(_("Token has been revoked."))
    return user, session
