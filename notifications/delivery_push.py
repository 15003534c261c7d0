"""Mobile/web push through Firebase Cloud Messaging HTTP v1 (google-auth for OAuth 2).

Off unless `settings.FCM_PROJECT_ID` and `settings.FCM_CREDENTIALS_FILE` are set. A token FCM
reports as UNREGISTERED or NOT_FOUND (app uninstalled, token rotated) is deleted; 429/5xx and
network errors raise `TransientDeliveryError` so the task retries; other 4xx are logged.
"""

from __future__ import annotations

import functools
import logging
from typing import Any
from uuid import UUID

import requests
from django.conf import settings

from notifications.delivery_email import TransientDeliveryError
from notifications.models import Device, Notification

logger = logging.getLogger(__name__)

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_SEND_URL = "https://fcm.googleapis.com/v1/projects/{project_id}/messages:send"
FCM_TIMEOUT_SECONDS = 10
# FCM errors meaning "this token will never work again".
DEAD_TOKEN_CODES = {"UNREGISTERED", "NOT_FOUND"}


def fcm_enabled() -> bool:
    return bool(settings.FCM_PROJECT_ID and settings.FCM_CREDENTIALS_FILE)


@functools.cache
def _credentials(credentials_file: str) -> Any:
    from google.oauth2 import service_account

    return service_account.Credentials.from_service_account_file(
        credentials_file, scopes=[FCM_SCOPE]
    )


def fcm_credentials() -> Any:
    """Service-account credentials (cached per file; google-auth refreshes the token itself)."""
    return _credentials(settings.FCM_CREDENTIALS_FILE)


def fcm_session() -> Any:
    from google.auth.transport.requests import AuthorizedSession

    return AuthorizedSession(fcm_credentials())


def fcm_message(notification: Notification, device: Device) -> dict[str, Any]:
    """The exact HTTP v1 body for one device. `data` values must be strings for FCM."""
    data = {
        key: value if isinstance(value, str) else str(value)
        for key, value in (notification.data or {}).items()
        if value is not None and not isinstance(value, dict | list)
    }
    data.update({"notification_id": str(notification.id), "type": notification.type})
    message: dict[str, Any] = {
        "token": device.token,
        "notification": {"title": notification.title, "body": notification.message},
        "data": data,
    }
    if device.platform == "android":
        message["android"] = {"priority": "high"}
    elif device.platform == "ios":
        message["apns"] = {"headers": {"apns-priority": "10"}}
    return {"message": message}


def _error_codes(response: requests.Response) -> set[str]:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return set()
    codes = {str(error.get("status", ""))}
    for detail in error.get("details", []) or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            codes.add(str(detail["errorCode"]))
    return codes


def notification_push_send(*, notification_id: UUID | str, device_id: UUID | str) -> bool:
    """Send one notification to one device; returns True when FCM accepted it.

    Deletes the device when FCM says its token is dead. Raises TransientDeliveryError on
    network errors, 429 and 5xx.
    """
    if not fcm_enabled():
        return False
    notification = Notification.objects.filter(id=notification_id).first()
    device = Device.objects.filter(id=device_id).first()
    if notification is None or device is None or device.user_id != notification.user_id:
        return False
    url = FCM_SEND_URL.format(project_id=settings.FCM_PROJECT_ID)
    try:
        response = fcm_session().post(
            url, json=fcm_message(notification, device), timeout=FCM_TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        raise TransientDeliveryError(str(error)) from error
    if response.status_code == 200:
        return True
    codes = _error_codes(response)
    if response.status_code == 404 or codes & DEAD_TOKEN_CODES:
        Device.objects.filter(id=device.id, token=device.token).delete()
        logger.info("FCM token of device %s is dead (%s): deleted", device.id, codes)
        return False
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientDeliveryError(f"FCM {response.status_code}: {codes}")
    logger.warning("FCM refused push to device %s: %s %s", device.id, response.status_code, codes)
    return False
