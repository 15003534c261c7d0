"""The R2 path end to end: django-storages' S3 backend against a real S3-compatible server
(moto in server mode, started once per session on a free loopback port)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from media.models import Photo
from media.tests.helpers import image_bytes

pytestmark = pytest.mark.django_db


def bucket_keys(s3) -> list[str]:
    listing = s3["client"].list_objects_v2(Bucket=s3["bucket"])
    return sorted(item["Key"] for item in listing.get("Contents", []))


def upload(client, data: bytes):
    return client.post(
        reverse("media:photos"),
        {"file": SimpleUploadedFile("photo.webp", data)},
        format="multipart",
    )


def test_upload_and_delete_through_s3(
    s3_storage, make_profile, auth_client, django_capture_on_commit_callbacks
):
    from storages.backends.s3 import S3Storage

    profile = make_profile()
    client = auth_client(profile.user)

    response = upload(client, image_bytes("WEBP", (900, 600)))

    assert response.status_code == 201, response.content
    assert isinstance(default_storage._wrapped, S3Storage)
    photo = Photo.objects.get()
    expected = [f"photos/{profile.id}/{photo.id}.jpg", f"thumbnails/{profile.id}/{photo.id}.jpg"]
    assert bucket_keys(s3_storage) == expected
    body = s3_storage["client"].get_object(Bucket=s3_storage["bucket"], Key=expected[0])["Body"]
    stored = Image.open(body)
    assert (stored.format, stored.size) == ("JPEG", (900, 600))

    # The URLs the API hands out are the bucket's (presigned here, CDN with R2_PUBLIC_BASE_URL)
    # and really serve the files.
    data = response.json()["data"]["photo"]
    for key, url in zip(expected, (data["url"], data["thumbnail_url"]), strict=True):
        parsed = urlparse(url)
        assert f"{parsed.scheme}://{parsed.netloc}" == s3_storage["endpoint"]
        assert parsed.path == f"/{s3_storage['bucket']}/{key}"
        fetched = requests.get(url, timeout=10)
        assert fetched.status_code == 200
        assert fetched.content[:2] == b"\xff\xd8"  # JPEG

    listing = client.get(reverse("media:photos"), {"profile_id": str(profile.id)})
    assert listing.json()["data"]["photos"][0]["url"].startswith(s3_storage["endpoint"])

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.delete(reverse("media:photo-detail", kwargs={"photo_id": photo.id}))

    assert deleted.status_code == 204
    assert bucket_keys(s3_storage) == []


def test_refused_upload_leaves_the_bucket_empty(s3_storage, make_profile, auth_client):
    profile = make_profile()

    response = upload(auth_client(profile.user), b"GIF89a not really")

    assert response.status_code == 400
    assert bucket_keys(s3_storage) == []
    assert Photo.objects.count() == 0


def test_public_base_url_gives_cdn_urls(s3_storage, settings, make_profile, auth_client):
    # R2_PUBLIC_BASE_URL becomes the backend's custom domain (mwork/settings.py): plain CDN URLs.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **settings.STORAGES["default"]["OPTIONS"],
                "custom_domain": "cdn.mwork.kz",
                "querystring_auth": False,
            },
        },
    }
    profile = make_profile()

    data = upload(auth_client(profile.user), image_bytes()).json()["data"]["photo"]

    assert data["url"] == f"https://cdn.mwork.kz/photos/{profile.id}/{data['id']}.jpg"
    assert data["thumbnail_url"] == f"https://cdn.mwork.kz/thumbnails/{profile.id}/{data['id']}.jpg"
    assert len(bucket_keys(s3_storage)) == 2
