"""OpenAPI helpers: document every endpoint with the envelope it really returns.

@api_schema(request=LoginInput, responses={200: envelope("Login", LoginOutput)},
            errors=(400, 401, 429))

`MworkAutoSchema` and `postprocess_for_generators` shape the schema for SDK generators
(docs/CLIENTS.md explains each rule). What they derive from the view, so a new view needs no
schema work for it: the body's media type (JSON; multipart only when the request serializer
has a file field), `security` (none when the permissions let anonymous callers in, else
exactly `bearerAuth`), 429 and the rate-limit headers (the view's throttle classes), 401 (the
view authenticates), 403 (a permission beyond "signed in"), 404 (path parameters), 400/413
(a body or query parameters), `Location` on 3xx, `limit`/`offset` bounds, readable enum names,
`*_list` operation ids (a GET answering a list). What a view still declares: its envelopes
(`envelope`, `item_envelope`, `list_envelope`), domain errors such as 409/422, and for PATCH
`request=Input(partial=True)` when it validates with `partial=True` (a PATCH body is otherwise
documented with the serializer's own required fields). Endpoints that are not for API clients
(webhooks, browser redirects) use `extend_schema(exclude=True)` and are documented in docs/.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from drf_spectacular.drainage import warn
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import permissions, serializers

from mwork.api.serializers import NewPasswordField

ERROR_DESCRIPTIONS = {
    400: "VALIDATION_ERROR: invalid body, query parameter or malformed JSON",
    401: "AUTH_REQUIRED (no credentials) or INVALID_TOKEN (bad, expired or revoked token)",
    403: "PERMISSION_DENIED, PROFILE_REQUIRED, SUBSCRIPTION_LIMIT or ACCOUNT_DISABLED",
    404: "NOT_FOUND (also for objects the caller may not see)",
    405: "METHOD_NOT_ALLOWED",
    409: "DUPLICATE_RESOURCE",
    413: "PAYLOAD_TOO_LARGE (body over API_MAX_BODY_BYTES) or FILE_TOO_LARGE (upload)",
    415: "VALIDATION_ERROR: unsupported content type",
    422: "INVALID_STATE: the action is not allowed in the object's current state",
    429: "RATE_LIMIT_EXCEEDED, with retry_after",
    503: "SERVICE_UNAVAILABLE",
}


class ApiErrorSerializer(serializers.Serializer):
    """`ApiError` in the schema (`Error` would clash with generators' own error classes)."""

    code = serializers.CharField(help_text="Machine code of the error (VALIDATION_ERROR, ...).")
    message = serializers.CharField(help_text="Human-readable; follows Accept-Language.")
    # VALIDATION_ERROR: {field: [messages]}; SUBSCRIPTION_LIMIT: {"feature": "chat_access"} or
    # {"limit": 10, "used": 10, "plan": "FREE"} (found by the contract fuzzer: values vary).
    details = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Per-field message lists for VALIDATION_ERROR (`{field: [message, ...]}`); "
        "limit/used/plan or feature for SUBSCRIPTION_LIMIT.",
    )
    details_codes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Machine codes parallel to `details` when it lists messages per field: "
        '`{field: [code, ...]}`, the n-th code for the n-th message (e.g. "required", '
        '"password_too_short", "invalid"). Match on these, never on message text.',
    )
    retry_after = serializers.IntegerField(required=False)


class ApiErrorEnvelopeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    error = ApiErrorSerializer()


class PaginationSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    has_more = serializers.BooleanField()


def _as_field(data: Any, name: str) -> serializers.Field:
    if isinstance(data, dict):
        return inline_serializer(name=f"{name}Data", fields=data)
    if isinstance(data, type) and issubclass(data, serializers.BaseSerializer):
        return data()
    return data


def envelope(name: str, data: Any) -> serializers.Serializer:
    """`{"status": "success", "data": <data>}`; data is a serializer (class) or a dict of fields."""
    return inline_serializer(
        name=f"{name}Envelope",
        fields={
            "status": serializers.ChoiceField(choices=["success"]),
            "data": _as_field(data, name),
        },
    )


def item_envelope(name: str, key: str, item: Any) -> serializers.Serializer:
    """`{"status": "success", "data": {key: <item>}}`."""
    return envelope(name, {key: _as_field(item, f"{name}Item")})


def list_envelope(name: str, key: str, item: Any, **extra: serializers.Field):
    """The paginated list shape of docs/API.md §3 inside the envelope."""
    child = _as_field(item, f"{name}Item")
    fields = {key: serializers.ListField(child=child), "pagination": PaginationSerializer()}
    fields.update(extra)
    documented = envelope(name, fields)
    documented._mwork_paginated = True  # type: ignore[attr-defined]  # api_schema's marker
    return documented


