"""Robokassa: signatures, payment links, the recurring-charge client (docs/API.md §10).

Signatures are SHA-256 hex digests:
- payment link, recurring charge: `MerchantLogin:OutSum:InvId[:Receipt]:Password1[:Shp_k=v...]`
- ResultURL callback:             `OutSum:InvId:Password2[:Shp_k=v...]`
Shp_ pairs are sorted by key. `Receipt` (the fiscal receipt, ROBOKASSA_RECEIPT=1) is the
URL-encoded JSON, signed and sent in that encoded form, by POST (docs/PRIVACY.md "Fiscal
receipts"). A callback's signature is computed over OutSum exactly as received (Robokassa sends
`5000.000000`) and compared case-insensitively in constant time; the amount is then compared as
a Decimal by the caller. Test passwords are used while ROBOKASSA_IS_TEST is on.

Settings are read at call time, never at import.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote, urlencode

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

SIMULATOR_PATH = "/dev/robokassa/checkout"

# Local-only credentials of the offline checkout simulator (no merchant account configured).
# They sign nothing real: Robokassa does not know them.
DEV_MERCHANT_LOGIN = "mwork-local-simulator"
DEV_PASSWORD_1 = "local-simulator-password-1"  # noqa: S105
DEV_PASSWORD_2 = "local-simulator-password-2"  # noqa: S105


@dataclass(frozen=True)
class Credentials:
    merchant_login: str
    password1: str
    password2: str
    is_test: bool
    simulated: bool


def credentials() -> Credentials:
    """The merchant login and the passwords in force (test ones while ROBOKASSA_IS_TEST)."""
    if settings.ROBOKASSA_SIMULATOR and not settings.ROBOKASSA_MERCHANT_LOGIN:
        return Credentials(DEV_MERCHANT_LOGIN, DEV_PASSWORD_1, DEV_PASSWORD_2, True, True)
    if settings.ROBOKASSA_IS_TEST:
        password1, password2 = (
            settings.ROBOKASSA_TEST_PASSWORD_1,
            settings.ROBOKASSA_TEST_PASSWORD_2,
        )
    else:
        password1, password2 = settings.ROBOKASSA_PASSWORD_1, settings.ROBOKASSA_PASSWORD_2
    return Credentials(
        settings.ROBOKASSA_MERCHANT_LOGIN,
        password1,
        password2,
        settings.ROBOKASSA_IS_TEST,
        bool(settings.ROBOKASSA_SIMULATOR),
    )


def shp_params(params: Mapping[str, str]) -> dict[str, str]:
    """The `Shp_` user parameters of a request (Robokassa echoes them back signed)."""
    return {key: value for key, value in params.items() if key.startswith("Shp_")}


def _sign(parts: list[str], shp: Mapping[str, str] | None) -> str:
    shp = shp or {}
    parts = [*parts, *(f"{key}={shp[key]}" for key in sorted(shp))]
    return hashlib.sha256(":".join(parts).encode("utf-8")).hexdigest()


def payment_signature(
    *,
    merchant_login: str,
    out_sum: str,
    inv_id: str | int,
    password1: str,
    shp: Mapping[str, str] | None = None,
    receipt: str | None = None,
) -> str:
    """`sha256(MerchantLogin:OutSum:InvId[:Receipt]:Password1[:Shp_k=v...])`, lower-case hex;
    `receipt` is the URL-encoded Receipt exactly as sent."""
    head = [merchant_login, out_sum, str(inv_id)] + ([receipt] if receipt else [])
    return _sign([*head, password1], shp)


def result_signature(
    *, out_sum: str, inv_id: str | int, password2: str, shp: Mapping[str, str] | None = None
) -> str:
    """`sha256(OutSum:InvId:Password2[:Shp_k=v...])` as lower-case hex."""
    return _sign([out_sum, str(inv_id), password2], shp)


def success_signature(*, out_sum: str, inv_id: str | int, password1: str) -> str:
    """What Robokassa sends to SuccessURL: `sha256(OutSum:InvId:Password1)`."""
    return _sign([out_sum, str(inv_id), password1], None)


def signatures_match(expected: str, received: str) -> bool:
    """Case-insensitive, constant-time comparison of two hex digests."""
    return hmac.compare_digest(
        expected.strip().lower().encode("utf-8"), received.strip().lower().encode("utf-8")
    )


def verify_result(params: Mapping[str, str]) -> bool:
    """Is this ResultURL callback signed with our Password #2? (OutSum taken verbatim.)"""
    creds = credentials()
    expected = result_signature(
        out_sum=params.get("OutSum", ""),
        inv_id=params.get("InvId", ""),
        password2=creds.password2,
        shp=shp_params(params),
    )
    return signatures_match(expected, params.get("SignatureValue", ""))


