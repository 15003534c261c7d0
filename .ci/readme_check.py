"""The README paste test: serve a fresh `make run` and run every walkthrough against it.

    python .ci/readme_check.py            (make readme-check; the last step of .ci/run)
    python .ci/readme_check.py --port 8000 --only agency   (against a running make run, with
                                          its MWORK_VAR_DIR exported; while editing the README)

`make run` starts on a free port with a fresh var directory (SQLite, demo data, embedded
defaults; DATABASE_URL and REDIS_URL are ignored). Then each `###` section under the README's
"## Walkthroughs", and each of the "## Walkthrough" sections of docs/*.md, runs in its own
`bash -e -o pipefail` after the README's setup block (the first ```bash block of
"## Walkthroughs"), from the repository root, as a reader pastes it; the only edit is the port
in `127.0.0.1:8000`. A section fails on a non-zero exit or on any error
envelope the README does not announce: a comment `# → 403 CODE` (status, optional error code)
announces the error of the commands below it, up to the next blank or comment line, and that
error must then happen. Blocks of other languages (```text, ```json) are not run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DEFAULT_ADDRESS = "127.0.0.1:8000"
EXPECT = re.compile(r"^\s*#\s*→\s*(\d{3})(?:\s+([A-Z][A-Z0-9_]+))?")
SERVER_START_SECONDS = 480  # a loaded shared machine; an idle one serves in ~30 s
SECTION_SECONDS = 180  # generous: a loaded 2-core machine boots Django in 20 s
NO_RELOAD = "RUNSERVER_ARGS=--noreload"  # no file watcher: a second process and its polling

# Runs before the README's own lines: every curl's answer is kept (with the README line that ran
# it) so that error envelopes can be checked against the text afterwards.
PRELUDE = r"""
__answers=$1; shift
curl() {
  local out rc
  out=$(mktemp "$__answers/body.XXXXXX")
  command curl "$@" >"$out" && rc=0 || rc=$?
  cat "$out"
  mv "$out" "$out.line${BASH_LINENO[${#BASH_LINENO[@]}-2]}"
  return $rc
}
"""


@dataclass
class Block:
    start: int  # line of the block's first line in its file (1-based)
    lines: list[str]


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)


def parse(text: str, *, name: str = "") -> tuple[Block | None, list[Section]]:
    """The setup block and the walkthrough sections (with their bash blocks) of a Markdown file.

    In the README the walkthroughs are the `###` sections of "## Walkthroughs" (the block
    before the first of them is the setup block); in docs/ a "## Walkthrough" section, split
    at its `###` headings.
    """
    setup: Block | None = None
    sections: list[Section] = []
    in_walkthroughs = False
    fence: str | None = None
    block: Block | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if fence is not None:
            if line.startswith("```"):
                if block is not None and in_walkthroughs:
                    if sections:
                        sections[-1].blocks.append(block)
                    elif setup is None and not name:
                        setup = block
                fence, block = None, None
            elif block is not None:
                block.lines.append(line)
            continue
        if line.startswith("```"):
            fence = line[3:].strip()
            block = Block(start=number + 1, lines=[]) if fence in {"bash", "sh", "shell"} else None
        elif line.startswith("## "):
            in_walkthroughs = line.startswith("## Walkthrough")
            if in_walkthroughs and name:
                sections.append(Section(title=name))
        elif line.startswith("### ") and in_walkthroughs:
            title = line[4:].strip()
            sections.append(Section(title=f"{name}: {title}" if name else title))
    return setup, [section for section in sections if section.blocks]


def walkthroughs() -> tuple[Block | None, list[tuple[Path, Section]]]:
    """The README's setup block, then its walkthroughs and those of docs/*.md, in order."""
    setup, sections = parse(README.read_text())
    found = [(README, section) for section in sections]
    for doc in sorted((ROOT / "docs").glob("*.md")):
        found += [(doc, section) for section in parse(doc.read_text(), name=doc.name)[1]]
    return setup, found


def expectations(block: Block) -> dict[int, tuple[int, str | None]]:
    """README line → (status, code) the text announces for the command on that line."""
    expected: dict[int, tuple[int, str | None]] = {}
    current: tuple[int, str | None] | None = None
    for offset, line in enumerate(block.lines):
        match = EXPECT.match(line)
        if match:
            current = (int(match.group(1)), match.group(2))
        elif not line.strip() or line.lstrip().startswith("#"):
            current = None
        elif current is not None:
            expected[block.start + offset] = current
    return expected


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen | None, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise SystemExit(f"make run exited with {server.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - local server
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"make run did not answer {url} within {SERVER_START_SECONDS} s")


