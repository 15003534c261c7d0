"""The one error family of the API.

Services and selectors raise these; `mwork.api.handlers.exception_handler` renders each as
`{"status": "error", "error": {"code", "message", "details"}}` with its HTTP status. Codes are
the contract's strings, never translated; messages are gettext msgids in English, rendered in
the request's language (docs/i18n.md).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "INTERNAL_ERROR"
    status = 500
    default_message = _("Internal server error.")

    def __init__(
        self,
        message: Any = None,
        *,
        details: dict[str, Any] | None = None,
        details_codes: dict[str, list[str]] | None = None,
    ):
        self.message = message or self.default_message
        self.details = details or {}
        # Machine codes per field, parallel to `details` (mwork.api.handlers.details_codes).
        self.details_codes = details_codes or {}
        super().__init__(self.message)


class ValidationFailed(DomainError):
    code = "VALIDATION_ERROR"
    status = 400
    default_message = _("Invalid request parameters.")

    @classmethod
    def for_field(cls, field: str, message: Any, code: str = "invalid") -> ValidationFailed:
        return cls(details={field: [message]}, details_codes={field: [code]})


class InvalidToken(DomainError):
    code = "INVALID_TOKEN"
    status = 401
    default_message = _("Token is invalid or expired.")


class InvalidCredentials(DomainError):
    code = "INVALID_CREDENTIALS"
    status = 401
    default_message = _("Invalid e-mail or password.")


class PermissionDenied(DomainError):
    code = "PERMISSION_DENIED"
    status = 403
    default_message = _("You do not have permission to perform this action.")


class AccountDisabled(DomainError):
    code = "ACCOUNT_DISABLED"
    status = 403
    default_message = _("This account is disabled.")


class AccountPendingDeletion(DomainError):
    code = "ACCOUNT_PENDING_DELETION"
    status = 403
    default_message = _("This account is scheduled for deletion; restore it to log in.")


class ProfileRequired(DomainError):
    code = "PROFILE_REQUIRED"
    status = 403
    default_message = _("Create your profile first.")


class SubscriptionLimitExceeded(DomainError):
    """403 SUBSCRIPTION_LIMIT; details are `{limit, used, plan}` or `{feature}`."""

    code = "SUBSCRIPTION_LIMIT"
    status = 403
    default_message = _("Subscription limit reached.")


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404
    default_message = _("Resource not found.")


class MethodNotAllowed(DomainError):
    code = "METHOD_NOT_ALLOWED"
    status = 405
    default_message = _("Method not allowed.")


class Conflict(DomainError):
    code = "DUPLICATE_RESOURCE"
    status = 409
    default_message = _("Resource already exists.")


class FileTooLarge(DomainError):
    code = "FILE_TOO_LARGE"
    status = 413
    default_message = _("File is too large.")


class PayloadTooLarge(DomainError):
    """413 for a JSON/form body over `API_MAX_BODY_BYTES` (uploads keep FILE_TOO_LARGE)."""

    code = "PAYLOAD_TOO_LARGE"
    status = 413
    default_message = _("Request body is too large.")


class InvalidState(DomainError):
    """422: the object is not in a state that allows the action (e.g. illegal transition)."""

    code = "INVALID_STATE"
    status = 422
    default_message = _("The action is not allowed in the current state.")


class RateLimitExceeded(DomainError):
    code = "RATE_LIMIT_EXCEEDED"
    status = 429
    default_message = _("Rate limit exceeded. Please try again later.")

    def __init__(
        self, message: str | Promise | None = None, *, retry_after: int = 60, **kwargs: Any
    ):
        super().__init__(message, **kwargs)
        self.retry_after = max(int(retry_after), 1)


class TrustLimitExceeded(RateLimitExceeded):
    """429: a daily limit of the account's trust level is spent (docs/SAFETY.md, "Limits")."""

    code = "TRUST_LIMIT_EXCEEDED"
    default_message = _(
        "You have reached today's limit for a new account. Verify your e-mail to raise it."
    )


class ServiceUnavailable(DomainError):
    code = "SERVICE_UNAVAILABLE"
    status = 503
    default_message = _("Service temporarily unavailable.")
