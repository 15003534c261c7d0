from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.models import FREQUENCY_TYPES, Device, Notification, NotificationPreference
from notifications.tests.factories import DeviceFactory, NotificationFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("notifications:list")
READ_ALL_URL = reverse("notifications:read-all")
PREFERENCES_URL = reverse("notifications:preferences")
DEVICES_URL = reverse("notifications:devices")


def _read_url(notification_id):
    return reverse("notifications:read", kwargs={"notification_id": notification_id})


def _device_url(device_id):
    return reverse("notifications:device", kwargs={"device_id": device_id})


def _assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    return body["error"]


# --- GET /notifications ----------------------------------------------------------------------


def test_list_shape_newest_first_with_unread_count(auth_client):
    user = UserFactory()
    now = timezone.now()
    older = NotificationFactory(user=user, created_at=now - timedelta(hours=2), is_read=True)
    data = {
        "casting_id": "c",
        "response_id": "r",
        "applicant_name": "Aisha Nurzhanova",
        "casting_title": "Fashion Editorial Shoot",
    }
    newer = NotificationFactory(user=user, created_at=now - timedelta(hours=1), data=data)
    NotificationFactory()  # someone else's

    response = auth_client(user).get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {
            "notifications": [
                {
                    "id": str(newer.id),
                    "type": "new_response",
                    "title": "New Response to Your Casting",
                    "message": "Aisha Nurzhanova applied to Fashion Editorial Shoot",
                    "data": data,
                    "is_read": False,
                    "created_at": newer.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
                older.as_payload(language="en"),
            ],
            "pagination": {"total": 2, "limit": 20, "offset": 0, "has_more": False},
            "unread_count": 1,
        },
    }


def test_list_unread_only_and_paging(auth_client):
    user = UserFactory()
    for hours in range(5):
        NotificationFactory(
            user=user, created_at=timezone.now() - timedelta(hours=hours), is_read=hours == 0
        )

    data = (
        auth_client(user)
        .get(LIST_URL, {"unread_only": "true", "limit": 2, "offset": 1})
        .json()["data"]
    )

    assert [n["is_read"] for n in data["notifications"]] == [False, False]
    assert data["pagination"] == {"total": 4, "limit": 2, "offset": 1, "has_more": True}
    assert data["unread_count"] == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"unread_only": "maybe"}, "unread_only"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
    ],
)
def test_list_bad_query_parameters_are_400(auth_client, params, field):
    error = _assert_error(auth_client(UserFactory()).get(LIST_URL, params), 400, "VALIDATION_ERROR")

    assert field in error["details"]


def test_list_query_count_does_not_grow_with_rows(auth_client, django_assert_max_num_queries):
    user = UserFactory()
    client = auth_client(user)
    NotificationFactory.create_batch(25, user=user)  # more than a page: page and count
    client.get(LIST_URL)  # warm-up (preference rows, auth caches)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as more_than_a_page:
        assert client.get(LIST_URL).status_code == 200
    NotificationFactory.create_batch(40, user=user)
    with django_assert_max_num_queries(len(more_than_a_page)):
        response = client.get(LIST_URL)

    assert len(response.json()["data"]["notifications"]) == 20


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", LIST_URL),
        ("post", READ_ALL_URL),
        ("get", PREFERENCES_URL),
        ("put", PREFERENCES_URL),
        ("post", DEVICES_URL),
        ("post", "/api/v1/notifications/00000000-0000-0000-0000-000000000000/read"),
        ("delete", "/api/v1/notifications/devices/00000000-0000-0000-0000-000000000000"),
    ],
)
def test_every_endpoint_requires_authentication(api_client, method, url):
    _assert_error(getattr(api_client, method)(url), 401, "AUTH_REQUIRED")


def test_trailing_slash_is_accepted(auth_client):
    assert auth_client(UserFactory()).get(LIST_URL + "/").status_code == 200


