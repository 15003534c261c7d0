"""One place that turns every error into the contract's error envelope."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback
from rest_framework_simplejwt import exceptions as jwt

from mwork.api.exceptions import DomainError

logger = logging.getLogger("mwork.api")

_DRF_CODES: list[tuple[type[Exception], int, str]] = [
    (drf.NotAuthenticated, 401, "AUTH_REQUIRED"),
    (jwt.InvalidToken, 401, "INVALID_TOKEN"),
    (drf.AuthenticationFailed, 401, "INVALID_TOKEN"),
    (drf.PermissionDenied, 403, "PERMISSION_DENIED"),
    (drf.NotFound, 404, "NOT_FOUND"),
    (drf.MethodNotAllowed, 405, "METHOD_NOT_ALLOWED"),
    (drf.NotAcceptable, 406, "NOT_ACCEPTABLE"),
    # docs/API.md §2: a wrong content type is a 400 like malformed JSON.
    (drf.UnsupportedMediaType, 400, "VALIDATION_ERROR"),
    (drf.ParseError, 400, "VALIDATION_ERROR"),
    (drf.Throttled, 429, "RATE_LIMIT_EXCEEDED"),
]


def error_body(
    code: str, message: str | Promise, details: dict[str, Any] | None = None, **extra: Any
):
    error: dict[str, Any] = {"code": code, "message": str(message)}  # str: lazy → active language
    if details:
        error["details"] = details
    error.update(extra)
    return {"status": "error", "error": error}


def _field_errors(detail: Any, leaf: Any = str) -> dict[str, list[Any]]:
    """Flatten DRF/Django validation detail into `{field: [messages]}` (`leaf` maps each
    message: `str` for the text, `_code_of` for its machine code)."""
    if isinstance(detail, dict):
        out: dict[str, list[Any]] = {}
        for field, value in detail.items():
            name = "non_field_errors" if field in ("__all__", "non_field_errors") else str(field)
            if isinstance(value, dict):  # nested serializer: requirements.min_age
                for sub, messages in _field_errors(value, leaf).items():
                    out[f"{name}.{sub}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):  # list of nested serializers
                    for sub, messages in _field_errors(item, leaf).items():
                        out[f"{name}[{index}].{sub}"] = messages
            else:
                out[name] = [leaf(m) for m in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [leaf(m) for m in detail]}
    return {"non_field_errors": [leaf(detail)]}


# ---- details_codes: machine codes parallel to `details` (docs/CLIENTS.md, "Error codes") ----
def _code_of(message: Any) -> str:
    """DRF's ErrorDetail and Django's ValidationError carry the validator's code
    ("required", "min_length", "password_too_short", ...)."""
    return str(getattr(message, "code", None) or "invalid")


def _django_codes(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return _field_errors({f: list(errors) for f, errors in exc.error_dict.items()}, _code_of)
    return _field_errors(list(exc.error_list), _code_of)


def details_codes(exc: DomainError) -> dict[str, list[str]]:
    """A domain error's codes: the ones it names, else one per message: `invalid` for a
    VALIDATION_ERROR, the error's own code in lower case otherwise (`invalid_state`, ...)."""
    default = "invalid" if exc.code == "VALIDATION_ERROR" else exc.code.lower()
    codes: dict[str, list[str]] = {}
    for field, messages in exc.details.items():
        if not isinstance(messages, list | tuple):
            continue  # not a per-field list (SUBSCRIPTION_LIMIT's limit/used/plan)
        given = list(exc.details_codes.get(field, []))
        codes[str(field)] = (given + [default] * len(messages))[: len(messages)]
    return codes


def _with_codes(body: dict[str, Any], codes: dict[str, list[str]]) -> dict[str, Any]:
    if codes and "details" in body["error"]:
        body["error"]["details_codes"] = codes
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: DomainError, DRF, simplejwt and Django errors → envelope."""
    set_rollback()  # like DRF's own handler: an error never commits an ATOMIC_REQUESTS block
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        body = _with_codes(error_body(exc.code, exc.message, exc.details), details_codes(exc))
        if hasattr(exc, "retry_after"):
            body["error"]["retry_after"] = exc.retry_after
            headers["Retry-After"] = str(exc.retry_after)
        return Response(body, status=exc.status, headers=headers)

    if isinstance(exc, drf.ValidationError):
        body = error_body(
            "VALIDATION_ERROR", _("Invalid request parameters."), _field_errors(exc.detail)
        )
        return Response(_with_codes(body, _field_errors(exc.detail, _code_of)), status=400)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        body = error_body(
            "VALIDATION_ERROR", _("Invalid request parameters."), _field_errors(detail)
        )
        return Response(_with_codes(body, _django_codes(exc)), status=400)
    if isinstance(exc, RequestDataTooBig):
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE (found by the contract fuzzer: was a 500).
        return Response(
            error_body("PAYLOAD_TOO_LARGE", _("Request body is too large.")), status=413
        )
    if isinstance(exc, MultiPartParserError | UnicodeDecodeError):
        # A body read outside DRF's parsers: multipart without a boundary, undecodable form.
        return Response(error_body("VALIDATION_ERROR", _("Malformed request.")), status=400)
    if isinstance(exc, SuspiciousOperation):
        # TooManyFieldsSent / TooManyFilesSent while parsing a form body, and the like.
        return Response(error_body("VALIDATION_ERROR", _("Malformed request.")), status=400)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return Response(error_body("NOT_FOUND", _("Resource not found.")), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(error_body("PERMISSION_DENIED", _("Permission denied.")), status=403)

    for exc_class, status, code in _DRF_CODES:
        if isinstance(exc, exc_class):
            message = str(exc.detail) if isinstance(exc, drf.APIException) else str(exc)
            if isinstance(exc, jwt.InvalidToken):
                message = _("Token is invalid or expired.")
            extra: dict[str, Any] = {}
            if isinstance(exc, drf.Throttled):
                # Throttled sets .wait in __init__; djangorestframework-stubs does not declare it.
                retry = int(exc.wait or 60)  # type: ignore[attr-defined]
                extra["retry_after"] = retry
                headers["Retry-After"] = str(retry)
                message = _("Rate limit exceeded. Please try again later.")
            response = Response(error_body(code, message, **extra), status=status, headers=headers)
            auth_header = getattr(exc, "auth_header", None)
            if auth_header:
                response["WWW-Authenticate"] = auth_header
            return response

    if isinstance(exc, drf.APIException):
        return Response(
            error_body(str(exc.default_code).upper(), str(exc.detail)), status=exc.status_code
        )

    logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
    return Response(error_body("INTERNAL_ERROR", _("Internal server error.")), status=500)


def json_page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("NOT_FOUND", _("Resource not found.")), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("INTERNAL_ERROR", _("Internal server error.")), status=500)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("VALIDATION_ERROR", _("Bad request.")), status=400)


def json_permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    return JsonResponse(error_body("PERMISSION_DENIED", _("Permission denied.")), status=403)
