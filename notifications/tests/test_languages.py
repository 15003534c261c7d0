"""Notifications in the recipient's language (stored, e-mailed) and the reader's (REST API)."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.tests.factories import UserFactory
from notifications import services

pytestmark = pytest.mark.django_db

DATA = {"casting_id": "c", "casting_title": "Lookbook", "status": "accepted"}
TITLE = {
    "ru": "Статус отклика изменён",
    "kk": "Өтінім мәртебесі өзгерді",
    "en": "Response Status Updated",
}
MESSAGE = {
    "ru": "Ваш отклик на кастинг «Lookbook»: принят",
    "kk": "«Lookbook» кастингіне өтініміңіз: қабылданды",
    "en": "Your response to Lookbook was accepted",
}
OPEN = {"ru": "Открыть в MWork", "kk": "MWork-те ашу", "en": "Open in MWork"}


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_notification_is_stored_and_mailed_in_the_recipients_language(
    language, django_capture_on_commit_callbacks
):
    user = UserFactory(language=language)

    with django_capture_on_commit_callbacks(execute=True):
        stored = services.notify(user=user, type="response_status_change", data=DATA)

    assert (stored.title, stored.message) == (TITLE[language], MESSAGE[language])
    (email,) = mail.outbox
    assert email.subject == TITLE[language]
    assert OPEN[language] in email.body
    assert f'lang="{language}"' in email.alternatives[0][0]


@pytest.mark.parametrize(
    ("accept", "shown"), [(None, "kk"), ("en", "en"), ("ru", "ru"), ("kk,en;q=0.5", "kk")]
)
def test_notification_list_answers_in_the_readers_language(auth_client, accept, shown):
    user = UserFactory(language="kk")
    services.notify(user=user, type="response_status_change", data=DATA)
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}

    response = auth_client(user).get("/api/v1/notifications", **headers)

    assert response["Content-Language"] == shown
    (item,) = response.json()["data"]["notifications"]
    assert (item["title"], item["message"]) == (TITLE[shown], MESSAGE[shown])
