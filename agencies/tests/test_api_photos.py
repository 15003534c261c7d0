"""An agency manages its roster models' photos only with the model's standing consent."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.tests.helpers import assert_error
from media.models import Photo
from media.tests.helpers import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/media/"},
        },
    }


def upload(client, model_profile):
    file = SimpleUploadedFile("p.jpg", image_bytes(), content_type="image/jpeg")
    return client.post(
        reverse("media:photos"),
        {"file": file, "model_id": str(model_profile.id)},
        format="multipart",
    )


def test_agency_uploads_and_deletes_with_consent(auth_client, agency, model_profile, link):
    link(agency, model_profile, photo_consent=True)
    client = auth_client(agency)

    response = upload(client, model_profile)

    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    assert photo.profile_id == model_profile.id and photo.is_main
    update = client.put(reverse("media:photo-detail", args=[photo.id]), {"order": 3}, format="json")
    assert update.status_code == 200
    assert client.delete(reverse("media:photo-detail", args=[photo.id])).status_code == 204
    assert not Photo.objects.exists()


def test_without_consent_the_agency_is_refused(auth_client, agency, model_profile, link):
    link(agency, model_profile, photo_consent=False)

    assert_error(upload(auth_client(agency), model_profile), 403, "PERMISSION_DENIED")
    assert not Photo.objects.exists()


def test_consent_taken_back_ends_photo_access(auth_client, agency, model_profile, link):
    roster = link(agency, model_profile, photo_consent=True)
    client = auth_client(agency)
    assert upload(client, model_profile).status_code == 201
    photo = Photo.objects.get()
    auth_client(model_profile.user).put(
        reverse("agencies:my-agency"), {"photo_consent": False}, format="json"
    )
    roster.refresh_from_db()

    assert roster.photo_consent is False
    assert_error(
        client.delete(reverse("media:photo-detail", args=[photo.id])), 403, "PERMISSION_DENIED"
    )
    assert Photo.objects.filter(id=photo.id).exists()


def test_another_agency_cannot_upload(auth_client, agency, other_agency, model_profile, link):
    link(agency, model_profile, photo_consent=True)

    assert_error(upload(auth_client(other_agency), model_profile), 403, "PERMISSION_DENIED")
    assert not Photo.objects.exists()
