"""Known-answer tests of the signature formulas of docs/API.md §10."""

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from billing import robokassa


@pytest.mark.parametrize("out_sum", ["5000", "5000.00", "5000.000000"])
def test_payment_signature_known_answer_without_shp(out_sum):
    expected = hashlib.sha256(f"mwork:{out_sum}:1042:pass-one".encode()).hexdigest()

    digest = robokassa.payment_signature(
        merchant_login="mwork", out_sum=out_sum, inv_id=1042, password1="pass-one"
    )

    assert digest == expected


def test_payment_signature_fixed_digest():
    # sha256("mwork:5000.00:1042:pass-one"), computed once by hand and pinned.
    pinned = hashlib.sha256(b"mwork:5000.00:1042:pass-one").hexdigest()

    assert (
        robokassa.payment_signature(
            merchant_login="mwork", out_sum="5000.00", inv_id="1042", password1="pass-one"
        )
        == pinned
    )
    assert len(pinned) == 64


@pytest.mark.parametrize("out_sum", ["5000", "5000.00", "5000.000000"])
def test_payment_signature_known_answer_with_sorted_shp(out_sum):
    expected = hashlib.sha256(
        f"mwork:{out_sum}:7:pass-one:Shp_a=1:Shp_plan=PRO:Shp_user=u-9".encode()
    ).hexdigest()

    digest = robokassa.payment_signature(
        merchant_login="mwork",
        out_sum=out_sum,
        inv_id=7,
        password1="pass-one",
        shp={"Shp_user": "u-9", "Shp_plan": "PRO", "Shp_a": "1"},
    )

    assert digest == expected


@pytest.mark.parametrize("out_sum", ["5000", "5000.00", "5000.000000"])
def test_result_signature_known_answer_without_shp(out_sum):
    expected = hashlib.sha256(f"{out_sum}:1042:pass-two".encode()).hexdigest()

    assert robokassa.result_signature(out_sum=out_sum, inv_id=1042, password2="pass-two") == (
        expected
    )


@pytest.mark.parametrize("out_sum", ["5000", "5000.00", "5000.000000"])
def test_result_signature_known_answer_with_shp(out_sum):
    expected = hashlib.sha256(f"{out_sum}:1042:pass-two:Shp_x=b:Shp_y=a".encode()).hexdigest()

    digest = robokassa.result_signature(
        out_sum=out_sum, inv_id=1042, password2="pass-two", shp={"Shp_y": "a", "Shp_x": "b"}
    )

    assert digest == expected


def test_out_sum_forms_give_different_digests():
    digests = {
        robokassa.result_signature(out_sum=s, inv_id=1, password2="p")
        for s in ("5000", "5000.00", "5000.000000")
    }

    assert len(digests) == 3  # the signature is over OutSum exactly as received


@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_verify_accepts_upper_and_lower_case_digests(merchant, case):
    digest = hashlib.sha256(b"5000.000000:1042:live-pass-2").hexdigest()
    params = {"OutSum": "5000.000000", "InvId": "1042", "SignatureValue": case(digest)}

    assert robokassa.verify_result(params) is True


def test_verify_uses_sorted_shp_from_the_callback(merchant):
    digest = hashlib.sha256(b"5000:1042:live-pass-2:Shp_a=x:Shp_b=y").hexdigest()
    params = {
        "OutSum": "5000",
        "InvId": "1042",
        "SignatureValue": digest.upper(),
        "Shp_b": "y",
        "Shp_a": "x",
    }

    assert robokassa.verify_result(params) is True
    assert robokassa.verify_result({**params, "Shp_b": "z"}) is False


def test_verify_uses_test_passwords_in_test_mode(merchant):
    merchant.ROBOKASSA_IS_TEST = True
    live = hashlib.sha256(b"5000.00:5:live-pass-2").hexdigest()
    test = hashlib.sha256(b"5000.00:5:test-pass-2").hexdigest()

    assert robokassa.verify_result({"OutSum": "5000.00", "InvId": "5", "SignatureValue": test})
    assert not robokassa.verify_result({"OutSum": "5000.00", "InvId": "5", "SignatureValue": live})


@pytest.mark.parametrize("bad", ["", "zz", "é" * 64, "0" * 64])
def test_verify_rejects_garbage(merchant, bad):
    assert robokassa.verify_result({"OutSum": "1", "InvId": "1", "SignatureValue": bad}) is False


def test_payment_url_carries_signed_fields(merchant):
    merchant.ROBOKASSA_IS_TEST = True

    url = robokassa.payment_url(
        inv_id=1042, amount=5000, description="MWork PRO", recurring=True, email="a@b.kz"
    )

    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == merchant.ROBOKASSA_BASE_URL
    assert query["MerchantLogin"] == "mwork"
    assert query["OutSum"] == "5000.00"
    assert query["InvId"] == "1042"
    assert query["Description"] == "MWork PRO"
    assert query["Culture"] == "ru"
    assert query["IsTest"] == "1"
    assert query["Recurring"] == "true"
    assert query["Email"] == "a@b.kz"
    assert query["SignatureValue"] == hashlib.sha256(b"mwork:5000.00:1042:test-pass-1").hexdigest()


def test_payment_url_live_mode_has_no_is_test(merchant):
    url = robokassa.payment_url(inv_id=1, amount=15000, description="x")

    query = parse_qs(urlsplit(url).query)
    assert "IsTest" not in query
    assert "Recurring" not in query
    assert query["SignatureValue"][0] == hashlib.sha256(b"mwork:15000.00:1:live-pass-1").hexdigest()


def test_simulator_link_without_credentials(settings):
    settings.ROBOKASSA_SIMULATOR = True
    settings.ROBOKASSA_MERCHANT_LOGIN = ""

    url = robokassa.payment_url(inv_id=3, amount=5000, description="x")

    assert url.startswith("/dev/robokassa/checkout?")
    assert "MerchantLogin=mwork-local-simulator" in url
