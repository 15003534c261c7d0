"""Schemathesis over every operation of /api/v1/schema, anonymous and as each role.

`make test` runs the bounded profile (MWORK_FUZZ_PROFILE=ci, a few examples per operation and
mode, derandomized); `make fuzz` the long one (MWORK_FUZZ_PROFILE=long). Each run leaves its
figures in var/fuzz/contract-<identity>-<profile>.json (docs/RELIABILITY.md quotes them).
"""

from __future__ import annotations

import time

import pytest

from conftest import access_token_for
from mwork.tests.fuzz.harness import (
    FuzzReport,
    examples_per_operation,
    fuzz_operation,
    is_public,
    operations,
    write_figures,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

IDENTITIES = ["anonymous", "model", "employer", "agency", "staff"]


@pytest.mark.timeout(900)  # a busy machine; the ci profile takes ~10-25 s per identity
@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_operation_holds_its_contract(identity, world, outbound_guard):
    headers = {}
    if identity != "anonymous":
        headers["Authorization"] = f"Bearer {access_token_for(world.users()[identity])}"
    report = FuzzReport()
    ops = operations()
    started = time.monotonic()
    for operation in ops:
        examples = examples_per_operation()
        if identity == "anonymous" and not is_public(operation):
            examples = 1  # every answer is the same 401; one example per mode proves it
        fuzz_operation(
            operation, headers=headers, pools=world.pools, report=report, max_examples=examples
        )

    write_figures(
        f"contract-{identity}",
        {
            "identity": identity,
            "operations": len(ops),
            "requests": report.requests,
            "seconds": round(time.monotonic() - started, 1),
            "statuses": dict(sorted(report.statuses.items())),
            "failures": report.lines(),
            "outbound_attempts": outbound_guard,
        },
    )
    assert report.requests >= len(ops)
    assert outbound_guard == [], "a fuzzed request made the server reach outside this machine"
    assert not report.failures, "\n".join(report.lines())
