"""Rate limits (docs/API.md §12)."""

import time

import pytest
from django.test import RequestFactory
from django.urls import reverse
from redis.connection import AbstractConnection
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import access_token_revoke, tokens_for_user
from mwork.api.exceptions import RateLimitExceeded
from mwork.api.ratelimit import client_ip, enforce

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_rate_window")]

LOGIN = "accounts:login"


def attempt_login(client, **extra):
    return client.post(
        reverse(LOGIN),
        {"email": "nobody@example.kz", "password": "Wrong-1234!"},
        format="json",
        **extra,
    )


def assert_rate_limited(response, limit: int):
    assert response.status_code == 429
    error = response.json()["error"]
    assert response.json()["status"] == "error"
    assert error["code"] == "RATE_LIMIT_EXCEEDED"
    assert 1 <= error["retry_after"] <= 60
    assert response["Retry-After"] == str(error["retry_after"])
    assert response["X-RateLimit-Limit"] == str(limit)
    assert response["X-RateLimit-Remaining"] == "0"
    assert int(response["X-RateLimit-Reset"]) >= int(time.time())


def test_sixth_login_in_a_minute_from_one_address_is_429(api_client):
    answers = [attempt_login(api_client, REMOTE_ADDR="10.0.0.1") for _ in range(5)]

    sixth = attempt_login(api_client, REMOTE_ADDR="10.0.0.1")

    assert [a.status_code for a in answers] == [401] * 5
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["4", "3", "2", "1", "0"]
    assert all(a["X-RateLimit-Limit"] == "5" for a in answers)
    assert_rate_limited(sixth, limit=5)


def test_auth_limit_is_per_address(api_client):
    for _ in range(6):
        attempt_login(api_client, REMOTE_ADDR="10.0.0.1")

    other_address = attempt_login(api_client, REMOTE_ADDR="10.0.0.2")

    assert other_address.status_code == 401


def test_auth_limit_ignores_who_is_signed_in(auth_client):
    """Register/login/refresh are counted per address even for a caller holding a token."""
    for _ in range(5):
        attempt_login(auth_client(UserFactory()), REMOTE_ADDR="10.0.0.1")

    assert_rate_limited(attempt_login(auth_client(UserFactory()), REMOTE_ADDR="10.0.0.1"), 5)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("accounts:register", {}),
        ("accounts:refresh", {}),
        ("accounts:password-reset", {}),
        ("accounts:password-reset-confirm", {}),
        ("accounts:verify-email", {}),
    ],
)
def test_every_public_auth_endpoint_is_auth_limited(api_client, name, body):
    for _ in range(5):
        api_client.post(reverse(name), body, format="json")

    assert_rate_limited(api_client.post(reverse(name), body, format="json"), limit=5)


def test_signed_in_callers_are_limited_per_user(settings, auth_client):
    settings.RATELIMIT_API = "3/m"
    alice, bob = UserFactory(), UserFactory()
    alice_client, bob_client = auth_client(alice), auth_client(bob)

    answers = [alice_client.get(reverse("privacy:me"), REMOTE_ADDR="10.0.0.9") for _ in range(3)]
    fourth = alice_client.get(reverse("privacy:me"), REMOTE_ADDR="10.0.0.9")
    from_elsewhere = alice_client.get(reverse("privacy:me"), REMOTE_ADDR="10.0.0.10")
    bob_same_address = bob_client.get(reverse("privacy:me"), REMOTE_ADDR="10.0.0.9")

    assert [a.status_code for a in answers] == [200] * 3
    assert answers[0]["X-RateLimit-Limit"] == "3"
    assert_rate_limited(fourth, limit=3)
    assert_rate_limited(from_elsewhere, limit=3)  # the user is limited, wherever it calls from
    assert bob_same_address.status_code == 200


def test_anonymous_callers_are_limited_per_address(settings):
    settings.RATELIMIT_API = "2/m"
    settings.RATELIMIT_AUTH = "100/m"
    client = APIClient()

    for _ in range(2):
        client.post(reverse("accounts:password-reset"), {"email": "a@b.kz"}, REMOTE_ADDR="1.1.1.1")
    third = client.post(
        reverse("accounts:password-reset"), {"email": "a@b.kz"}, REMOTE_ADDR="1.1.1.1"
    )
    other = client.post(
        reverse("accounts:password-reset"), {"email": "a@b.kz"}, REMOTE_ADDR="2.2.2.2"
    )

    assert_rate_limited(third, limit=2)
    assert other.status_code == 200


def test_rate_limits_can_be_switched_off(settings, api_client):
    settings.RATELIMIT_ENABLE = False

    answers = [attempt_login(api_client) for _ in range(7)]

    assert {a.status_code for a in answers} == {401}
    assert "X-RateLimit-Limit" not in answers[-1]