def format_out_sum(amount: int | Decimal) -> str:
    """Tenge with two decimals, the form we put in links (`5000.00`)."""
    return f"{Decimal(amount):.2f}"


# ---------------------------------------------------------------------------------------------
# Fiscal receipts (Robokassa Kazakhstan "Receipt")
# ---------------------------------------------------------------------------------------------
RECEIPT_NAME_MAX_LENGTH = 128


def receipts_enabled() -> bool:
    return bool(settings.ROBOKASSA_RECEIPT)


def receipt_build(*, items: list[tuple[str, int, int]]) -> dict[str, Any]:
    """The Receipt JSON for `(name, quantity, sum in tenge)` lines: the tax code of every line
    is ROBOKASSA_TAX (a setting: Kazakhstan's VAT rate changes), the taxation system
    ROBOKASSA_SNO when set."""
    receipt: dict[str, Any] = {}
    if settings.ROBOKASSA_SNO:
        receipt["sno"] = settings.ROBOKASSA_SNO
    receipt["items"] = [
        {
            "name": name[:RECEIPT_NAME_MAX_LENGTH],
            "quantity": quantity,
            "sum": total,
            "tax": settings.ROBOKASSA_TAX,
        }
        for name, quantity, total in items
    ]
    return receipt


def receipt_encode(receipt: Mapping[str, Any]) -> str:
    """Compact JSON, URL-encoded once: the value both signed and sent as `Receipt`."""
    text = json.dumps(receipt, ensure_ascii=False, separators=(",", ":"))
    return quote(text, safe="")


def receipt_decode(encoded: str) -> dict[str, Any]:
    """The Receipt JSON back from its URL-encoded form; `ValueError` when it is not one."""
    receipt = json.loads(unquote(encoded))
    if not isinstance(receipt, dict) or not isinstance(receipt.get("items"), list):
        raise ValueError("Receipt without items")
    return receipt


def receipt_total(receipt: Mapping[str, Any]) -> Decimal:
    """The sum of the receipt's lines in tenge (what must equal OutSum)."""
    return sum((Decimal(str(item["sum"])) for item in receipt["items"]), Decimal(0))


def checkout_action() -> str:
    """Where the checkout form goes: Robokassa's page, or the local simulator when it is on."""
    return SIMULATOR_PATH if credentials().simulated else settings.ROBOKASSA_BASE_URL


