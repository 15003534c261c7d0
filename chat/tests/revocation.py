"""Every way a session ends, through its real entry point — for the socket tests.

`revoke(path, ...)` runs in the test's process; `python -m chat.tests.revocation` runs the same
function in another OS process (another "server"), one JSON command per stdin line, answering
`ok` or `error: ...` per line. Both share the test database and Redis.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from typing import Any

PATHS = ("logout", "password_change", "password_reset", "ban", "revoke_all", "account_deletion")
# The error frame each path ends a socket with: (code, details.reason).
EXPECTED_ERROR = {
    "logout": ("INVALID_TOKEN", "logout"),
    "password_change": ("INVALID_TOKEN", "password_changed"),
    "password_reset": ("INVALID_TOKEN", "password_changed"),
    "ban": ("ACCOUNT_DISABLED", "banned"),
    "revoke_all": ("INVALID_TOKEN", "sessions_revoked"),
    "account_deletion": ("INVALID_TOKEN", "account_deleted"),
}
NEW_PASSWORD = "A-new-password-9173"


def _ok(response: Any) -> None:
    if response.status_code >= 300:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")


def revoke(path: str, *, user_id: str, access_token: str, refresh_token: str) -> None:
    """End the session of `access_token` (logout) or every session of the user."""
    from django.urls import reverse
    from rest_framework.test import APIClient

    from accounts.links import PASSWORD_RESET, link_token_make
    from accounts.models import User
    from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
    from moderation import services as moderation_services

    # A fresh address per call: the auth endpoints' per-address limit is not what is tested.
    client = APIClient(REMOTE_ADDR=f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.1")
    if path == "logout":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
        _ok(client.post(reverse("accounts:logout"), {"refresh_token": refresh_token}))
    elif path == "password_change":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
        body = {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
        _ok(client.post(reverse("accounts:change-password"), body, format="json"))
    elif path == "password_reset":
        token = link_token_make(user=User.objects.get(pk=user_id), purpose=PASSWORD_RESET)
        body = {"token": token, "new_password": NEW_PASSWORD}
        _ok(client.post(reverse("accounts:password-reset-confirm"), body, format="json"))
    elif path == "ban":
        staff = UserFactory(staff=True, is_superuser=True)
        moderation_services.user_ban(actor=staff, user=User.objects.get(pk=user_id), reason="Spam")
    elif path == "revoke_all":
        # Reusing a rotated refresh token signs the user out everywhere.
        url = reverse("accounts:refresh")
        _ok(client.post(url, {"refresh_token": refresh_token}, format="json"))
        reused = client.post(url, {"refresh_token": refresh_token}, format="json")
        if reused.status_code != 401:
            raise AssertionError(f"reuse answered {reused.status_code}")
    elif path == "account_deletion":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
        body = {"password": DEFAULT_PASSWORD}
        _ok(client.delete(reverse("privacy:me"), body, format="json"))
    else:
        raise ValueError(path)


def _serve() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwork.test_settings")
    django.setup()
    from django.db import connections

    print("ready", flush=True)  # noqa: T201 - the protocol of this worker
    for line in sys.stdin:
        command = json.loads(line)
        try:
            revoke(command.pop("path"), **command)
        except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
            print(f"error: {error!r}", flush=True)  # noqa: T201
        else:
            print("ok", flush=True)  # noqa: T201
        finally:
            connections.close_all()  # the test database is flushed and dropped by the test


if __name__ == "__main__":
    _serve()
