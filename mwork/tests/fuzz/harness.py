"""Contract fuzzing of the project's own OpenAPI schema with schemathesis, in-process over WSGI.

Every operation of `/api/v1/schema` is driven by schemathesis' Hypothesis strategies (positive
and negative data) through `django.core.wsgi`'s application, as a given identity. Real ids of
the two-party world replace generated path parameters and id-like body fields half of the time,
so deep paths (a casting's responses, a room's messages, ...) are reached, not only 404s.

Each example runs inside a savepoint that is rolled back afterwards (and the cache is cleared),
so examples are independent and the world stays intact. Failures are collected, not raised, so
no time goes into shrinking; one line per (operation, failure kind) is reported.

Checks per response: no 5xx; the status code is documented; the content type is documented;
the body matches the documented schema; the envelope (`{"status": "success", ...}` or
`{"status": "error", "error": {"code", "message"}}`) on every JSON answer.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache as memoize
from typing import Any

import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import negated_parameters
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

SCHEMA_PATH = "/api/v1/schema?format=json"


def _negated(case: Any) -> list[tuple[str, Any]]:
    return list(negated_parameters(case.meta))


def _blank_query_only(case: Any) -> bool:
    """DRF (and this API) reads a blank query parameter as an absent one: `?status=` lists
    everything, like no `status` at all (an empty object or list serializes to nothing at
    all). Not a schema violation that must be refused."""
    negated = _negated(case)
    query = case.query or {}
    return bool(negated) and all(
        location == ParameterLocation.QUERY and query.get(name) in ("", [""], {}, [], None)
        for name, location in negated
    )


def _null_optional_body(case: Any) -> bool:
    """A JSON `null` body for an operation whose body is optional is read as no body."""
    body = case.operation.definition.raw.get("requestBody")
    return case.body is None and body is not None and not body.get("required", False)


def _form_body_not_an_object(case: Any) -> bool:
    """A form or multipart body is a flat set of fields: a negated non-object body (a number,
    a list) or a negation inside a nested object cannot be put on that wire as generated."""
    media_type = (case.media_type or "").split(";")[0]
    if media_type not in FORM_MEDIA_TYPES:
        return False
    if not isinstance(case.body, dict):
        return True
    # Nested objects and lists have no faithful form encoding either, and a blank form field
    # reads as an absent one (HTML form semantics in DRF), like a blank query parameter.
    return any(isinstance(value, dict | list) or value == "" for value in case.body.values())


FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _body_properties(case: Any) -> dict[str, Any]:
    """The documented properties of the case's request body (one level, $refs resolved)."""
    raw = case.operation.schema.raw_schema
    body = case.operation.definition.raw.get("requestBody", {})
    media = body.get("content", {}).get((case.media_type or "").split(";")[0], {})
    node = media.get("schema", {})
    while "$ref" in node:
        node = raw["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    properties = node.get("properties", {})
    resolved = {}
    for name, prop in properties.items():
        while "$ref" in prop:
            prop = raw["components"]["schemas"][prop["$ref"].rsplit("/", 1)[-1]]
        resolved[name] = prop
    return resolved


def _number_for_a_string(case: Any) -> bool:
    """DRF's CharField takes a JSON number and stores its text (`5` → "5"): a number where a
    string is documented is read, not refused — framework-wide, by design of DRF."""
    if not isinstance(case.body, dict):
        return False
    properties = _body_properties(case)
    return any(
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and properties.get(name, {}).get("type") == "string"
        and "enum" not in properties.get(name, {})
        for name, value in case.body.items()
    )


def _limit_over_maximum(case: Any) -> bool:
    """`limit` above its documented maximum is clamped to it (docs/API.md §3), not refused."""
    negated = _negated(case)
    query = case.query or {}
    try:
        over = int(query.get("limit")) > 100
    except (TypeError, ValueError):
        over = False
    return over and all(name == "limit" for name, _location in negated)


def negative_data_rejection_drf(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' `negative_data_rejection`, minus the readings above."""
    if (
        _blank_query_only(case)
        or _limit_over_maximum(case)
        or _null_optional_body(case)
        or _form_body_not_an_object(case)
        or _number_for_a_string(case)
    ):
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection_drf,
]

# Bounded (make test) and long (make fuzz) profiles: examples per operation, per mode.
PROFILES = {"ci": 3, "long": 60}


def fuzz_profile() -> str:
    return os.environ.get("MWORK_FUZZ_PROFILE", "ci")


def examples_per_operation() -> int:
    profile = fuzz_profile()
    if profile.isdigit():
        return int(profile)
    return PROFILES[profile]


def write_figures(name: str, figures: dict) -> None:
    """Leave a run's figures in var/fuzz/<name>.json (docs/RELIABILITY.md quotes them)."""
    from django.conf import settings as django_settings

    out = django_settings.VAR_DIR / "fuzz" / f"{name}-{fuzz_profile()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"profile": fuzz_profile(), **figures}
    out.write_text(json.dumps(payload, indent=2, default=str))


@memoize
def wsgi_app():
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


@memoize
def load_schema():
    with in_process_requests():
        return schemathesis.openapi.from_wsgi(SCHEMA_PATH, wsgi_app())


def is_public(operation: Any) -> bool:
    """The operation answers without credentials (`security` lists an empty requirement)."""
    security = operation.definition.raw.get("security")
    return security is None or {} in security


def operations() -> list[Any]:
    schema = load_schema()
    return [result.ok() for result in schema.get_all_operations()]


@contextmanager
def in_process_requests() -> Iterator[None]:
    """Like Django's test client: a request must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class _ErrorLog(logging.Handler):
    """Keeps the unhandled exceptions Django logs for a 500, to report where it came from."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def captured_errors() -> Iterator[_ErrorLog]:
    handler = _ErrorLog()
    loggers = [logging.getLogger(name) for name in ("django.request", "mwork.api")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def _header(response: Any, name: str) -> str:
    for key, value in response.headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else value
    return ""


def envelope_problem(response: Any, operation: Any) -> str | None:
    """None when an /api/ answer is JSON wrapped in the contract's envelope. Webhooks answer
    Robokassa in plain text by its protocol, and an operation may document another media type
    for a status (the analytics CSV export)."""
    if response.status_code in (204, 301, 302, 304) or not operation.path.startswith("/api/"):
        return None
    content_type = _header(response, "Content-Type")
    documented = operation.definition.raw.get("responses", {}).get(str(response.status_code), {})
    media_type = content_type.split(";")[0].strip()
    if media_type != "application/json" and media_type in documented.get("content", {}):
        return None
    if "json" not in content_type:
        return f"not JSON ({content_type!r})"
    try:
        body = json.loads(response.content)
    except ValueError:
        return "body is not valid JSON"
    if not isinstance(body, dict) or body.get("status") not in ("success", "error"):
        return f"no envelope: {str(body)[:120]}"
    if body["status"] == "error":
        error = body.get("error")
        if not (
            isinstance(error, dict)
            and isinstance(error.get("code"), str)
            and isinstance(error.get("message"), str)
        ):
            return f"error envelope without code/message: {str(body)[:120]}"
        if response.status_code < 400:
            return f"error envelope with status {response.status_code}"
    elif response.status_code >= 400:
        return f"success envelope with status {response.status_code}"
    return None


@dataclass
class FuzzReport:
    requests: int = 0
    unsatisfiable: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)

    def add_failure(self, label: str, kind: str, text: str) -> None:
        self.failures.setdefault((label, kind), text)

    def lines(self) -> list[str]:
        items = sorted(self.failures.items())
        return [f"{label} [{kind}]: {text}" for (label, kind), text in items]


def _negative_at(case: Any, location: ParameterLocation) -> bool:
    # `_meta` as generated: reading `case.meta` would revalidate the case before it is sent.
    meta = getattr(case, "_meta", None)
    return meta is not None and meta.is_negative_at(location)


def _substitute_ids(case: Any, data: Any, pools: dict[str, list[str]]) -> None:
    """Half of the time, point path parameters and id-like body fields at real objects (never
    where the case is deliberately invalid: that would turn a negative case valid)."""
    path_parameters = case.path_parameters or {}
    for name in list(path_parameters):
        if _negative_at(case, ParameterLocation.PATH):
            break
        if name in pools and data.draw(st.booleans(), label=f"real {name}"):
            path_parameters[name] = data.draw(st.sampled_from(pools[name]), label=name)
    if isinstance(case.body, dict) and not _negative_at(case, ParameterLocation.BODY):
        for name in list(case.body):
            if name in pools and data.draw(st.booleans(), label=f"real body {name}"):
                pool = pools[name]
                value = data.draw(st.sampled_from(pool), label=name)
                case.body[name] = pool if name.endswith("_ids") else value


def _failure_text(exc: BaseException) -> list[tuple[str, str]]:
    failures = getattr(exc, "exceptions", None) or [exc]
    out = []
    for failure in failures:
        title = getattr(failure, "title", type(failure).__name__)
        message = getattr(failure, "message", str(failure))
        out.append((str(title), " ".join(str(message).split())[:400]))
    return out


def fuzz_operation(
    operation: Any,
    *,
    headers: dict[str, str],
    pools: dict[str, list[str]],
    report: FuzzReport,
    max_examples: int,
) -> None:
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        _fuzz_mode(operation, mode, headers, pools, report, max_examples)


def _fuzz_mode(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    pools: dict[str, list[str]],
    report: FuzzReport,
    max_examples: int,
) -> None:
    label = operation.label
    strategy = operation.as_strategy(generation_mode=mode, headers=dict(headers) or None)
    if True:

        @settings(
            max_examples=max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(case=strategy, data=st.data())
        def run(case: Any, data: Any) -> None:
            _substitute_ids(case, data, pools)
            cache.clear()
            with transaction.atomic(), captured_errors() as errors:
                try:
                    response = case.call()
                finally:
                    transaction.set_rollback(True)
            report.requests += 1
            report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
            request = (
                f"{case.method} {case.formatted_path} ({mode.value}) query={case.query!r} "
                f"{case.media_type} body={str(case.body)[:200]!r}"
            )
            if errors.records:
                record = errors.records[0]
                where = ""
                if record.exc_info:
                    exc = record.exc_info[1]
                    where = f"{type(exc).__name__}: {exc}"
                report.add_failure(label, "logged error", f"{request}: {where}"[:600])
            try:
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, BaseExceptionGroup) as exc:
                for title, message in _failure_text(exc):
                    report.add_failure(label, title, f"{request}: {message}")
            problem = envelope_problem(response, case.operation)
            if problem:
                report.add_failure(
                    label, "envelope", f"{request} → {response.status_code}: {problem}"
                )

        with in_process_requests():
            try:
                run()
            except Unsatisfiable:
                # Negative mode on an operation with nothing to get wrong (no parameters, no
                # body): there is no invalid request to send.
                report.unsatisfiable += 1
