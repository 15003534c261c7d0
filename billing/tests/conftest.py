import hashlib

import pytest

from billing import robokassa


def sha256_hex(text: str) -> str:
    """Independent of billing.robokassa: the formula written out by hand."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def signed_result(inv_id, out_sum: str, *, password2: str | None = None, **shp) -> dict:
    """A ResultURL callback as Robokassa sends it, signed with the formula of docs/API.md §10."""
    password2 = password2 if password2 is not None else robokassa.credentials().password2
    parts = [out_sum, str(inv_id), password2] + [f"{k}={shp[k]}" for k in sorted(shp)]
    return {
        "OutSum": out_sum,
        "InvId": str(inv_id),
        "SignatureValue": sha256_hex(":".join(parts)).upper(),
        "IsTest": "1",
        **shp,
    }


@pytest.fixture
def merchant(settings):
    """Real-looking merchant credentials (no simulator)."""
    settings.ROBOKASSA_SIMULATOR = False
    settings.ROBOKASSA_MERCHANT_LOGIN = "mwork"
    settings.ROBOKASSA_PASSWORD_1 = "live-pass-1"
    settings.ROBOKASSA_PASSWORD_2 = "live-pass-2"
    settings.ROBOKASSA_TEST_PASSWORD_1 = "test-pass-1"
    settings.ROBOKASSA_TEST_PASSWORD_2 = "test-pass-2"
    settings.ROBOKASSA_IS_TEST = False
    settings.ROBOKASSA_BASE_URL = "https://auth.robokassa.kz/Merchant/Index.aspx"
    settings.ROBOKASSA_RECURRING_URL = ""
    settings.ROBOKASSA_RECURRING_ENABLED = True
    settings.ROBOKASSA_HTTP_RETRIES = 2
    return settings