# --- POST /notifications/:id/read ------------------------------------------------------------


def test_mark_read(auth_client):
    notification = NotificationFactory()

    response = auth_client(notification.user).post(_read_url(notification.id))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["data"]["notification"]["id"] == str(notification.id)
    assert body["data"]["notification"]["is_read"] is True
    assert Notification.objects.get(id=notification.id).is_read is True


def test_mark_read_twice_is_fine(auth_client):
    notification = NotificationFactory(is_read=True)

    response = auth_client(notification.user).post(_read_url(notification.id))

    assert response.status_code == 200
    assert response.json()["data"]["notification"]["is_read"] is True


def test_another_users_notification_is_404_and_unchanged(auth_client):
    notification = NotificationFactory()

    response = auth_client(UserFactory()).post(_read_url(notification.id))

    _assert_error(response, 404, "NOT_FOUND")
    assert Notification.objects.get(id=notification.id).is_read is False


def test_unknown_and_malformed_ids_are_404(auth_client):
    client = auth_client(UserFactory())

    _assert_error(client.post(_read_url("00000000-0000-0000-0000-000000000000")), 404, "NOT_FOUND")
    _assert_error(client.post("/api/v1/notifications/not-a-uuid/read"), 404, "NOT_FOUND")


# --- POST /notifications/read-all ------------------------------------------------------------


def test_read_all_marks_only_my_unread(auth_client):
    user = UserFactory()
    NotificationFactory.create_batch(3, user=user)
    NotificationFactory(user=user, is_read=True)
    other = NotificationFactory()

    response = auth_client(user).post(READ_ALL_URL)

    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": {"updated": 3}}
    assert not Notification.objects.filter(user=user, is_read=False).exists()
    assert Notification.objects.get(id=other.id).is_read is False


def test_read_all_with_nothing_unread_is_zero(auth_client):
    response = auth_client(UserFactory()).post(READ_ALL_URL)

    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": {"updated": 0}}


# --- /notifications/preferences --------------------------------------------------------------

DEFAULTS = {
    "new_casting": True,
    "new_response": True,
    "response_status_change": True,
    "new_message": True,
    "casting_reminder": True,
    "email_enabled": True,
    "push_enabled": True,
}
# Fields gained later (docs/NOTIFICATIONS.md); the ones above keep their shape.
SCHEDULE_DEFAULTS = {
    "frequency": dict.fromkeys(FREQUENCY_TYPES, "instant"),
    "quiet_hours": None,
    "time_zone": "Asia/Almaty",
}


def test_preferences_are_created_with_defaults_on_first_read(auth_client):
    user = UserFactory()

    response = auth_client(user).get(PREFERENCES_URL)

    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "data": {"preferences": {**DEFAULTS, **SCHEDULE_DEFAULTS}},
    }
    assert NotificationPreference.objects.filter(user=user).count() == 1


def test_put_preferences_is_partial(auth_client):
    user = UserFactory()
    client = auth_client(user)

    response = client.put(
        PREFERENCES_URL, {"casting_reminder": False, "email_enabled": False}, format="json"
    )

    assert response.status_code == 200
    expected = {
        **DEFAULTS,
        **SCHEDULE_DEFAULTS,
        "casting_reminder": False,
        "email_enabled": False,
        "frequency": {**SCHEDULE_DEFAULTS["frequency"], "casting_reminder": "off"},
    }
    assert response.json()["data"]["preferences"] == expected
    assert client.get(PREFERENCES_URL).json()["data"]["preferences"] == expected


