"""pip-audit over the pinned requirements, degrading clearly where its database is unreachable.

    .venv/bin/python .ci/pip_audit.py            # requirements.txt and requirements-dev.txt

pip-audit asks PyPI's JSON API (the `vulns` of each release, fed by the PyPA advisory
database) about every pinned package — `--disable-pip --no-deps`: the files are fully pinned by
`uv pip compile`, so no resolver is run. Outcomes:

- vulnerabilities found                      → they are listed, exit 1 (CI fails);
- every package audited, none vulnerable     → exit 0;
- the service cannot be reached, or answers for none of the packages (a registry mirror
  without the JSON API, no DNS, no network)  → a clear "NOT AUDITED" message, exit 0, so a
  sandbox without that service does not fail CI (run it where PyPI is reachable);
- some packages audited, others not          → the skipped ones are listed, exit 0.

Known and accepted advisories can be ignored with `PIP_AUDIT_IGNORE="GHSA-xxxx PYSEC-yyyy"`.
"""

# ruff: noqa: T201 - a command-line report
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("requirements.txt", "requirements-dev.txt")
TIMEOUT = int(os.environ.get("PIP_AUDIT_TIMEOUT", "180"))


def audit(requirements: Path) -> tuple[int, list[dict], list[dict], str]:
    """(exit code, audited deps, skipped deps, stderr) of one pip-audit run."""
    command = [
        str(Path(sys.executable).parent / "pip-audit"),
        "--disable-pip",
        "--no-deps",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "-r",
        str(requirements),
    ]
    for advisory in os.environ.get("PIP_AUDIT_IGNORE", "").split():
        command += ["--ignore-vuln", advisory]
    try:
        done = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
            command, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return -1, [], [], f"pip-audit did not finish in {TIMEOUT} s"
    try:
        report = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = [d for d in deps if not d.get("skip_reason")]
    return done.returncode, audited, skipped, done.stderr


def main() -> int:
    status = 0
    for name in FILES:
        path = ROOT / name
        code, audited, skipped, stderr = audit(path)
        vulnerable = [d for d in audited if d.get("vulns")]
        if vulnerable:
            print(f"pip-audit {name}: {len(vulnerable)} vulnerable package(s)")
            for dep in vulnerable:
                for vuln in dep["vulns"]:
                    fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
                    print(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
            status = 1
        elif not audited:
            reason = (
                skipped[0]["skip_reason"] if skipped else (stderr.strip().splitlines() or ["?"])[-1]
            )
            print(
                f"pip-audit {name}: NOT AUDITED — the vulnerability service is unreachable "
                f"from here ({len(skipped)} packages skipped; e.g. {reason}). "
                "Run `make audit` where PyPI's JSON API is reachable."
            )
        elif code not in (0, 1):
            print(f"pip-audit {name}: failed to run (exit {code}): {stderr.strip()[-500:]}")
        else:
            print(f"pip-audit {name}: {len(audited)} packages audited, no known vulnerabilities")
            if skipped:
                names = ", ".join(d["name"] for d in skipped)
                print(f"  not audited ({len(skipped)}): {names}")
    return status


if __name__ == "__main__":
    sys.exit(main())