PAGINATION_PARAMETERS = (
    OpenApiParameter(
        "limit", int, description="Page size, 1 to 100, default 20; above 100 it is clamped to 100."
    ),
    OpenApiParameter("offset", int, description="Rows to skip, 0 or more, default 0."),
)
# Bounds of the pagination parameters wherever they appear (`Page.from_request`).
PAGINATION_BOUNDS = {
    "limit": {"minimum": 1, "maximum": 100, "default": 20},
    "offset": {"minimum": 0, "default": 0},
}


def message_envelope(name: str) -> serializers.Serializer:
    return inline_serializer(
        name=f"{name}MessageEnvelope",
        fields={
            "status": serializers.ChoiceField(choices=["success"]),
            "message": serializers.CharField(),
        },
    )


_UNSET: Any = object()


def not_for_clients(view: type) -> type:
    """Class decorator: leave a view (a webhook, a browser redirect) out of the client schema.
    Document it in docs/ instead; the schema tests skip views marked this way."""
    methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]
    extend_schema_view(**{m: extend_schema(exclude=True) for m in methods})(view)
    view.not_for_clients = True  # type: ignore[attr-defined]  # a marker the schema tests read
    return view


def error_response(status: int) -> OpenApiResponse:
    return OpenApiResponse(ApiErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS[status])


def api_schema(
    *,
    responses: Mapping[int, Any] | Mapping[tuple[int, str], Any],
    errors: Iterable[int] = (),
    request: Any = _UNSET,
    **kwargs: Any,
):
    """`extend_schema` with the success envelopes given and the error envelope per status.

    `request=None` documents an operation without a body (e.g. `POST .../read`); leaving
    `request` out lets drf-spectacular decide (GET never has one).
    """
    documented: dict[int | tuple[int, str], Any] = {}
    documented.update(responses.items())
    for status in errors:
        documented[status] = error_response(status)
    if request is not _UNSET:
        kwargs["request"] = request
    if any(getattr(body, "_mwork_paginated", False) for body in responses.values()):
        # Every paginated list takes limit/offset (found by the security suite: most lists
        # did not document them, so neither clients nor the contract fuzzer knew).
        given = kwargs.get("parameters") or []
        names = {getattr(p, "name", None) for p in given}
        kwargs["parameters"] = [
            *given,
            *(p for p in PAGINATION_PARAMETERS if p.name not in names),
        ]
    return extend_schema(responses=documented, **kwargs)


# ---------------------------------------------------------------------------------------------
# Generator-ready schema (DEFAULT_SCHEMA_CLASS and POSTPROCESSING_HOOKS in settings)
# ---------------------------------------------------------------------------------------------

_INT = {"type": "integer"}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the current window.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "When the window ends (Unix epoch seconds).",
}
_BODY_METHODS = ("POST", "PUT", "PATCH")


def _header(description: str, *, required: bool = False, schema: dict | None = None) -> dict:
    header: dict[str, Any] = {"schema": dict(schema or _INT), "description": description}
    if required:
        header["required"] = True
    return header


def _has_file_field(serializer: Any) -> bool:
    return any(isinstance(f, serializers.FileField) for f in serializer.fields.values())


def password_rules() -> tuple[int, str]:
    """(minimum length, description) of the password policy in AUTH_PASSWORD_VALIDATORS."""
    minimum, rules = 1, []
    for validator in settings.AUTH_PASSWORD_VALIDATORS:
        name = validator["NAME"].rsplit(".", 1)[-1]
        if name == "MinimumLengthValidator":
            minimum = int(validator.get("OPTIONS", {}).get("min_length", 8))
            rules.append(f"at least {minimum} characters (password_too_short)")
        elif name == "CommonPasswordValidator":
            rules.append("not a common password (password_too_common)")
        elif name == "NumericPasswordValidator":
            rules.append("not entirely numeric (password_entirely_numeric)")
        elif name == "UserAttributeSimilarityValidator":
            rules.append("not too similar to the e-mail (password_too_similar)")
    return minimum, "Password policy: " + "; ".join(rules) + "." if rules else ""


class MworkAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the rules of the module docstring."""

    def _map_basic_serializer(self, serializer, direction):
        # `schema_extra` on a serializer class: object-level rules such as {"minProperties": 1}.
        schema = super()._map_basic_serializer(serializer, direction)
        schema.update(getattr(serializer, "schema_extra", {}))
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if isinstance(field, NewPasswordField):  # the policy the service applies
            minimum, description = password_rules()
            schema["minLength"] = max(schema.get("minLength", 1), minimum)
            schema["description"] = description

    def map_parsers(self) -> list[str]:
        # One media type per body: generators send whichever is listed first, and a body that
        # is JSON, form and multipart at once made them send nested objects as form fields.
        serializer = force_instance(self.get_request_serializer())
        if is_serializer(serializer) and _has_file_field(serializer):
            return ["multipart/form-data"]
        return ["application/json"]

    def get_auth(self) -> list[dict]:
        requirements = super().get_auth()
        if {} in requirements:  # anonymous callers are let in: no `security` at all
            return []
        return requirements

    def _get_request_for_media_type(self, serializer, direction="request"):
        # drf-spectacular makes every PATCH body partial; ours is partial only where the view
        # says so (`Input(partial=True)`), so required fields stay required.
        instance = force_instance(serializer)
        if self.method == "PATCH" and is_serializer(instance) and not instance.partial:
            self.method = "POST"
            try:
                return super()._get_request_for_media_type(instance, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)

    def _implied_errors(self, operation: dict) -> set[int]:
        implied: set[int] = set()
        parameters = operation.get("parameters", [])
        if self.method in _BODY_METHODS:
            implied |= {400, 413}  # malformed or invalid body; body over the size limit
        if any(p.get("in") == "query" for p in parameters):
            implied.add(400)
        if any(p.get("in") == "path" for p in parameters):
            implied.add(404)
        if self.view.get_authenticators():
            implied.add(401)  # a bad token is refused even where anonymous callers are let in
        checks = {type(p) for p in self.view.get_permissions()}
        if checks - {permissions.AllowAny, permissions.IsAuthenticated}:
            implied.add(403)
        if self.view.get_throttles():
            implied.add(429)
        return implied

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in sorted(self._implied_errors(operation)):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    error_response(status), str(status)
                )
        throttled = bool(self.view.get_throttles())
        for code, response in responses.items():
            headers = response.setdefault("headers", {})
            if code.startswith("3"):
                headers.setdefault(
                    "Location",
                    _header("Where to go.", required=True, schema={"type": "string"}),
                )
            if throttled and (code.startswith("2") or code == "429"):
                for name, description in RATE_LIMIT_HEADERS.items():
                    headers.setdefault(name, _header(description))
            if code == "429":
                wait = _header("Seconds until the next request may pass.", required=True)
                headers.setdefault("Retry-After", wait)
            if not headers:
                del response["headers"]
        operation["responses"] = dict(sorted(responses.items()))
        return operation


def _walk(node: Any):
    """Every dict in a JSON document, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)


def _ref_name(node: dict) -> str | None:
    ref = node.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None


def enum_varname(value: Any) -> str:
    """A readable constant name: "-created_at" → CREATED_AT_DESC, "" → BLANK, "3" → V_3."""
    if value is None:
        return "NONE"
    text = str(value)
    descending = text.startswith("-")
    name = re.sub(r"[^0-9A-Za-z]+", "_", text.lstrip("-")).strip("_").upper() or "BLANK"
    if name[0].isdigit():
        name = f"V_{name}"
    return f"{name}_DESC" if descending else name


def _fix_enum_alternatives(schemas: dict) -> None:
    """`oneOf: [XEnum, NullEnum]` → nullable XEnum; `oneOf: [XEnum, BlankEnum]` → an enum that
    lists "" too (generators broke on both: `class NullEnum(, Enum)`, enums with no case)."""
    for node in list(_walk(schemas)):
        alternatives = node.get("oneOf")
        if not alternatives or not all(_ref_name(a) for a in alternatives):
            continue
        names = [name for a in alternatives if (name := _ref_name(a))]  # all are refs (above)
        real = [n for n in names if n not in ("NullEnum", "BlankEnum")]
        if len(real) != 1 or len(names) == 1:
            continue
        target = real[0]
        if "BlankEnum" in names:
            blank_name = re.sub(r"Enum$", "", target) + "OrBlankEnum"
            if blank_name not in schemas:
                original = schemas[target]
                schemas[blank_name] = {
                    **{k: v for k, v in original.items() if k != "enum"},
                    "enum": ["", *original["enum"]],
                }
            target = blank_name
        del node["oneOf"]
        node["allOf"] = [{"$ref": f"#/components/schemas/{target}"}]
        if "NullEnum" in names:
            node["nullable"] = True


