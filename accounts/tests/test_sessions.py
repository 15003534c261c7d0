"""`accounts.sessions`: what ends a socket's session (the sockets themselves: chat/tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from accounts.services import user_ban, user_tokens_revoke
from accounts.sessions import (
    SessionEndReason,
    SocketSession,
    session_check,
    session_checks,
    session_end_applies,
    session_stamp_reason,
)
from accounts.tokens import tokens_for_user

# `obj.token_version = ...` (or +=), `.update(token_version=...)`, an `update_fields` or a
# `setattr` naming it.
_WRITES = re.compile(
    r"\.token_version\s*\+?=(?!=)|\.update\(.*\btoken_version\s*="
    r"|update_fields=.*[\"']token_version[\"']|setattr\(.*[\"']token_version[\"']"
)


def test_every_token_version_bump_goes_through_the_revocation_service():
    """`accounts.services.user_tokens_revoke` is the one writer of `token_version`, because it
    is what announces the end to the user's sockets: a new writer must call it instead."""
    root = Path(settings.BASE_DIR)
    found = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in (".venv", "var") or "tests" in parts or "migrations" in parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if _WRITES.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")

    assert len(found) == 1, "token_version written outside user_tokens_revoke:\n" + "\n".join(found)
    assert found[0].startswith("accounts/services.py:")
    assert 'update(token_version=F("token_version") + 1)' in found[0]


# --- the checks a socket runs, and what they cost -------------------------------------------


@pytest.fixture
def session(make_user):
    user = make_user(role="model")
    return user, SocketSession.from_token(user=user, token=tokens_for_user(user).access_token)


@pytest.mark.django_db
def test_the_per_frame_check_reads_the_cache_only(session, django_assert_num_queries):
    _, socket_session = session

    with django_assert_num_queries(0):
        assert session_stamp_reason(socket_session) is None


@pytest.mark.django_db
def test_the_periodic_check_is_one_query(session, django_assert_num_queries):
    _, socket_session = session

    with django_assert_num_queries(1):
        assert session_check(socket_session) is None


@pytest.mark.django_db
def test_the_periodic_checks_of_many_sockets_are_one_query_with_each_verdict(
    make_user, django_assert_num_queries
):
    """Each way a session ends, checked together with one that holds, in one query: every
    socket gets the verdict `session_check` gives it alone."""
    import dataclasses

    from accounts.models import User
    from accounts.tokens import access_token_revoke

    def opened(user):
        token = tokens_for_user(user).access_token
        return token, SocketSession.from_token(user=user, token=token)

    holds, logged_out, banned, revoked, deleted = (make_user(role="model") for _ in range(5))
    sessions = {name: opened(user) for name, user in [
        ("holds", holds), ("logged out", logged_out), ("banned", banned),
        ("revoked", revoked), ("deleted", deleted),
    ]}  # fmt: skip
    access_token_revoke(token=sessions["logged out"][0])
    User.objects.filter(pk=banned.pk).update(is_active=False)  # not through a service: no stamp
    User.objects.filter(pk=revoked.pk).update(token_version=5)
    User.objects.filter(pk=deleted.pk).delete()
    expired = dataclasses.replace(sessions["holds"][1], expires_at=1.0)
    checked = [session for _token, session in sessions.values()] + [expired]

    with django_assert_num_queries(1):
        reasons = session_checks(checked)

    assert reasons == [
        None,
        SessionEndReason.LOGOUT,
        SessionEndReason.BANNED,
        SessionEndReason.SESSIONS_REVOKED,
        SessionEndReason.ACCOUNT_DELETED,
        SessionEndReason.EXPIRED,
    ]
    assert reasons == [session_check(session) for session in checked]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("end", "reason"),
    [
        (lambda user: user_ban(user=user), SessionEndReason.BANNED),
        (lambda user: user_tokens_revoke(user=user), SessionEndReason.SESSIONS_REVOKED),
    ],
)
def test_a_revocation_stamps_the_cache_on_commit(
    session, django_capture_on_commit_callbacks, end, reason
):
    user, socket_session = session

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        end(user)
    assert session_stamp_reason(socket_session) is None  # nothing before the commit
    for callback in callbacks:
        callback()

    assert session_stamp_reason(socket_session) == reason
    assert session_check(socket_session) in (reason, SessionEndReason.SESSIONS_REVOKED)


def test_a_session_end_event_names_the_sockets_it_ends():
    from uuid import uuid4

    socket_session = SocketSession(user_id=uuid4(), jti="a", expires_at=2e9, token_version=3)

    assert session_end_applies(socket_session, {"jti": "a"})
    assert not session_end_applies(socket_session, {"jti": "b"})
    assert session_end_applies(socket_session, {"jti": None, "token_version": 4})
    assert not session_end_applies(socket_session, {"jti": None, "token_version": 3})
