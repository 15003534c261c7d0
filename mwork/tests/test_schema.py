"""The OpenAPI schema is valid and documents every URL the project serves under /api/v1.

Written generically: it walks the URL resolver, so the endpoints of every app are covered as
they land.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import OpenAPIV30SpecValidator

pytestmark = pytest.mark.django_db

API_PREFIX = "/api/v1"
# The schema and its viewer describe the API; they are not part of it.
NOT_DOCUMENTED = {"/api/v1/schema", "/api/v1/docs"}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema?format=json")
    assert response.status_code == 200
    return response.json()


def _route_to_openapi(route: str) -> str:
    route = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\/", "/")
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)  # path converters
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)  # regex groups


def served_paths(patterns=None, prefix: str = "/") -> set[str]:
    paths: set[str] = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + _route_to_openapi(str(entry.pattern))
        if isinstance(entry, URLResolver):
            paths |= served_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            paths.add(route.rstrip("/") or "/")
    return paths


def _normalise(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path.rstrip("/"))


def test_schema_is_valid_openapi_3(schema):
    errors = [str(error).splitlines()[0] for error in OpenAPIV30SpecValidator(schema).iter_errors()]

    assert schema["openapi"].startswith("3.0")
    assert not errors, "\n".join(errors)


def test_schema_lists_every_api_url_the_project_serves(schema):
    served = {p for p in served_paths() if p.startswith(API_PREFIX + "/")} - NOT_DOCUMENTED
    documented = {_normalise(p) for p in schema["paths"]}

    missing = sorted(p for p in served if _normalise(p) not in documented)

    assert served  # the walk found the API
    assert {"/api/v1/auth/login", "/api/v1/health"} <= served
    assert not missing, f"served under /api/v1 but absent from the OpenAPI schema: {missing}"


def test_schema_documents_no_url_that_is_not_served(schema):
    served = {_normalise(p) for p in served_paths()}

    ghosts = sorted(p for p in schema["paths"] if _normalise(p) not in served)

    assert not ghosts


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def test_every_operation_documents_the_envelope_and_its_errors(schema):
    problems = []
    for path, item in schema["paths"].items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            responses = operation.get("responses", {})
            successes = [code for code in responses if code.startswith(("2", "3"))]
            errors = [code for code in responses if code.startswith(("4", "5"))]
            if not successes:
                problems.append(f"{where}: no success response")
            if not errors:
                problems.append(f"{where}: no error response documented")
            for code in successes + errors:
                content = responses[code].get("content", {}).get("application/json")
                if content is None:
                    continue  # 204, redirects, plain-text webhook answers
                body = _resolve(schema, content["schema"])
                if "status" not in body.get("properties", {}):
                    problems.append(f"{where} {code}: not wrapped in the envelope")
    assert not problems, "\n".join(problems)


def test_auth_endpoints_are_documented_with_their_shapes(schema):
    login = schema["paths"]["/api/v1/auth/login"]["post"]
    me = schema["paths"]["/api/v1/auth/me"]["get"]

    assert "requestBody" in login
    assert {"200", "400", "401", "403", "429"} <= set(login["responses"])
    assert {"200", "401"} <= set(me["responses"])
    assert me.get("security") == [{"bearerAuth": []}]
    assert "bearerAuth" in schema["components"]["securitySchemes"]
