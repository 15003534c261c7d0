"""Production start-up: `manage.py check --deploy` is clean with a production-like environment,
and the unsafe switches cannot reach production — with DJANGO_DEBUG=0 the checkout simulator,
a missing REDIS_URL or missing secrets stop the process at settings import (docs/RELIABILITY.md,
"Unsafe switches")."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "mwork.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)[:50],
    "ALLOWED_HOSTS": "api.mwork.kz",
    "ROBOKASSA_SIMULATOR": "0",
    "ROBOKASSA_MERCHANT_LOGIN": "mwork",
    "ROBOKASSA_PASSWORD_1": "merchant-password-1",
    "ROBOKASSA_PASSWORD_2": "merchant-password-2",
    # Never contacted: the checks only look at the configured backends.
    "REDIS_URL": "redis://127.0.0.1:6379/15",
}


def run_check(**env_overrides: str) -> subprocess.CompletedProcess:
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env_overrides)


def start_up(**env_overrides: str) -> subprocess.CompletedProcess:
    """What every server, worker and command does first: import the settings."""
    return _run(["-c", "import mwork.settings"], env_overrides)


def _run(args: list[str], env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, **PRODUCTION, **env_overrides}
    # The test session's own switches are not production's.
    for name in ("SECURE_SSL_REDIRECT", "MWORK_NON_PRODUCTION"):
        if name not in env_overrides:
            env.pop(name, None)
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_refused(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr, result.stderr[-2000:]


@pytest.mark.slow
def test_deploy_check_has_no_security_or_configuration_warnings():
    result = run_check()

    output = result.stdout + result.stderr
    ids = set(re.findall(r"\(([a-z_]+\.[A-Z]\d{3})\)", output))
    # drf-spectacular's schema warnings are the schema tests' business (test_schema.py).
    assert {i for i in ids if not i.startswith("drf_spectacular.")} == set(), output
    assert result.returncode == 0, output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("missing", "message"),
    [("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY is not set"), ("ALLOWED_HOSTS", "ALLOWED_HOSTS")],
)
def test_start_up_stops_without_secrets_when_debug_is_off(missing, message):
    assert_refused(start_up(**{missing: ""}), message)


@pytest.mark.slow
def test_the_checkout_simulator_refuses_to_start_with_debug_off():
    result = start_up(ROBOKASSA_SIMULATOR="1")

    assert_refused(result, "ROBOKASSA_SIMULATOR is on with DJANGO_DEBUG=0")


@pytest.mark.slow
def test_production_without_redis_refuses_to_start():
    result = start_up(REDIS_URL="")

    assert_refused(result, "REDIS_URL is not set")


@pytest.mark.slow
def test_missing_merchant_credentials_do_not_suggest_the_simulator():
    result = start_up(ROBOKASSA_PASSWORD_2="")

    assert_refused(result, "ROBOKASSA_PASSWORD_2 missing")
    assert "SIMULATOR" not in result.stderr


@pytest.mark.slow
def test_a_declared_non_production_run_may_use_both():
    """Test sessions, the benchmark and the reliability harnesses: production settings with the
    simulator and without Redis, only when the run says it is not production."""
    result = start_up(ROBOKASSA_SIMULATOR="1", REDIS_URL="", MWORK_NON_PRODUCTION="1")

    assert result.returncode == 0, result.stderr[-2000:]
