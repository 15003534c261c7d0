"""OWASP API7:2023 Server Side Request Forgery — no user-supplied URL is ever fetched.

Every field that takes a URL or free text (employer website, response portfolio links, chat
messages, reports, profile bio, device tokens) is given cloud-metadata, private-range, file
and gopher URLs, and the answers that show them are read back — all under a guard that
refuses (and records) any connect() or name lookup that is not loopback. Nothing is attempted.
"""

from __future__ import annotations

import pytest
import requests

from mwork.tests.security.fixtures import OutboundAttempt

pytestmark = pytest.mark.django_db

HOSTILE_URLS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.0.0.1:6379/",
    "http://[fd00::1]/",
    "https://attacker.example/collect?c=1",
    "http://127.0.0.1:5432/",
]
NON_HTTP = ["file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL", "javascript:alert(1)"]


def test_the_guard_refuses_and_records_outbound_connections(outbound_guard):
    with pytest.raises((OutboundAttempt, requests.ConnectionError)):
        requests.get("http://203.0.113.7/", timeout=1)  # TEST-NET-3: never routed anyway

    assert outbound_guard


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_urls_in_every_field_are_stored_as_text_and_never_fetched(
    world, client_for, outbound_guard, url
):
    employer = client_for(world.a.employer)
    model = client_for(world.a.model)

    website = employer.patch(
        f"/api/v1/profiles/employers/{world.a.employer_profile.id}",
        {"website": url},
        format="json",
    )
    applied = model.post(
        f"/api/v1/castings/{world.b.casting.id}/responses",
        {"message": f"My book: {url}", "portfolio_links": [url]},
        format="json",
    )
    chatted = model.post(
        f"/api/v1/chat/rooms/{world.a.room.id}/messages", {"content": url}, format="json"
    )
    bio = model.patch(
        f"/api/v1/profiles/models/{world.a.model_profile.id}", {"bio": url}, format="json"
    )
    device = model.post(
        "/api/v1/notifications/devices", {"token": url, "platform": "android"}, format="json"
    )
    report = model.post(
        "/api/v1/reports",
        {
            "target_type": "user",
            "target_id": str(world.b.model.id),
            "reason": "spam",
            "comment": url,
        },
        format="json",
    )
    # Read back everything that shows these values to other people.
    reads = [
        client_for(world.b.model).get(f"/api/v1/profiles/employers/{world.a.employer_profile.id}"),
        client_for(world.b.employer).get(f"/api/v1/castings/{world.b.casting.id}/responses"),
        employer.get(f"/api/v1/chat/rooms/{world.a.room.id}/messages"),
        employer.get("/api/v1/chat/rooms"),
        client_for(world.b.model).get(f"/api/v1/profiles/models/{world.a.model_profile.id}"),
    ]

    for answer in (website, applied, chatted, bio, device, report, *reads):
        assert answer.status_code < 500, answer.content[:200]
    assert chatted.status_code == 201
    assert outbound_guard == [], "the server tried to reach a user-supplied address"


@pytest.mark.parametrize("url", NON_HTTP)
def test_a_website_must_be_http_or_https(world, client_for, outbound_guard, url):
    response = client_for(world.a.employer).patch(
        f"/api/v1/profiles/employers/{world.a.employer_profile.id}",
        {"website": url},
        format="json",
    )

    assert response.status_code == 400
    assert "website" in response.json()["error"]["details"]
    assert outbound_guard == []


def test_a_spoofed_host_header_does_not_redirect_server_made_links(
    api_client, world, outbound_guard, mailoutbox, no_ratelimit, django_capture_on_commit_callbacks
):
    """Password-reset links are built from FRONTEND_URL, not from the caller's Host header."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/password-reset",
            {"email": world.a.model.email},
            format="json",
            HTTP_HOST="testserver",
            HTTP_X_FORWARDED_HOST="attacker.example",
        )

    assert response.status_code == 200
    assert mailoutbox
    assert all("attacker.example" not in m.body for m in mailoutbox)
    assert outbound_guard == []
