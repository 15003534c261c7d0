"""The photo admin, the database constraint and the services outside HTTP."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from media.models import Photo
from media.services import photo_delete, photo_upload
from media.tests.helpers import image_bytes, stored_files
from mwork.api.exceptions import PermissionDenied, SubscriptionLimitExceeded
from profiles.models import ModelProfile

pytestmark = pytest.mark.django_db


def add_photos(profile, count: int) -> list[Photo]:
    return [
        photo_upload(
            actor=profile.user, file=SimpleUploadedFile("p.png", image_bytes("PNG", (40, 30)))
        )
        for _ in range(count)
    ]


def test_one_main_photo_per_profile_is_a_database_constraint(make_profile):
    profile = make_profile()
    add_photos(profile, 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Photo.objects.create(
            profile=profile, image="x", thumbnail="y", is_main=True, width=1, height=1
        )

    # Non-main photos are unconstrained; other profiles have their own main photo.
    Photo.objects.create(profile=profile, image="x", thumbnail="y", width=1, height=1)
    other = make_profile()
    Photo.objects.create(profile=other, image="x", thumbnail="y", is_main=True, width=1, height=1)
    assert Photo.objects.filter(is_main=True).count() == 2


def test_service_refuses_someone_elses_photo(make_profile):
    (photo,) = add_photos(make_profile(), 1)

    with pytest.raises(PermissionDenied):
        photo_delete(actor=make_profile().user, photo=photo)

    assert Photo.objects.filter(pk=photo.pk).exists()


def test_service_quota_error_carries_limit_details(make_profile):
    profile = make_profile()
    add_photos(profile, 5)

    with pytest.raises(SubscriptionLimitExceeded) as error:
        add_photos(profile, 1)

    assert error.value.details == {"limit": 5, "used": 5, "plan": "FREE"}


@pytest.fixture
def staff_client(make_user) -> Client:
    staff = make_user(role="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client


def test_admin_lists_photos_with_thumbnails(staff_client, make_profile):
    profile = make_profile()
    photos = add_photos(profile, 2)

    response = staff_client.get(reverse("admin:media_photo_changelist"))
    filtered = staff_client.get(reverse("admin:media_photo_changelist"), {"is_main__exact": "1"})
    detail = staff_client.get(reverse("admin:media_photo_change", args=[photos[0].pk]))

    assert response.status_code == 200
    html = response.content.decode()
    for photo in photos:
        assert f'src="/media/{photo.thumbnail}"' in html
    assert filtered.status_code == 200
    assert filtered.context["cl"].result_count == 1
    assert detail.status_code == 200
    assert f'src="/media/{photos[0].image}"' in detail.content.decode()


def test_admin_remove_action_goes_through_the_service(
    staff_client, make_profile, local_storage, django_capture_on_commit_callbacks
):
    profile = make_profile()
    main, second = add_photos(profile, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:media_photo_changelist"),
            {"action": "remove_photos", "_selected_action": [str(main.pk)]},
        )

    assert response.status_code == 302
    assert not Photo.objects.filter(pk=main.pk).exists()
    second = Photo.objects.get(pk=second.pk)
    assert second.is_main is True
    assert ModelProfile.objects.get(pk=profile.pk).main_photo == second.image
    assert stored_files(local_storage) == sorted([second.image, second.thumbnail])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_never_exceed_the_quota(make_profile, local_storage):
    profile = make_profile()
    add_photos(profile, 3)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            add_photos(profile, 1)
            results.append("ok")
        except SubscriptionLimitExceeded:
            results.append("limit")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["limit", "limit", "ok", "ok"]
    assert Photo.objects.filter(profile=profile).count() == 5
    assert Photo.objects.filter(profile=profile, is_main=True).count() == 1
    assert len(stored_files(local_storage)) == 10
