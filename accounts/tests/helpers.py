"""Small helpers for the accounts tests."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from django.core import mail
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD

LINK = re.compile(r"https?://\S+\?token=[\w:.\-%]+")


def token_from_mail(message, path: str) -> str:
    """The `token` query value of the first link to `path` in a sent message (text part)."""
    for link in LINK.findall(message.body):
        url = urlparse(link)
        if url.path.rstrip("/").endswith(path):
            return parse_qs(url.query)["token"][0]
    raise AssertionError(f"no {path} link in: {message.body}")


def last_mail_to(address: str):
    sent = [m for m in mail.outbox if address in m.to]
    assert sent, f"no e-mail to {address}"
    return sent[-1]


def login(client, email: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"email": email, "password": password}, format="json", **extra
    )


def bearer(client, access_token: str):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return client
