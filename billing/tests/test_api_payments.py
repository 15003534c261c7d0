import pytest
from django.urls import reverse

from billing.models import Payment, ResponsePackage
from billing.tests.factories import PackagePaymentFactory, SubscriptionPaymentFactory

pytestmark = pytest.mark.django_db


def test_packages_are_public(api_client):
    answer = api_client.get(reverse("billing:packages"))

    assert answer.status_code == 200
    packages = answer.json()["data"]["packages"]
    assert [p["responses"] for p in packages] == [5, 15, 50]
    assert set(packages[0]) == {"id", "name", "responses", "price"}


def test_withdrawn_package_is_not_listed(api_client):
    ResponsePackage.objects.filter(responses=50).update(is_active=False)

    packages = api_client.get(reverse("billing:packages")).json()["data"]["packages"]

    assert [p["responses"] for p in packages] == [5, 15]


def test_buy_package_amount_from_the_package(make_user, auth_client):
    user = make_user()
    package = ResponsePackage.objects.get(responses=15)

    answer = auth_client(user).post(
        reverse("billing:pay-responses"),
        {"package_id": str(package.pk), "amount": 1, "OutSum": "1.00"},
        format="json",
    )

    assert answer.status_code == 200
    data = answer.json()["data"]
    payment = Payment.objects.get(user=user)
    assert data["amount"] == package.price == payment.amount
    assert data["order_id"] == str(payment.pk)
    assert data["purpose"] == "response_package"
    assert payment.package == package
    assert f"OutSum={package.price}.00" in data["payment_url"]


@pytest.mark.parametrize("role", ["employer", "agency"])
def test_only_models_buy_packages(make_user, auth_client, role):
    package = ResponsePackage.objects.get(responses=5)

    answer = auth_client(make_user(role=role)).post(
        reverse("billing:pay-responses"), {"package_id": str(package.pk)}, format="json"
    )

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "PERMISSION_DENIED"
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({}, 400, "package_id"),
        ({"package_id": "nope"}, 400, "package_id"),
        ({"package_id": "7b1e5a52-5a61-4a43-9a3d-1f1d1e0b0c11"}, 404, None),
    ],
)
def test_buy_package_validation(make_user, auth_client, body, status, field):
    answer = auth_client(make_user()).post(reverse("billing:pay-responses"), body, format="json")

    assert answer.status_code == status
    if field:
        assert field in answer.json()["error"]["details"]
    else:
        assert answer.json()["error"]["code"] == "NOT_FOUND"
    assert not Payment.objects.exists()


def test_generic_init_for_subscription_and_package(make_user, auth_client):
    user = make_user()
    client = auth_client(user)
    package = ResponsePackage.objects.get(responses=50)

    sub = client.post(
        reverse("billing:init"),
        {"purpose": "subscription", "plan_name": "BUSINESS", "billing_period": "monthly"},
        format="json",
    )
    pack = client.post(
        reverse("billing:init"),
        {"purpose": "response_package", "package_id": str(package.pk), "amount": 5},
        format="json",
    )

    assert sub.status_code == 200
    assert sub.json()["data"]["amount"] == 15000
    assert pack.status_code == 200
    assert pack.json()["data"]["amount"] == package.price
    assert Payment.objects.filter(user=user).count() == 2


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "purpose"),
        ({"purpose": "gift"}, "purpose"),
        ({"purpose": "subscription"}, "plan_name"),
        ({"purpose": "response_package"}, "package_id"),
    ],
)
def test_generic_init_validation(make_user, auth_client, body, field):
    answer = auth_client(make_user()).post(reverse("billing:init"), body, format="json")

    assert answer.status_code == 400
    assert field in answer.json()["error"]["details"]
    assert not Payment.objects.exists()


def test_payments_subscriptions_endpoint(make_user, auth_client):
    user = make_user()

    answer = auth_client(user).post(
        reverse("billing:pay-subscription"), {"plan_name": "PRO"}, format="json"
    )

    assert answer.status_code == 200
    assert answer.json()["data"]["amount"] == 5000


def test_payment_history_is_the_callers_own(make_user, auth_client):
    user = make_user()
    mine = SubscriptionPaymentFactory(user=user)
    PackagePaymentFactory(user=user)
    SubscriptionPaymentFactory()  # someone else's

    answer = auth_client(user).get(reverse("billing:payments"))

    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["pagination"] == {"total": 2, "limit": 20, "offset": 0, "has_more": False}
    item = next(p for p in data["payments"] if p["order_id"] == str(mine.pk))
    assert item == {
        "id": str(mine.public_id),
        "order_id": str(mine.pk),
        "purpose": "subscription",
        "plan": "PRO",
        "billing_period": "monthly",
        "package": None,
        "amount": 5000,
        "status": "pending",
        "is_test": False,
        "is_renewal": False,
        "created_at": mine.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "paid_at": None,
    }
    package_item = next(p for p in data["payments"] if p["purpose"] == "response_package")
    assert package_item["plan"] is None
    assert package_item["package"]["responses"] == 5


@pytest.mark.parametrize("rows", [2, 20])
def test_payment_history_query_budget(make_user, auth_client, django_assert_max_num_queries, rows):
    user = make_user()
    for _ in range(rows // 2):
        SubscriptionPaymentFactory(user=user)
        PackagePaymentFactory(user=user)
    client = auth_client(user)

    with django_assert_max_num_queries(4):
        answer = client.get(reverse("billing:payments"), {"limit": 50})

    assert len(answer.json()["data"]["payments"]) == rows


def test_payment_history_bad_limit(make_user, auth_client):
    answer = auth_client(make_user()).get(reverse("billing:payments"), {"limit": "x"})

    assert answer.status_code == 400
    assert "limit" in answer.json()["error"]["details"]


def test_payment_detail_owner_only(make_user, auth_client):
    owner, stranger = make_user(), make_user()
    payment = SubscriptionPaymentFactory(user=owner)
    url = reverse("billing:payment", kwargs={"order_id": payment.pk})

    mine = auth_client(owner).get(url)
    theirs = auth_client(stranger).get(url)
    garbage = auth_client(owner).get(reverse("billing:payment", kwargs={"order_id": "abc"}))

    assert mine.status_code == 200
    assert mine.json()["data"]["payment"]["order_id"] == str(payment.pk)
    assert theirs.status_code == 404
    assert theirs.json()["error"]["code"] == "NOT_FOUND"
    assert garbage.status_code == 404


@pytest.mark.parametrize("name,setting", [("billing:success", "SUCCESS"), ("billing:fail", "FAIL")])
@pytest.mark.parametrize("method", ["get", "post"])
def test_browser_returns_redirect_without_token(api_client, settings, name, setting, method):
    payment = SubscriptionPaymentFactory()
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    answer = getattr(api_client, method)(
        reverse(name), {"InvId": str(payment.pk), "OutSum": "5000.00", "SignatureValue": "x"}
    )

    assert answer.status_code == 302
    base = getattr(settings, f"ROBOKASSA_FRONTEND_{setting}_URL")
    joiner = "&" if "?" in base else "?"  # the local simulator page already has a query
    assert answer["Location"] == f"{base}{joiner}order_id={payment.pk}"
    payment.refresh_from_db()
    assert payment.status == "pending"  # a browser return never changes a payment


def test_browser_return_drops_junk_order_id(api_client, settings):
    answer = api_client.get(reverse("billing:success"), {"InvId": "1&evil=1"})

    assert answer.status_code == 302
    assert answer["Location"] == settings.ROBOKASSA_FRONTEND_SUCCESS_URL
