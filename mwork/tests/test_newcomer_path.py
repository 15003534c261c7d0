"""What a newcomer meets under `make run` (DEBUG on): JSON 404s under /api/v1, the root leading
to the docs, docs served without a CDN, one line per e-mail, `make help`."""

import logging
import re
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path", ["/api/v1/does-not-exist", "/api/v1/castings/not-a-uuid", "/api/v1/chat/rooms/1/x"]
)
def test_unknown_api_paths_are_the_json_envelope_with_debug_on(client, settings, path):
    settings.DEBUG = True

    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("path", ["/", "/api/v1", "/api/v1/"])
def test_the_root_and_the_api_root_lead_to_the_docs(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/api/v1/docs"


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/redoc"])
def test_interactive_docs_load_nothing_from_another_host(client, path):
    page = client.get(path).content.decode()

    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    assert all(asset.startswith("/static/") for asset in assets), assets
    bundle = next(asset for asset in assets if asset.endswith(".js"))
    assert "drf_spectacular_sidecar" in bundle


def test_development_mail_is_one_log_line_and_a_file(tmp_path, caplog):
    with (
        override_settings(
            EMAIL_BACKEND="mwork.mail.LocalFolderEmailBackend", EMAIL_FILE_PATH=str(tmp_path)
        ),
        caplog.at_level(logging.INFO, logger="mwork.mail"),
    ):
        sent = mail.get_connection().send_messages(
            [mail.EmailMessage("Подтвердите адрес", "Body text " * 50, to=["a@example.kz"])]
        )

    assert sent == 1
    [saved] = tmp_path.iterdir()
    assert saved.suffix == ".eml"
    assert "Body text" in saved.read_text()
    [line] = [record.getMessage() for record in caplog.records]
    assert "a@example.kz" in line and "Подтвердите адрес" in line and "Body text" not in line


def test_make_help_lists_the_two_commands():
    listing = subprocess.run(
        ["make", "-s", "help"],  # noqa: S607 - make from PATH, as a newcomer runs it
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert re.search(r"make run\s+\S", listing)
    assert re.search(r"make test\s+\S", listing)
