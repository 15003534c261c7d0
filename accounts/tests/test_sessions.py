"""`accounts.sessions`: what ends a socket's session (the sockets themselves: chat/tests)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

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
