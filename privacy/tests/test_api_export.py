"""Data export: request (one a day), the archive's contents per kind, the signed link and its
expiry, the data_export_ready notification."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import Notification
from privacy.catalogue import CATALOGUE
from privacy.models import DataExport
from privacy.tasks import delete_expired_exports
from privacy.tests.conftest import stored

pytestmark = pytest.mark.django_db


def request_export(client, capture):
    with capture(execute=True):
        return client.post(reverse("privacy:export"), format="json")


def export_state(client, export_id):
    return client.get(reverse("privacy:export-detail", args=[export_id]))


def download(url: str):
    return APIClient().get(url.removeprefix("http://testserver"))


def test_export_builds_an_archive_of_every_kind(
    world, auth_client, local_storages, django_capture_on_commit_callbacks
):
    client = auth_client(world.model)

    response = request_export(client, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    data = response.json()["data"]
    assert data["status"] == "pending"
    export = DataExport.objects.get(pk=data["export_id"])
    state = export_state(client, export.pk)
    assert state.status_code == 200
    body = state.json()["data"]
    assert body["status"] == "ready"
    assert body["expires_at"] == export.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert export.expires_at - export.ready_at == dt.timedelta(days=7)
    assert stored(local_storages["exports"]) == [export.file]

    archive = download(body["download_url"])

    assert archive.status_code == 200
    assert archive["Content-Type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content)))
    names = set(files.namelist())
    kinds = {entry.export for entry in CATALOGUE if entry.export}
    assert {f"{kind}.json" for kind in kinds} | {"account.json", "audit.json"} <= names
    assert f"photos/{world.photo.pk}.jpg" in names
    assert files.read(f"photos/{world.photo.pk}.jpg") == b"jpeg-bytes"
    account = json.loads(files.read("account.json"))
    assert account["email"] == world.model.email
    assert "password" not in account
    messages = json.loads(files.read("messages.json"))
    assert [m["content"] for m in messages] == ["Hello from the model"]  # only what she sent
    profile = json.loads(files.read("model_profile.json"))
    assert profile[0]["name"] == world.profile.name
    assert "search_vector" not in profile[0]
    given = json.loads(files.read("reviews_given.json"))
    assert [r["comment"] for r in given] == ["Kind colleague"]
    assert len(json.loads(files.read("reviews_received.json"))) == 1
    assert len(json.loads(files.read("payments.json"))) == 1
    # notified in the app and by e-mail
    notification = Notification.objects.get(user=world.model, type="data_export_ready")
    assert notification.data["export_id"] == str(export.pk)
    assert notification.data["download_url"].startswith("http://127.0.0.1:8000/api/v1/")
    assert any(m.to == [world.model.email] for m in mail.outbox)


def test_one_export_a_day(make_user, auth_client, django_capture_on_commit_callbacks):
    client = auth_client(make_user())
    request_export(client, django_capture_on_commit_callbacks)

    again = request_export(client, django_capture_on_commit_callbacks)

    assert again.status_code == 429
    assert again.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert DataExport.objects.count() == 1
    DataExport.objects.update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    assert request_export(client, django_capture_on_commit_callbacks).status_code == 202


def test_link_expires_after_seven_days(
    make_user, auth_client, local_storages, django_capture_on_commit_callbacks
):
    client = auth_client(make_user())
    export_id = request_export(client, django_capture_on_commit_callbacks).json()["data"][
        "export_id"
    ]
    url = export_state(client, export_id).json()["data"]["download_url"]

    later = timezone.now() + dt.timedelta(days=7, minutes=1)
    with time_machine.travel(later):
        assert download(url).status_code == 404
    DataExport.objects.filter(pk=export_id).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert export_state(client, export_id).json()["data"]["download_url"] is None

    assert delete_expired_exports.delay().get() == 1

    assert stored(local_storages["exports"]) == []
    assert not DataExport.objects.filter(pk=export_id).exists()


def test_forged_link_is_404():
    response = APIClient().get(reverse("privacy:export-download", args=["forged-token"]))

    assert response.status_code == 404


def test_export_endpoints_need_authentication():
    create = APIClient().post(reverse("privacy:export"))
    detail = APIClient().get(
        reverse("privacy:export-detail", args=["00000000-0000-0000-0000-000000000000"])
    )

    assert (create.status_code, detail.status_code) == (401, 401)


def test_someone_elses_export_is_404(make_user, auth_client):
    export = DataExport.objects.create(user=make_user())

    response = auth_client(make_user()).get(reverse("privacy:export-detail", args=[export.pk]))

    assert response.status_code == 404
