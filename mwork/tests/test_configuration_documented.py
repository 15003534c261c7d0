"""Every environment variable the settings read is documented: a row of docs/DEPLOY.md's
configuration table and a line of `.env.example` (what an operator reads before deploying)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READ_BY_SETTINGS = sorted(
    set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', (ROOT / "mwork/settings.py").read_text()))
)


def test_the_settings_read_variables():
    assert len(READ_BY_SETTINGS) > 50  # the pattern still finds them


@pytest.mark.parametrize("document", ["docs/DEPLOY.md", ".env.example"])
def test_every_variable_is_documented(document):
    text = (ROOT / document).read_text()
    missing = [name for name in READ_BY_SETTINGS if not re.search(rf"\b{name}\b", text)]
    assert missing == [], f"{document} does not mention {missing}"
