"""`manage.py check --deploy` is clean with a production-like environment."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def run_check(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mwork.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "ALLOWED_HOSTS": "api.mwork.kz",
        "ROBOKASSA_SIMULATOR": "1",
        **env_overrides,
    }
    for name in ("SECURE_SSL_REDIRECT",):  # test settings turn it off; production does not
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_deploy_check_has_no_security_or_configuration_warnings():
    result = run_check()

    output = result.stdout + result.stderr
    ids = set(re.findall(r"\(([a-z_]+\.[A-Z]\d{3})\)", output))
    # drf-spectacular's schema warnings are the schema tests' business (test_schema.py).
    assert {i for i in ids if not i.startswith("drf_spectacular.")} == set(), output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("missing", "message"),
    [("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY is not set"), ("ALLOWED_HOSTS", "ALLOWED_HOSTS")],
)
def test_start_up_stops_without_secrets_when_debug_is_off(missing, message):
    result = run_check(**{missing: ""})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