def payment_fields(
    *,
    inv_id: int,
    amount: int,
    description: str,
    recurring: bool = False,
    email: str = "",
    culture: str | None = None,
    shp: Mapping[str, str] | None = None,
    receipt: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Every field of the checkout request, signed (with the Receipt when given)."""
    creds = credentials()
    out_sum = format_out_sum(amount)
    encoded_receipt = receipt_encode(receipt) if receipt else None
    params: dict[str, str] = {
        "MerchantLogin": creds.merchant_login,
        "OutSum": out_sum,
        "InvId": str(inv_id),
        "Description": description[:100],
        "SignatureValue": payment_signature(
            merchant_login=creds.merchant_login,
            out_sum=out_sum,
            inv_id=inv_id,
            password1=creds.password1,
            shp=shp,
            receipt=encoded_receipt,
        ),
        "Culture": culture or settings.ROBOKASSA_CULTURE,
        "Encoding": "utf-8",
    }
    if encoded_receipt:
        params["Receipt"] = encoded_receipt
    if email:
        params["Email"] = email
    if recurring:
        params["Recurring"] = "true"
    if creds.is_test:
        params["IsTest"] = "1"
    params.update(shp or {})
    return params


def payment_url(**kwargs: Any) -> str:
    """The checkout link (GET) for a payment without a Receipt; see `payment_fields`."""
    return f"{checkout_action()}?{urlencode(payment_fields(**kwargs))}"


def result_callback_params(
    *, inv_id: int, amount: int, shp: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A ResultURL callback exactly as Robokassa sends it (used by the simulator)."""
    creds = credentials()
    out_sum = f"{Decimal(amount):.6f}"
    params = {
        "OutSum": out_sum,
        "InvId": str(inv_id),
        "SignatureValue": result_signature(
            out_sum=out_sum, inv_id=inv_id, password2=creds.password2, shp=shp
        ).upper(),
        "IsTest": "1" if creds.is_test else "0",
        "PaymentMethod": "BankCard",
        "IncCurrLabel": "BankCardKZT",
    }
    params.update(shp or {})
    return params


# ---------------------------------------------------------------------------------------------
# Recurring charges (Robokassa "Periodic payments")
# ---------------------------------------------------------------------------------------------
class RecurringError(Exception):
    """Robokassa did not accept the recurring charge (declined, error answer or unreachable)."""


def _session() -> requests.Session:
    # Retrying a POST is safe here: Robokassa accepts an InvoiceID once, so a retried request
    # can never charge twice.
    retry = Retry(
        total=settings.ROBOKASSA_HTTP_RETRIES,
        connect=settings.ROBOKASSA_HTTP_RETRIES,
        read=settings.ROBOKASSA_HTTP_RETRIES,
        status=settings.ROBOKASSA_HTTP_RETRIES,
        backoff_factor=0.5,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"POST"}),
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def recurring_url() -> str:
    if settings.ROBOKASSA_RECURRING_URL:
        return settings.ROBOKASSA_RECURRING_URL
    return settings.ROBOKASSA_BASE_URL.rsplit("/", 1)[0] + "/Recurring"


def charge_recurring(
    *,
    inv_id: int,
    previous_inv_id: int,
    amount: int,
    description: str,
    receipt: Mapping[str, Any] | None = None,
) -> str:
    """Ask Robokassa to charge the card of `previous_inv_id` again under the new `inv_id`.

    Robokassa answers `OK+<InvoiceID>` when it accepted the charge; the money is confirmed
    later by the usual ResultURL callback. Returns the answer; raises `RecurringError` for any
    other answer, an HTTP error or a network failure (after retries).
    """
    creds = credentials()
    out_sum = format_out_sum(amount)
    encoded_receipt = receipt_encode(receipt) if receipt else None
    data = {
        "MerchantLogin": creds.merchant_login,
        "InvoiceID": str(inv_id),
        "PreviousInvoiceID": str(previous_inv_id),
        "OutSum": out_sum,
        "Description": description[:100],
        "SignatureValue": payment_signature(
            merchant_login=creds.merchant_login,
            out_sum=out_sum,
            inv_id=inv_id,
            password1=creds.password1,
            receipt=encoded_receipt,
        ),
    }
    if encoded_receipt:
        data["Receipt"] = encoded_receipt
    if creds.is_test:
        data["IsTest"] = "1"
    try:
        with _session() as session:
            answer = session.post(
                recurring_url(),
                data=data,
                timeout=(
                    settings.ROBOKASSA_HTTP_CONNECT_TIMEOUT,
                    settings.ROBOKASSA_HTTP_READ_TIMEOUT,
                ),
            )
    except requests.RequestException as error:
        raise RecurringError(f"Robokassa unreachable: {error.__class__.__name__}") from error
    body = answer.text.strip()
    if answer.status_code != 200:
        raise RecurringError(f"Robokassa HTTP {answer.status_code}: {body[:200]}")
    if body.upper() != f"OK+{inv_id}":
        raise RecurringError(f"Robokassa declined: {body[:200]}")
    return body