def _merge_string_alternatives(schemas: dict) -> None:
    """`oneOf: [{string, pattern/format}, {string, maxLength: 0}]` (a field that also takes "")
    → one string: generators cannot tell two string alternatives apart."""
    for node in list(_walk(schemas)):
        alternatives = node.get("oneOf")
        if not alternatives or not all(a.get("type") == "string" for a in alternatives):
            continue
        blank = [a for a in alternatives if a.get("maxLength") == 0]
        others = [a for a in alternatives if a.get("maxLength") != 0]
        if len(others) != 1 or not blank:
            continue
        merged = dict(others[0])
        merged.pop("minLength", None)
        if "pattern" in merged:
            merged["pattern"] = f"^$|{merged['pattern']}"
        if merged.pop("format", None) == "uri":
            note = "An absolute http(s) URL, or an empty string."
            merged["description"] = " ".join(filter(None, [node.get("description"), note]))
        del node["oneOf"]
        node.update(merged)


def _add_enum_varnames(result: dict) -> None:
    for node in _walk(result):
        values = node.get("enum")
        if not isinstance(values, list) or "x-enum-varnames" in node:
            continue
        names = [enum_varname(v) for v in values]
        if len(set(names)) == len(names):
            node["x-enum-varnames"] = names


def _response_data(result: dict, operation: dict) -> dict:
    schemas = result["components"]["schemas"]
    ok = operation.get("responses", {}).get("200", {})
    node = ok.get("content", {}).get("application/json", {}).get("schema", {})
    while _ref_name(node):
        node = schemas[_ref_name(node)]
    node = node.get("properties", {}).get("data", {})
    while _ref_name(node):
        node = schemas[_ref_name(node)]
    return node


def _is_list(data: dict) -> bool:
    """A list: the data is an array, or holds exactly one array beside page information (a
    summary such as an unread counter carries integer totals next to its array)."""
    if data.get("type") == "array":
        return True
    properties = data.get("properties", {})
    arrays = [n for n, p in properties.items() if p.get("type") == "array"]
    if len(arrays) != 1:
        return False
    counts = [n for n, p in properties.items() if p.get("type") == "integer"]
    return "pagination" in properties or "has_more" in properties or not counts


def _name_list_operations(result: dict) -> None:
    taken = {op["operationId"] for item in result["paths"].values() for op in item.values()}
    for item in result["paths"].values():
        operation = item.get("get")
        if not operation or not _is_list(_response_data(result, operation)):
            continue
        current = operation["operationId"]
        renamed = re.sub(r"_retrieve$", "", current)
        renamed = renamed if renamed.endswith("_list") else f"{renamed}_list"
        if renamed == current:
            continue
        if renamed in taken:
            warn(f"operationId {renamed} is taken; {current} keeps its name")
            continue
        taken.discard(current)
        taken.add(renamed)
        operation["operationId"] = renamed


def _bound_pagination(result: dict) -> None:
    for item in result["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                bounds = PAGINATION_BOUNDS.get(parameter.get("name"))
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and bounds and schema.get("type") == "integer":
                    schema.update(bounds)


def _binary_also_as_octet_stream(result: dict) -> None:
    """A file answer (`application/zip`, `image/jpeg`, ...) is also listed as
    application/octet-stream: the one binary type every generator reads (openapi-python-client
    dropped the response otherwise)."""
    for item in result["paths"].values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                for media in list(content.values()):
                    if media.get("schema", {}).get("format") == "binary":
                        content.setdefault("application/octet-stream", media)


def _drop_unreferenced(result: dict) -> None:
    """Components nothing reaches any more (NullEnum, BlankEnum) would become dead SDK code."""
    schemas = result["components"]["schemas"]
    outside = {k: v for k, v in result.items() if k != "components"}
    pending = [name for n in _walk(outside) if (name := _ref_name(n))]
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name in reached or name not in schemas:
            continue
        reached.add(name)
        pending.extend(ref for n in _walk(schemas[name]) if (ref := _ref_name(n)))
    for name in [n for n in schemas if n not in reached]:
        del schemas[name]


def postprocess_for_generators(result: dict, generator: Any, **kwargs: Any) -> dict:
    schemas = result.get("components", {}).get("schemas", {})
    _fix_enum_alternatives(schemas)
    _merge_string_alternatives(schemas)
    _name_list_operations(result)
    _bound_pagination(result)
    _binary_also_as_octet_stream(result)
    _drop_unreferenced(result)
    _add_enum_varnames(result)
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result
