"""Every number and date of every writable operation has bounds: the just-outside value is a
400 naming the field, never a 500 (docs/RELIABILITY.md, "Numbers and dates within bounds").

Generated from the OpenAPI schema: each property of each request body (nested objects and list
items included) gets the values just outside what the schema documents — `maximum + 1`,
`minimum - 1`, `maxLength + 1` characters, `maxItems + 1` items — and the ones no column holds:
10**30, 2**63, -(2**63) - 1, dates in the years 1 and 9999. An integer, date or date-time
without a bound fails the test, as does a string whose too-long value is a 5xx.

The operation runs as the first identity of the world that gets past authentication and roles
(the body is then validated), on party A's own objects.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from castings.models import Casting
from mwork.api.bounds import INT32_MAX, PAY_MAX, SHOOT_DATE_MAX_YEARS
from mwork.tests.security.world import World

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
IDENTITIES = ("model", "employer", "agency", "staff")
HUGE = (10**30, 2**63, -(2**63) - 1)
FAR_DATETIMES = ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z")
FAR_DATES = ("9999-12-31", "0001-01-01")
# Operations that refuse every probe before validating it, and why.
REFUSED_BEFORE_VALIDATION = {
    "POST /api/v1/auth/refresh": "a refresh token that is not one is 401 INVALID_TOKEN",
}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema?format=json")
    assert response.status_code == 200
    return response.json()


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    for key in ("allOf", "oneOf", "anyOf"):  # a nullable or single-variant wrapper
        variants = [v for v in node.get(key, []) if _resolve(schema, v).get("type") != "null"]
        if len(variants) == 1:
            return _resolve(schema, variants[0])
    return node


@dataclass(frozen=True)
class Probe:
    field: str  # dotted: requirements.min_age
    value: Any
    strict: bool  # True: must be a 400 naming the field; False: only never a 5xx
    why: str

    def body(self) -> dict:
        parts = self.field.split(".")
        body: Any = self.value
        for part in reversed(parts):
            body = {part: body}
        return body


def _probes(schema: dict, node: dict, prefix: str = "") -> list[Probe]:
    node = _resolve(schema, node)
    found: list[Probe] = []
    for name, raw in node.get("properties", {}).items():
        prop = _resolve(schema, raw)
        if prop.get("readOnly"):
            continue
        field = f"{prefix}{name}"
        kind, fmt = prop.get("type"), prop.get("format")
        if kind == "object" and "properties" in prop:
            found += _probes(schema, prop, f"{field}.")
        elif kind in ("integer", "number"):
            if "maximum" not in prop or "minimum" not in prop:
                found.append(Probe(field, None, True, "unbounded number"))
            elif not -INT32_MAX - 1 <= prop["minimum"] <= prop["maximum"] <= INT32_MAX:
                found.append(Probe(field, None, True, "bounds wider than a 32-bit column"))
            else:
                found.append(Probe(field, prop["maximum"] + 1, True, "maximum + 1"))
                found.append(Probe(field, prop["minimum"] - 1, True, "minimum - 1"))
            found += [Probe(field, value, True, "huge") for value in HUGE]
        elif kind == "string" and fmt == "date-time":
            found += [Probe(field, value, True, "far date-time") for value in FAR_DATETIMES]
        elif kind == "string" and fmt == "date":
            found += [Probe(field, value, True, "far date") for value in FAR_DATES]
        elif kind == "string" and fmt in (None, "email", "uri") and "enum" not in prop:
            if "maxLength" in prop:
                too_long = "я" * (prop["maxLength"] + 1)
                found.append(Probe(field, too_long, True, "maxLength + 1"))
            else:
                found.append(Probe(field, "я" * 100_000, False, "long string"))
        elif kind == "array":
            items = _resolve(schema, prop.get("items", {}))
            if "maxItems" in prop:
                sample = "x" if items.get("type") == "string" else 1
                too_many = [sample] * (prop["maxItems"] + 1)
                found.append(Probe(field, too_many, True, "maxItems + 1"))
            if items.get("type") == "string" and "maxLength" in items:
                too_long = ["я" * (items["maxLength"] + 1)]
                found.append(Probe(field, too_long, True, "item maxLength + 1"))
            if items.get("type") == "integer":
                found += [Probe(field, [value], True, "huge item") for value in HUGE]
    return found


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    content_type: str
    probes: tuple[Probe, ...]

    def url(self, world: World) -> str:
        if "/profiles/employers/" in self.path:  # profile_id names a model profile first
            return self.path.replace("{profile_id}", str(world.a.employer_profile.id))
        return re.sub(r"\{(\w+)\}", lambda m: world.pools.get(m.group(1), ["1"])[0], self.path)


def writable_operations(schema: dict) -> list[Operation]:
    operations = []
    for path, item in schema["paths"].items():
        for method in WRITE_METHODS:
            body = (item.get(method) or {}).get("requestBody")
            if not body:
                continue
            content = body["content"]
            content_type = next(
                (t for t in ("application/json", "multipart/form-data") if t in content), None
            )
            if content_type is None:
                continue
            probes = tuple(_probes(schema, content[content_type]["schema"]))
            if probes:
                operations.append(Operation(method, path, content_type, probes))
    return operations


def _send(client, op: Operation, world: World, body: dict):
    url = op.url(world)
    if op.content_type == "multipart/form-data":
        flat = {
            key: json.dumps(value) if isinstance(value, dict) else value
            for key, value in body.items()
        }
        return getattr(client, op.method)(url, flat, format="multipart")
    return getattr(client, op.method)(url, body, format="json")


def _names(response, field: str) -> bool:
    details = response.json()["error"].get("details") or {}
    return any(key == field or key.startswith((f"{field}.", f"{field}[")) for key in details)


def _client_reaching_validation(op: Operation, world: World, client_for):
    """The first identity whose request is validated, not refused before (401/403/404/405)."""
    probes = [p for p in op.probes if p.value is not None]
    probe = next((p for p in probes if p.strict), probes[0] if probes else None)
    for name in IDENTITIES:
        client = client_for(world.users()[name])
        response = _send(client, op, world, probe.body() if probe else {})
        if response.status_code not in (401, 403, 404, 405):
            return client
    return None


def test_every_number_and_date_of_every_writable_operation_is_bounded(schema, world, client_for):
    operations = writable_operations(schema)
    problems: list[str] = []
    probed = 0

    for op in operations:
        label = f"{op.method.upper()} {op.path}"
        unbounded = [p.field for p in op.probes if p.value is None]
        problems += [f"{label} {field}: no minimum/maximum within 32 bits" for field in unbounded]
        client = _client_reaching_validation(op, world, client_for)
        if client is None:
            if label not in REFUSED_BEFORE_VALIDATION:
                problems.append(f"{label}: no identity reaches validation")
            client = client_for(None)
        for probe in op.probes:
            if probe.value is None:
                continue
            probed += 1
            response = _send(client, op, world, probe.body())
            status = response.status_code
            if status >= 500:
                problems.append(f"{label} {probe.field}={probe.why}: {status}")
            elif label in REFUSED_BEFORE_VALIDATION:
                continue  # never a 5xx is all that can be said
            elif probe.strict and not (status == 400 and _names(response, probe.field)):
                problems.append(
                    f"{label} {probe.field}={probe.why}: {status} {response.content[:200]}"
                )

    assert len(operations) >= 15
    assert probed >= 100
    assert not problems, "\n".join(problems)


# ---- the two overflows found from outside ---------------------------------------------------
def _casting_body(**overrides) -> dict:
    return {
        "title": "Bounded casting",
        "description": "ok",
        "category": "fashion",
        "city": "Almaty",
        "shoot_date": (timezone.now() + timedelta(days=30)).isoformat(),
        **overrides,
    }


def test_a_huge_pay_is_a_400_not_a_500(world, client_for):
    client = client_for(world.a.employer)
    before = Casting.objects.count()

    for field in ("pay_min", "pay_max"):
        for pay in (10**30, 2**63, 2**31, PAY_MAX + 1):
            response = client.post("/api/v1/castings", _casting_body(**{field: pay}), format="json")

            assert response.status_code == 400, (field, pay)
            assert field in response.json()["error"]["details"]
    assert Casting.objects.count() == before


def test_the_largest_pay_is_stored(world, client_for):
    response = client_for(world.a.employer).post(
        "/api/v1/castings", _casting_body(pay_min=PAY_MAX, pay_max=PAY_MAX), format="json"
    )

    assert response.status_code == 201
    assert Casting.objects.get(id=response.json()["data"]["casting"]["id"]).pay_max == PAY_MAX


@pytest.mark.parametrize("method", ["post", "put"])
def test_the_last_representable_shoot_date_is_a_400_not_an_overflow(world, client_for, method):
    body = _casting_body(shoot_date="9999-12-31T23:59:59Z", duration_days=365)
    client = client_for(world.a.employer)
    url = "/api/v1/castings" if method == "post" else f"/api/v1/castings/{world.a.draft.id}"

    response = getattr(client, method)(url, body, format="json")

    assert response.status_code == 400
    assert "shoot_date" in response.json()["error"]["details"]


def test_a_shoot_date_at_the_end_of_the_window_is_accepted(world, client_for):
    last = timezone.now() + timedelta(days=365 * SHOOT_DATE_MAX_YEARS - 2)
    body = _casting_body(shoot_date=last.isoformat(), duration_days=365)

    response = client_for(world.a.employer).post("/api/v1/castings", body, format="json")

    assert response.status_code == 201, response.content


def test_ends_at_never_overflows_in_the_model(world):
    casting = world.a.casting
    casting.shoot_date = timezone.now().replace(year=9999, month=12, day=31)
    casting.duration_days = 365

    casting.save()  # the column's own guard: ends_at is capped, not an OverflowError

    casting.refresh_from_db()
    assert casting.ends_at.year == 9999


def test_huge_numbers_and_far_dates_in_query_parameters_are_never_a_500(schema, world, client_for):
    """Filters compare with the same columns: a value no column holds must not reach SQL as
    an error (a 400, or simply no match)."""
    problems = []
    client = client_for(world.a.employer)
    checked = 0
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        url = Operation("get", path, "", ()).url(world)
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query":
                continue
            kind = _resolve(schema, parameter.get("schema", {}))
            if kind.get("type") in ("integer", "number"):
                values = [str(v) for v in HUGE]
            elif kind.get("format") in ("date", "date-time"):
                values = [*FAR_DATES, *FAR_DATETIMES]
            else:
                continue
            for value in values:
                checked += 1
                response = client.get(url, {parameter["name"]: value})
                if response.status_code >= 500:
                    problems.append(f"GET {path}?{parameter['name']}={value}: 5xx")

    assert checked >= 20
    assert not problems, "\n".join(problems)


def _column_ranges() -> dict[str, tuple[int, int]]:
    """Field name → the narrowest range of an integer column of that name in any model."""
    from django.apps import apps
    from django.db import connection

    ranges: dict[str, tuple[int, int]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.get_internal_type() not in connection.ops.integer_field_ranges:
                continue
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            low = -(2**31) if low is None else low  # SQLite reports none: use PostgreSQL's
            high = 2**31 - 1 if high is None else high
            known = ranges.get(field.name, (low, high))
            ranges[field.name] = (max(low, known[0]), min(high, known[1]))
    return ranges


def _integer_properties(schema: dict, node: dict, prefix: str = ""):
    node = _resolve(schema, node)
    for name, raw in node.get("properties", {}).items():
        prop = _resolve(schema, raw)
        if prop.get("type") == "object":
            yield from _integer_properties(schema, prop, f"{prefix}{name}.")
        elif prop.get("type") == "integer" and not prop.get("readOnly"):
            yield f"{prefix}{name}", name, prop


def test_integer_bounds_fit_the_columns_of_the_same_name(schema):
    """The serializer's bounds are derived from the model: a value the serializer accepts fits
    every integer column of that name (a smallint height cannot take 40,000)."""
    columns = _column_ranges()
    problems, compared = [], 0
    for op in writable_operations(schema):
        body = schema["paths"][op.path][op.method]["requestBody"]["content"][op.content_type]
        for dotted, name, prop in _integer_properties(schema, body["schema"]):
            if name not in columns:
                continue
            compared += 1
            low, high = columns[name]
            if prop.get("minimum", -(2**63)) < low or prop.get("maximum", 2**63) > high:
                problems.append(f"{op.method.upper()} {op.path} {dotted}: {prop} vs {low}…{high}")

    assert compared >= 10
    assert not problems, "\n".join(problems)
