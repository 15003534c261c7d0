from __future__ import annotations

import pytest
import responses
from google.auth import credentials as google_credentials

from notifications import delivery_push

FCM_PROJECT = "mwork-test"
FCM_URL = f"https://fcm.googleapis.com/v1/projects/{FCM_PROJECT}/messages:send"


class FakeCredentials(google_credentials.Credentials):
    """Stands in for the service account: google-auth's AuthorizedSession still signs requests."""

    def __init__(self) -> None:
        super().__init__()
        self.token = "fake-access-token"

    def refresh(self, request) -> None:
        self.token = "fake-access-token"


@pytest.fixture
def fcm(settings, monkeypatch):
    """FCM configured; only the network call is replaced (responses on the FCM URL)."""
    settings.FCM_PROJECT_ID = FCM_PROJECT
    settings.FCM_CREDENTIALS_FILE = "/run/secrets/fcm.json"
    monkeypatch.setattr(delivery_push, "fcm_credentials", FakeCredentials)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def no_fcm(settings):
    settings.FCM_PROJECT_ID = ""
    settings.FCM_CREDENTIALS_FILE = ""