def test_put_preferences_contract_example(auth_client):
    body = {
        "new_casting": True,
        "new_response": True,
        "response_status_change": True,
        "new_message": True,
        "casting_reminder": False,
    }

    response = auth_client(UserFactory()).put(PREFERENCES_URL, body, format="json")

    preferences = response.json()["data"]["preferences"]
    assert {name: preferences[name] for name in DEFAULTS} == {**DEFAULTS, "casting_reminder": False}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"new_casting": "yes"}, "new_casting"),
        ({"push_enabled": 1}, "push_enabled"),
        ({"email_enabled": None}, "email_enabled"),
        ({"marketing": True}, "marketing"),
    ],
)
def test_put_preferences_validates_booleans_and_nothing_changes(auth_client, body, field):
    user = UserFactory()

    error = _assert_error(
        auth_client(user).put(PREFERENCES_URL, body, format="json"), 400, "VALIDATION_ERROR"
    )

    assert field in error["details"]
    preference = NotificationPreference.objects.filter(user=user).first()
    assert preference is None or all(getattr(preference, name) for name in DEFAULTS)


# --- /notifications/devices ------------------------------------------------------------------


def test_register_a_new_device_is_201(auth_client):
    user = UserFactory()

    response = auth_client(user).post(
        DEVICES_URL, {"token": "fcm-abc", "platform": "ios"}, format="json"
    )

    assert response.status_code == 201
    device = Device.objects.get(token="fcm-abc")
    assert response.json() == {
        "status": "success",
        "data": {
            "device": {
                "id": str(device.id),
                "token": "fcm-abc",
                "platform": "ios",
                "created_at": device.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "last_seen": device.last_seen.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        },
    }
    assert device.user_id == user.id


def test_registering_my_token_again_refreshes_it_with_200(auth_client):
    device = DeviceFactory(platform="android", last_seen=timezone.now() - timedelta(days=3))

    response = auth_client(device.user).post(
        DEVICES_URL, {"token": device.token, "platform": "web"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["data"]["device"]["id"] == str(device.id)
    refreshed = Device.objects.get(id=device.id)
    assert refreshed.platform == "web"
    assert refreshed.last_seen > device.last_seen
    assert Device.objects.count() == 1


def test_a_token_of_another_user_moves_to_the_caller(auth_client):
    device = DeviceFactory()
    caller = UserFactory()

    response = auth_client(caller).post(
        DEVICES_URL, {"token": device.token, "platform": "android"}, format="json"
    )

    assert response.status_code == 201
    assert Device.objects.get(token=device.token).user_id == caller.id
    assert Device.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"token", "platform"}),
        ({"token": "t", "platform": "windows"}, {"platform"}),
        ({"token": "", "platform": "ios"}, {"token"}),
        ({"token": "x" * 513, "platform": "ios"}, {"token"}),
    ],
)
def test_register_device_validation(auth_client, body, fields):
    error = _assert_error(
        auth_client(UserFactory()).post(DEVICES_URL, body, format="json"), 400, "VALIDATION_ERROR"
    )

    assert set(error["details"]) == fields
    assert not Device.objects.exists()


def test_delete_my_device_is_204(auth_client):
    device = DeviceFactory()

    response = auth_client(device.user).delete(_device_url(device.id))

    assert response.status_code == 204
    assert response.content == b""
    assert not Device.objects.filter(id=device.id).exists()


def test_delete_another_users_device_is_404_and_kept(auth_client):
    device = DeviceFactory()

    _assert_error(auth_client(UserFactory()).delete(_device_url(device.id)), 404, "NOT_FOUND")
    assert Device.objects.filter(id=device.id).exists()


def test_schema_documents_every_notifications_operation(api_client):
    schema = api_client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]

    operations = {
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications/{notification_id}/read", "post"),
        ("/api/v1/notifications/read-all", "post"),
        ("/api/v1/notifications/preferences", "get"),
        ("/api/v1/notifications/preferences", "put"),
        ("/api/v1/notifications/devices", "post"),
        ("/api/v1/notifications/devices/{device_id}", "delete"),
    }
    for path, method in operations:
        operation = paths[path][method]
        assert "401" in operation["responses"], (path, method)
        assert operation.get("summary"), (path, method)
