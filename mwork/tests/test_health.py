import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_health_is_public_and_ok(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")  # ignored: no authentication

    response = api_client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {"database": "ok", "cache": "ok", "channel_layer": "ok"},
    }


def test_health_is_503_naming_the_cache_when_redis_is_down(api_client):
    down_cache = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    with override_settings(CACHES=down_cache):
        response = api_client.get(reverse("health"))

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert "cache" in error["message"]
    assert error["details"]["cache"] == ["down"]
    assert error["details"]["database"] == ["ok"]


def test_health_is_503_naming_the_channel_layer_when_it_is_down(api_client):
    down_layer = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [UNREACHABLE_REDIS]},
        }
    }
    with override_settings(CHANNEL_LAYERS=down_layer):
        response = api_client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["error"]["details"]["channel_layer"] == ["down"]