def run_section(
    section: Section, setup: Block, port: int, env: dict[str, str], answers: Path
) -> list[str]:
    """Run one section; the problems found (empty when it passed)."""
    script_lines = PRELUDE.strip("\n").splitlines()
    readme_line: dict[int, int] = {}  # script line → README line
    for block in (setup, *section.blocks):
        for offset, line in enumerate(block.lines):
            script_lines.append(line.replace(DEFAULT_ADDRESS, f"127.0.0.1:{port}"))
            readme_line[len(script_lines)] = block.start + offset
    expected: dict[int, tuple[int, str | None]] = {}
    for block in section.blocks:
        expected.update(expectations(block))

    for stale in answers.iterdir():
        stale.unlink()
    script = answers.parent / "section.sh"
    script.write_text("\n".join(script_lines) + "\n")
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own script
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", str(script), str(answers)],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a timeout ends the section's commands too, not only bash
    )
    try:
        stdout, stderr = process.communicate(timeout=SECTION_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return [f"did not finish within {SECTION_SECONDS} s"]
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    elapsed = time.monotonic() - started
    problems = []
    if done.returncode != 0:
        problems.append(f"exit status {done.returncode}")
    seen: set[int] = set()
    for answer in sorted(answers.glob("body.*.line*")):
        line = readme_line.get(int(answer.name.rsplit(".line", 1)[1]))
        try:
            body = json.loads(answer.read_bytes())
        except ValueError:
            continue  # not JSON (a CSV, a redirect address, an HTML page)
        if not isinstance(body, dict) or body.get("status") != "error":
            continue
        code = (body.get("error") or {}).get("code")
        if line in expected and expected[line][1] in (None, code):
            seen.add(line)
            continue
        shown = json.dumps(body, ensure_ascii=False)[:300]
        problems.append(f"line {line}: unexpected error {shown}")
    announced = {expected[line] for line in expected} - {expected[line] for line in seen}
    if done.returncode == 0:
        problems += [
            f"announced error {status} {code or ''} did not happen" for status, code in announced
        ]
    print(f"  {'ok  ' if not problems else 'FAIL'} {section.title} ({elapsed:.1f} s)")  # noqa: T201
    if problems:
        problems += [f"stdout:\n{done.stdout[-3000:]}", f"stderr:\n{done.stderr[-3000:]}"]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, help="use the make run already serving on this port")
    parser.add_argument("--only", default="", help="run the sections whose title contains this")
    args = parser.parse_args()
    setup, found = walkthroughs()
    if setup is None or not found:
        print("README.md: no setup block or no walkthroughs under '## Walkthroughs'")  # noqa: T201
        return 1
    found = [(doc, s) for doc, s in found if args.only.lower() in s.title.lower()]
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="mwork-readme-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    server = None
    if args.port:
        port = args.port
    else:
        port = free_port()
        env |= {
            "MWORK_VAR_DIR": str(work / "var"),
            "DATABASE_URL": f"sqlite:///{work / 'var' / 'db.sqlite3'}",
            "REDIS_URL": "",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DATABASE_REPLICA_URL", None)
        log = (work / "server.log").open("w")
        server = subprocess.Popen(  # noqa: S603
            ["make", "--no-print-directory", "run", "HOST=127.0.0.1", f"PORT={port}", NO_RELOAD],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    failures: dict[str, list[str]] = {}
    try:
        health = f"http://127.0.0.1:{port}/api/v1/health"
        wait_until_healthy(health, server, time.monotonic() + SERVER_START_SECONDS)
        print(f"make run serves on port {port} after {time.monotonic() - started:.1f} s")  # noqa: T201
        (ROOT / "var").mkdir(exist_ok=True)  # the walkthroughs save their files under var/
        answers = work / "answers"
        answers.mkdir()
        for doc, section in found:
            problems = run_section(section, setup, port, env, answers)
            if problems:
                failures[f"{doc.relative_to(ROOT)}: {section.title}"] = problems
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
            log.close()
    for title, problems in failures.items():
        print(f"\n== {title}\n" + "\n".join(problems))  # noqa: T201
    if failures and server is not None:
        print("\nserver log (tail):\n" + (work / "server.log").read_text()[-4000:])  # noqa: T201
    else:
        shutil.rmtree(work, ignore_errors=True)
    total = time.monotonic() - started
    passed = len(found) - len(failures)
    print(f"README check: {passed}/{len(found)} walkthroughs passed in {total:.1f} s")  # noqa: T201
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
