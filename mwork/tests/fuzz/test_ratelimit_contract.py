"""Every operation whose schema documents 429 produces it, and the answer conforms.

With every rate limit at 1 request a day, each operation is called twice (as the first
identity the permissions let through, so the throttle is reached): the second answer must be
the 429 the schema documents — status, content type, body schema, the required `Retry-After`
header (schemathesis' response checks) and the error envelope. The world-building and the
in-process WSGI transport are the contract fuzzer's (`mwork/tests/fuzz/harness.py`).
"""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.db import transaction
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import access_token_for
from mwork.tests.fuzz.harness import envelope_problem, in_process_requests, operations

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
LIMITS = (
    "RATELIMIT_API",
    "RATELIMIT_AUTH",
    "RATELIMIT_UPLOAD",
    "RATELIMIT_WEBHOOK",
    "RATELIMIT_CHAT_MESSAGE",
)


def _path_parameters(operation, pools) -> dict[str, str]:
    names = [p.name for p in operation.path_parameters]
    return {name: (pools.get(name) or [str(uuid.uuid4())])[0] for name in names}


@pytest.mark.timeout(600)
def test_every_documented_429_is_produced_and_conforms(world, outbound_guard, settings):
    settings.RATELIMIT_ENABLE = True
    for name in LIMITS:
        setattr(settings, name, "1/d")  # a day's window: both calls always fall in one
    identities = {"anonymous": None, **world.users()}

    def headers_of(user) -> dict[str, str]:
        # A token minted per call: logging out revokes the one it was called with.
        return {} if user is None else {"Authorization": f"Bearer {access_token_for(user)}"}

    problems, checked = [], 0
    ops = operations()  # before the block: loading the schema re-enters in_process_requests()
    with in_process_requests():
        for operation in ops:
            if "429" not in operation.definition.raw.get("responses", {}):
                continue
            answers = []
            for identity, user in identities.items():
                case = operation.Case(path_parameters=_path_parameters(operation, world.pools))
                cache.clear()
                with transaction.atomic():
                    first = case.call(headers=headers_of(user))
                    second = case.call(headers=headers_of(user))
                    transaction.set_rollback(True)
                answers.append(f"{identity}: {first.status_code}, {second.status_code}")
                if second.status_code == 429:
                    break
            else:
                problems.append(f"{operation.label}: never 429 ({'; '.join(answers)})")
                continue
            checked += 1
            try:
                case.validate_response(second, checks=CHECKS)
            except (AssertionError, BaseExceptionGroup) as exc:
                problems.append(f"{operation.label}: {' '.join(str(exc).split())[:400]}")
            problem = envelope_problem(second, operation)
            if problem:
                problems.append(f"{operation.label}: {problem}")

    assert checked > 50
    assert outbound_guard == []
    assert not problems, "\n".join(problems)
