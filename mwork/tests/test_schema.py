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
# The schema and its viewers describe the API; they are not part of it. The catch-all answers
# the 404 envelope for every path nothing else serves (mwork/urls.py).
NOT_DOCUMENTED = {"/api/v1/schema", "/api/v1/docs", "/api/v1/redoc", "/api/v1/.*"}
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


def not_for_clients(callback) -> bool:
    """A view left out of the schema on purpose (`mwork.api.schema.not_for_clients`: webhooks
    and browser redirects, documented in docs/PAYMENTS.md)."""
    return getattr(getattr(callback, "cls", None), "not_for_clients", False)


def served_paths(patterns=None, prefix: str = "/", *, for_clients: bool = False) -> set[str]:
    paths: set[str] = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + _route_to_openapi(str(entry.pattern))
        if isinstance(entry, URLResolver):
            paths |= served_paths(entry.url_patterns, route, for_clients=for_clients)
        elif isinstance(entry, URLPattern):
            if for_clients and not_for_clients(entry.callback):
                continue
            paths.add(route.rstrip("/") or "/")
    return paths


def _normalise(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path.rstrip("/"))


def test_schema_is_valid_openapi_3(schema):
    errors = [str(error).splitlines()[0] for error in OpenAPIV30SpecValidator(schema).iter_errors()]

    assert schema["openapi"].startswith("3.0")
    assert not errors, "\n".join(errors)


def test_schema_lists_every_api_url_the_project_serves(schema):
    served = {
        p for p in served_paths(for_clients=True) if p.startswith(API_PREFIX + "/")
    } - NOT_DOCUMENTED
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


# ---- written for generators (docs/CLIENTS.md) ------------------------------------------------


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", path, method, operation


def test_every_body_has_one_media_type_json_unless_a_file_is_uploaded(schema):
    problems = []
    for where, _path, _method, operation in _operations(schema):
        content = operation.get("requestBody", {}).get("content", {})
        if not content:
            continue
        if len(content) != 1:
            problems.append(f"{where}: {sorted(content)}")
            continue
        ((media_type, media),) = content.items()
        body = _resolve(schema, media["schema"])
        has_file = any(p.get("format") == "binary" for p in body.get("properties", {}).values())
        expected = "multipart/form-data" if has_file else "application/json"
        if media_type != expected:
            problems.append(f"{where}: {media_type}, expected {expected}")
    assert not problems, "\n".join(problems)


def test_security_is_absent_or_exactly_bearer(schema):
    wrong = [
        f"{where}: {operation['security']}"
        for where, _p, _m, operation in _operations(schema)
        if "security" in operation and operation["security"] != [{"bearerAuth": []}]
    ]
    assert not wrong, "\n".join(wrong)
    assert "security" not in schema["paths"]["/api/v1/auth/login"]["post"]
    assert "security" not in schema["paths"]["/api/v1/auth/register"]["post"]