# --- client address behind proxies -------------------------------------------------------------
def test_forwarded_for_is_ignored_without_trusted_proxies(settings, api_client):
    settings.TRUSTED_PROXY_COUNT = 0

    for n in range(5):
        attempt_login(api_client, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"7.7.7.{n}")
    spoofed = attempt_login(api_client, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="8.8.8.8")

    assert_rate_limited(spoofed, limit=5)


def test_forwarded_for_from_one_trusted_proxy_identifies_the_client(settings, api_client):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.254"}

    for _ in range(5):
        attempt_login(api_client, HTTP_X_FORWARDED_FOR="5.5.5.5", **proxy)
    same_client = attempt_login(api_client, HTTP_X_FORWARDED_FOR="5.5.5.5", **proxy)
    # a client cannot escape by prepending a fake address: the proxy appends the real one
    spoof = attempt_login(api_client, HTTP_X_FORWARDED_FOR="1.2.3.4, 5.5.5.5", **proxy)
    another_client = attempt_login(api_client, HTTP_X_FORWARDED_FOR="6.6.6.6", **proxy)

    assert_rate_limited(same_client, limit=5)
    assert_rate_limited(spoof, limit=5)
    assert another_client.status_code == 401


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "1.1.1.1", "9.9.9.9", "9.9.9.9"),
        (1, "1.1.1.1", "9.9.9.9", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "9.9.9.9", "1.1.1.1"),
        (2, "6.6.6.6, 1.1.1.1, 2.2.2.2", "9.9.9.9", "1.1.1.1"),
        (2, "1.1.1.1", "9.9.9.9", "9.9.9.9"),  # fewer hops than proxies: not trusted
        (1, "", "9.9.9.9", "9.9.9.9"),
    ],
)
def test_client_ip(settings, proxies, forwarded, remote, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)

    assert client_ip(request) == expected


def test_enforce_outside_a_request():
    for _ in range(2):
        enforce(group="chat", key="user:1", rate="2/m")

    with pytest.raises(RateLimitExceeded) as raised:
        enforce(group="chat", key="user:1", rate="2/m")

    assert 1 <= raised.value.retry_after <= 60
    enforce(group="chat", key="user:2", rate="2/m")


# --- the token's checks and the per-user limits in one round trip ------------------------------
def _remaining(response) -> int:
    return int(response["X-RateLimit-Remaining"])


def test_a_signed_in_call_is_counted_once(settings, auth_client):
    settings.RATELIMIT_API = "10/m"
    client = auth_client(UserFactory())

    assert [_remaining(client.get(reverse("privacy:me"))) for _ in range(3)] == [9, 8, 7]


@pytest.mark.parametrize("refusal", ["revoked", "old-version", "inactive"])
def test_a_refused_token_is_not_counted(settings, refusal):
    settings.RATELIMIT_API = "10/m"
    user = UserFactory()
    refused = tokens_for_user(user).access_token
    if refusal == "revoked":
        access_token_revoke(token=refused)
    elif refusal == "old-version":
        User.objects.filter(pk=user.pk).update(token_version=user.token_version + 1)
        user.refresh_from_db()
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)
    client = APIClient()

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refused}")
    answers = [client.get(reverse("privacy:me")) for _ in range(3)]
    User.objects.filter(pk=user.pk).update(is_active=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for_user(user).access_token}")
    accepted = client.get(reverse("privacy:me"))

    assert {a.status_code for a in answers} == {401}
    assert _remaining(accepted) == 9


def test_a_signed_in_call_makes_one_round_trip_to_the_cache(settings, auth_client, monkeypatch):
    """The token's denylist entry and the per-user limit are read and counted together."""
    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("the test settings have no Redis")
    settings.RATELIMIT_API = "10/m"
    client = auth_client(UserFactory())
    client.get(reverse("ping"))  # connections made
    sent = []
    original = AbstractConnection.send_packed_command

    def counted(self, command, *args, **kwargs):
        sent.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    response = client.get(reverse("ping"))

    assert response.status_code == 200
    assert _remaining(response) == 8
    assert len(sent) == 1, sent


def test_a_call_refused_by_a_permission_is_counted_and_says_so(settings, auth_client):
    """Counted with the token's checks, before permissions (docs/API.md §12)."""
    settings.RATELIMIT_API = "10/m"
    client = auth_client(UserFactory(role="model"))

    refused = client.get("/api/v1/agency/models")  # IsEmployer: a model is refused
    accepted = client.get(reverse("privacy:me"))

    assert refused.status_code == 403
    assert _remaining(refused) == 9
    assert _remaining(accepted) == 8
