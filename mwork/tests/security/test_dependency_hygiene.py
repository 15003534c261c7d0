"""Dependency hygiene: the pip-audit step of CI, and ruff's security rules (`S`, bandit).

The audit step (`.ci/pip_audit.py`, `make audit`) is tested against pip-audit's JSON answers
for the three situations it must tell apart: vulnerable packages fail CI, a clean audit
passes, and an unreachable vulnerability service is reported as NOT AUDITED without failing.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def audit_module():
    spec = importlib.util.spec_from_file_location("ci_pip_audit", ROOT / ".ci" / "pip_audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_pip_audit(monkeypatch, module, dependencies, returncode=0, stderr=""):
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        out = json.dumps({"dependencies": dependencies, "fixes": []})
        return SimpleNamespace(returncode=returncode, stdout=out, stderr=stderr)

    monkeypatch.setattr(module.subprocess, "run", run)
    return calls


def test_a_vulnerable_pin_fails_ci(audit_module, monkeypatch, capsys):
    deps = [
        {
            "name": "django",
            "version": "4.2.0",
            "vulns": [{"id": "GHSA-1", "fix_versions": ["4.2.1"]}],
        },
        {"name": "six", "version": "1.17.0", "vulns": []},
    ]
    calls = _fake_pip_audit(monkeypatch, audit_module, deps, returncode=1)

    status = audit_module.main()

    assert status == 1
    assert "django 4.2.0: GHSA-1 (fixed in 4.2.1)" in capsys.readouterr().out
    assert all({"--disable-pip", "--no-deps"} <= set(c) for c in calls)


def test_a_clean_audit_passes(audit_module, monkeypatch, capsys):
    _fake_pip_audit(monkeypatch, audit_module, [{"name": "six", "version": "1", "vulns": []}])

    assert audit_module.main() == 0
    assert "no known vulnerabilities" in capsys.readouterr().out


def test_an_unreachable_service_degrades_with_a_clear_message(audit_module, monkeypatch, capsys):
    skipped = [{"name": "six", "skip_reason": "Dependency not found on PyPI: six (1.17.0)"}]
    _fake_pip_audit(monkeypatch, audit_module, skipped)

    assert audit_module.main() == 0
    assert "NOT AUDITED" in capsys.readouterr().out


def test_accepted_advisories_can_be_ignored(audit_module, monkeypatch):
    monkeypatch.setenv("PIP_AUDIT_IGNORE", "GHSA-aaaa PYSEC-bbbb")
    calls = _fake_pip_audit(monkeypatch, audit_module, [])

    audit_module.main()

    assert calls[0].count("--ignore-vuln") == 2


def test_pip_audit_is_pinned_with_the_dev_requirements():
    pins = (ROOT / "requirements-dev.txt").read_text()

    assert "\npip-audit==" in pins
    assert "\nschemathesis==" in pins
    assert "\nhypothesis==" in pins


def test_ruff_security_rules_are_selected_and_clean():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"S"' in pyproject

    result = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).parent / "ruff"), "check", "--select", "S", "--quiet", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:]