def test_no_alternatives_generators_cannot_tell_apart(schema):
    components = schema["components"]["schemas"]
    assert not {"NullEnum", "BlankEnum", "Error"} & set(components)
    assert "ApiError" in components
    problems = []
    stack = [("components", components)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            alternatives = node.get("oneOf") or []
            kinds = [_resolve(schema, a).get("type", "enum") for a in alternatives]
            if alternatives and all(kind in ("string", "enum") for kind in kinds):
                problems.append(where)
            stack.extend((f"{where}.{k}", v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(node))
    assert not problems, "\n".join(problems)


def test_every_enum_has_readable_names(schema):
    from mwork.api.schema import enum_varname

    stack, missing = [schema], []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("enum"), list) and len(node.get("x-enum-varnames", [])) != len(
                node["enum"]
            ):
                missing.append(node["enum"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert not missing
    assert enum_varname("-created_at") == "CREATED_AT_DESC"
    assert enum_varname("") == "BLANK"


def test_servers_come_from_settings(schema, settings):
    assert schema["servers"][0]["url"] == settings.API_PUBLIC_URL


def _views_by_operation():
    """(path, method) → the view class, walked from the URL conf like served_paths()."""
    found = {}

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + _route_to_openapi(str(entry.pattern))
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and hasattr(entry.callback, "cls"):
                view = entry.callback.cls
                for method in METHODS:
                    if hasattr(view, method):
                        found[(_normalise(route), method)] = view

    walk(get_resolver().url_patterns, "/")
    return found


def test_every_throttled_operation_documents_429_and_its_headers(schema):
    views = _views_by_operation()
    problems = []
    for where, path, method, operation in _operations(schema):
        view = views[(_normalise(path), method)]
        if not view.throttle_classes:  # the declaration (DEFAULT_THROTTLE_CLASSES by default)
            continue
        answer = operation["responses"].get("429")
        if answer is None:
            problems.append(f"{where}: no 429")
            continue
        headers = answer.get("headers", {})
        if not headers.get("Retry-After", {}).get("required"):
            problems.append(f"{where}: 429 without a required Retry-After")
        if not {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(headers):
            problems.append(f"{where}: 429 without X-RateLimit-*")
    assert not problems, "\n".join(problems)


def test_statuses_implied_by_the_operation_are_documented(schema):
    problems = []
    for where, _path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        parameters = operation.get("parameters", [])
        expected = set()
        if operation.get("security"):
            expected.add("401")
        if any(p["in"] == "path" for p in parameters):
            expected.add("404")
        if method in ("post", "put", "patch"):
            expected |= {"400", "413"}
        if any(p["in"] == "query" for p in parameters):
            expected.add("400")
        for code, answer in operation["responses"].items():
            if code.startswith("3") and not answer.get("headers", {}).get("Location"):
                problems.append(f"{where}: {code} without Location")
        if expected - codes:
            problems.append(f"{where}: missing {sorted(expected - codes)}")
    assert not problems, "\n".join(problems)


def test_pagination_bounds_and_list_names(schema):
    problems = []
    for where, _path, method, operation in _operations(schema):
        names = {p["name"]: p["schema"] for p in operation.get("parameters", [])}
        if "limit" in names and (names["limit"].get("minimum"), names["limit"].get("maximum")) != (
            1,
            100,
        ):
            problems.append(f"{where}: limit bounds {names['limit']}")
        if "offset" in names and names["offset"].get("minimum") != 0:
            problems.append(f"{where}: offset bounds {names['offset']}")
        if "limit" in names and method == "get" and not operation["operationId"].endswith("_list"):
            problems.append(f"{where}: a paginated list named {operation['operationId']}")
    assert not problems, "\n".join(problems)


def test_patch_bodies_require_what_the_server_requires(schema):
    for path in ("/api/v1/castings/{casting_id}/status", "/api/v1/responses/{response_id}/status"):
        body = schema["paths"][path]["patch"]["requestBody"]
        component = _resolve(schema, body["content"]["application/json"]["schema"])
        assert body.get("required") is True
        assert component["required"] == ["status"]


# Free-form on purpose: the error's details vary by code (limit/used/plan, per-field lists) and a
# notification's data by its type (docs/CLIENTS.md).
FREE_FORM_ALLOWED = {"ApiError.details", "NotificationOutput.data"}


def _properties(schema):
    for name, component in schema["components"]["schemas"].items():
        for alternative in [component, *component.get("oneOf", []), *component.get("allOf", [])]:
            for prop, node in alternative.get("properties", {}).items():
                yield f"{name}.{prop}", node


def test_no_free_form_objects_where_a_type_exists(schema):
    free = []
    for where, node in _properties(schema):
        for candidate in (node, node.get("items", {})):
            untyped = candidate.get("additionalProperties") in (None, {}, True)
            if candidate.get("type") == "object" and "properties" not in candidate and untyped:
                free.append(where)
    assert sorted(set(free) - FREE_FORM_ALLOWED) == []


ENUM_LIKE = re.compile(
    r"^(status|role|my_role|category|gender|experience|clothing_size|type|"
    r"platform|purpose|plan|billing_period|target_type|reason)$"
)
ENUM_EXEMPT: set[str] = set()  # none so far


def test_output_choice_fields_are_enums_and_datetimes_have_a_format(schema):
    problems = []
    for where, node in _properties(schema):
        component, prop = where.split(".", 1)
        if component.endswith("Request"):
            continue  # inputs: a free-text `reason` or `type` is the client's own words
        if node.get("type") == "string" and "enum" not in node and "format" not in node:
            if ENUM_LIKE.match(prop) and where not in ENUM_EXEMPT:
                problems.append(f"{where}: a plain string")
            if prop.endswith(("_at", "_until")):
                problems.append(f"{where}: a datetime without format")
    assert not problems, "\n".join(problems)


def test_profiles_me_is_a_discriminated_union(schema):
    data = schema["components"]["schemas"]["ProfilesMeData"]
    assert data["discriminator"]["propertyName"] == "type"
    assert set(data["discriminator"]["mapping"]) == {"model", "employer"}


def test_password_and_phone_rules_are_documented(schema):
    components = schema["components"]["schemas"]
    for name, prop in (
        ("UserRegisterInputRequest", "password"),
        ("PasswordResetConfirmInputRequest", "new_password"),
        ("PasswordChangeInputRequest", "new_password"),
    ):
        password = components[name]["properties"][prop]
        assert password["minLength"] == 8
        assert "password_too_common" in password["description"]
    phone = components["EmployerProfileCreateInputRequest"]["properties"]["phone"]
    assert phone["pattern"].startswith("^$|")
    assert "7 to 15 digits" in phone["description"]
    assert components["MediaPhotoUpdateInputRequest"]["minProperties"] == 1
