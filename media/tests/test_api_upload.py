"""POST /photos: the image pipeline through the API, limits, quota, and "nothing is stored"."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image, ImageCms

from media.images import HEIF_AVAILABLE
from media.models import Photo
from media.tests.helpers import image_bytes, stored_files
from profiles.models import ModelProfile

pytestmark = pytest.mark.django_db

URL = reverse("media:photos")


def upload(client, data: bytes, name: str = "photo.jpg", **fields):
    payload = {"file": SimpleUploadedFile(name, data, content_type="image/jpeg"), **fields}
    return client.post(URL, payload, format="multipart")


def stored_image(root, name: str) -> Image.Image:
    return Image.open(root / name)


def assert_refused(response, root, status=400, code="VALIDATION_ERROR"):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert "file" in body["error"]["details"]
    assert Photo.objects.count() == 0
    assert stored_files(root) == []


# ---------------------------------------------------------------------------------------------
# accepted images
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "mode", "color"),
    [
        ("JPEG", "RGB", (200, 30, 30)),
        ("PNG", "RGBA", (30, 200, 30, 255)),
        ("WEBP", "RGB", (30, 30, 200)),
    ],
)
def test_upload_valid_image_is_stored_as_jpeg_with_thumbnail(
    make_profile, auth_client, local_storage, fmt, mode, color
):
    profile = make_profile()
    client = auth_client(profile.user)

    response = upload(client, image_bytes(fmt, (1200, 800), color, mode), name="x.bin")

    assert response.status_code == 201, response.content
    body = response.json()
    photo = Photo.objects.get()
    assert body == {
        "status": "success",
        "data": {
            "photo": {
                "id": str(photo.id),
                "url": f"/media/photos/{profile.id}/{photo.id}.jpg",
                "thumbnail_url": f"/media/thumbnails/{profile.id}/{photo.id}.jpg",
                "is_main": True,
                "order": 0,
            }
        },
    }
    assert stored_files(local_storage) == [
        f"photos/{profile.id}/{photo.id}.jpg",
        f"thumbnails/{profile.id}/{photo.id}.jpg",
    ]
    image = stored_image(local_storage, photo.image)
    assert image.format == "JPEG"
    assert image.size == (1200, 800) == (photo.width, photo.height)
    assert image.getpixel((600, 400)) == pytest.approx(color[:3], abs=6)
    thumbnail = stored_image(local_storage, photo.thumbnail)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (400, 267)


def test_cmyk_jpeg_is_converted_to_rgb(make_profile, auth_client, local_storage):
    profile = make_profile()

    response = upload(
        auth_client(profile.user), image_bytes("JPEG", (120, 90), (0, 255, 255, 0), "CMYK")
    )

    assert response.status_code == 201
    image = stored_image(local_storage, Photo.objects.get().image)
    assert image.mode == "RGB"
    assert image.getpixel((60, 45)) == pytest.approx((255, 0, 0), abs=40)


def test_first_photo_becomes_main_and_the_profile_shows_it(make_profile, auth_client):
    profile = make_profile()
    client = auth_client(profile.user)

    first = upload(client, image_bytes(), is_main="false").json()["data"]["photo"]
    second = upload(client, image_bytes()).json()["data"]["photo"]

    assert first["is_main"] is True
    assert (second["is_main"], second["order"]) == (False, 1)
    profile = ModelProfile.objects.get(pk=profile.pk)
    main = Photo.objects.get(pk=first["id"])
    assert (profile.main_photo, profile.main_thumbnail) == (main.image, main.thumbnail)
    assert profile.completeness > 0


def test_upload_with_is_main_moves_the_main_mark(make_profile, auth_client):
    profile = make_profile()
    client = auth_client(profile.user)
    first = upload(client, image_bytes()).json()["data"]["photo"]

    response = upload(client, image_bytes(), is_main="true", order="7")

    new = response.json()["data"]["photo"]
    assert (new["is_main"], new["order"]) == (True, 7)
    assert Photo.objects.get(pk=first["id"]).is_main is False
    assert (
        ModelProfile.objects.get(pk=profile.pk).main_photo == Photo.objects.get(pk=new["id"]).image
    )


def test_long_side_is_capped_at_2560(make_profile, auth_client, local_storage):
    profile = make_profile()

    response = upload(auth_client(profile.user), image_bytes("PNG", (3000, 1500)))

    assert response.status_code == 201
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (2560, 1280)
    assert stored_image(local_storage, photo.image).size == (2560, 1280)
    assert stored_image(local_storage, photo.thumbnail).size == (400, 200)


def test_gps_exif_is_stripped(make_profile, auth_client, local_storage):
    profile = make_profile()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 15.0, 7.0), 3: "E", 4: (76.0, 54.0, 3.0)}  # GPS IFD
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    raw = image_bytes("JPEG", (640, 480), exif=exif, comment=b"shot at home", icc_profile=icc)
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the input really has GPS

    response = upload(auth_client(profile.user), raw)

    assert response.status_code == 201
    photo = Photo.objects.get()
    for name in (photo.image, photo.thumbnail):
        data = (local_storage / name).read_bytes()
        image = Image.open(io.BytesIO(data))
        assert dict(image.getexif()) == {}
        assert not image.getexif().get_ifd(0x8825)
        assert "exif" not in image.info
        assert "icc_profile" not in image.info
        assert "comment" not in image.info
        assert b"Exif" not in data
        assert b"SecretCam" not in data
        assert b"shot at home" not in data


def test_exif_rotated_image_comes_back_upright(make_profile, auth_client, local_storage):
    # Stored sideways: 300x200, left half red, right half blue; orientation 6 says "rotate 90°
    # clockwise to display", so upright it is 200x300 with red on top and blue below.
    sideways = Image.new("RGB", (300, 200), (0, 0, 255))
    sideways.paste((255, 0, 0), (0, 0, 150, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    sideways.save(out, format="JPEG", exif=exif, quality=95)
    profile = make_profile()

    response = upload(auth_client(profile.user), out.getvalue())

    assert response.status_code == 201
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (200, 300)
    image = stored_image(local_storage, photo.image).convert("RGB")
    assert image.size == (200, 300)
    assert image.getpixel((100, 40)) == pytest.approx((255, 0, 0), abs=25)
    assert image.getpixel((100, 260)) == pytest.approx((0, 0, 255), abs=25)
    assert 0x0112 not in image.getexif()


@pytest.mark.skipif(not HEIF_AVAILABLE, reason="pillow-heif is not installed")
def test_heic_is_accepted_where_the_library_is_present(make_profile, auth_client):
    raw = io.BytesIO()
    try:
        Image.new("RGB", (320, 240), (10, 120, 200)).save(raw, format="HEIF")
    except (KeyError, OSError, ValueError):
        pytest.skip("this pillow-heif build cannot encode HEIF")
    profile = make_profile()

    response = upload(auth_client(profile.user), raw.getvalue(), name="IMG_0001.HEIC")

    assert response.status_code == 201, response.content
    assert (Photo.objects.get().width, Photo.objects.get().height) == (320, 240)


def test_file_exactly_at_the_size_limit_is_accepted(make_profile, auth_client, settings):
    # A valid JPEG padded after its end marker: decoders ignore trailing bytes.
    raw = image_bytes()
    raw += b"\0" * (settings.PHOTO_MAX_BYTES - len(raw))
    assert len(raw) == 10 * 1024 * 1024
    profile = make_profile()

    response = upload(auth_client(profile.user), raw)

    assert response.status_code == 201


# ---------------------------------------------------------------------------------------------
# refused files: nothing stored
# ---------------------------------------------------------------------------------------------
def test_over_10_mb_is_refused_with_413(make_profile, auth_client, local_storage, settings):
    raw = image_bytes()
    raw += b"\0" * (settings.PHOTO_MAX_BYTES + 1 - len(raw))
    profile = make_profile()

    response = upload(auth_client(profile.user), raw)

    assert_refused(response, local_storage, status=413, code="FILE_TOO_LARGE")


def test_size_limit_is_a_setting(make_profile, auth_client, local_storage, settings):
    settings.PHOTO_MAX_BYTES = 1000
    profile = make_profile()

    response = upload(auth_client(profile.user), image_bytes("PNG", (400, 400), mode="RGB"))

    assert_refused(response, local_storage, status=413, code="FILE_TOO_LARGE")


def _bomb_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="zero-bytes"),
        pytest.param(b"this is a text file, not a photo\n" * 20, id="text-renamed-jpg"),
        pytest.param(image_bytes("JPEG", (800, 600))[:1500], id="truncated-jpeg"),
        pytest.param(image_bytes("PNG", (800, 600))[:-200], id="truncated-png"),
        pytest.param(image_bytes("GIF", (50, 50), mode="P", color=3), id="gif-unsupported"),
        pytest.param(image_bytes("BMP", (50, 50)), id="bmp-unsupported"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
    ],
)
def test_undecodable_files_are_refused(make_profile, auth_client, local_storage, raw):
    profile = make_profile()

    response = upload(auth_client(profile.user), raw, name="photo.jpg")

    assert_refused(response, local_storage)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        pytest.param(8000, 6000, id="48MP-over-our-limit"),
        pytest.param(10000, 9000, id="90MP-pillow-bomb-error"),
    ],
)
def test_decompression_bomb_is_refused_before_decoding(
    make_profile, auth_client, local_storage, width, height
):
    raw = _bomb_png(width, height)
    assert len(raw) < 1024 * 1024  # small file, huge dimensions
    profile = make_profile()

    response = upload(auth_client(profile.user), raw)

    assert_refused(response, local_storage)
    assert "40 мегапикселей" in response.json()["error"]["details"]["file"][0]  # the user's: ru


def test_missing_file_and_bad_order_are_validation_errors(make_profile, auth_client):
    profile = make_profile()

    response = auth_client(profile.user).post(URL, {"order": "-1"}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert set(response.json()["error"]["details"]) == {"file", "order"}


def _reject_photo_inserts() -> None:
    """A real database failure on the photo insert: a trigger that refuses every new row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_reject_photo() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'storage row refused'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER test_reject_photo BEFORE INSERT ON media_photo "
                "FOR EACH ROW EXECUTE FUNCTION test_reject_photo()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER test_reject_photo BEFORE INSERT ON media_photo "
                "BEGIN SELECT RAISE(ABORT, 'storage row refused'); END"
            )


def test_failed_database_write_leaves_no_file(make_profile, auth_client, local_storage):
    # The files are written before the row; if the row cannot be written they must go too.
    # The trigger lives in the test transaction and is rolled back with it.
    profile = make_profile()
    client = auth_client(profile.user)
    client.raise_request_exception = False
    _reject_photo_inserts()

    response = upload(client, image_bytes())

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "refused" not in response.content.decode()
    assert Photo.objects.count() == 0
    assert stored_files(local_storage) == []


# ---------------------------------------------------------------------------------------------
# who may upload, quota, rate limit
# ---------------------------------------------------------------------------------------------
def test_upload_requires_authentication(api_client, local_storage):
    response = upload(api_client, image_bytes())

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"
    assert stored_files(local_storage) == []


def test_model_without_profile_gets_profile_required(make_user, auth_client, local_storage):
    response = upload(auth_client(make_user(role="model")), image_bytes())

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PROFILE_REQUIRED"
    assert stored_files(local_storage) == []


@pytest.mark.parametrize("role", ["employer", "agency"])
def test_other_roles_cannot_upload(make_user, auth_client, local_storage, role):
    response = upload(auth_client(make_user(role=role)), image_bytes())

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    assert Photo.objects.count() == 0
    assert stored_files(local_storage) == []


def test_sixth_photo_on_free_plan_is_refused(make_profile, auth_client, local_storage):
    profile = make_profile()
    client = auth_client(profile.user)
    for _ in range(5):
        assert upload(client, image_bytes("JPEG", (64, 64))).status_code == 201
    files_before = stored_files(local_storage)

    response = upload(client, image_bytes("JPEG", (64, 64)))

    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "SUBSCRIPTION_LIMIT",
        "message": response.json()["error"]["message"],
        "details": {"limit": 5, "used": 5, "plan": "FREE"},
    }
    assert Photo.objects.filter(profile=profile).count() == 5
    assert stored_files(local_storage) == files_before


def test_paid_plan_allows_more_photos(make_profile, auth_client, settings):
    settings.RATELIMIT_UPLOAD = "100/m"
    profile = make_profile(plan="PRO")
    client = auth_client(profile.user)

    statuses = [upload(client, image_bytes("JPEG", (64, 64))).status_code for _ in range(6)]

    assert statuses == [201] * 6


def test_upload_rate_limit(make_profile, auth_client, settings):
    settings.RATELIMIT_UPLOAD = "2/m"
    profile = make_profile()
    client = auth_client(profile.user)

    statuses = [upload(client, image_bytes("JPEG", (64, 64))).status_code for _ in range(3)]
    listing = client.get(URL, {"profile_id": str(profile.id)})

    assert statuses == [201, 201, 429]
    assert listing.status_code == 200  # reading is not an upload
    assert Photo.objects.count() == 2


def test_photo_endpoints_are_documented_with_envelopes_and_errors():
    from drf_spectacular.generators import SchemaGenerator

    from media import urls

    schema = SchemaGenerator(patterns=urls.urlpatterns).get_schema(request=None, public=True)

    paths = schema["paths"]
    upload_responses = paths["/photos"]["post"]["responses"]
    assert set(upload_responses) == {"201", "400", "401", "403", "404", "413", "429"}
    # 401: public, but a bad token is refused (docs/CLIENTS.md)
    assert set(paths["/photos"]["get"]["responses"]) == {"200", "400", "401", "404", "429"}
    assert {p["name"] for p in paths["/photos"]["get"]["parameters"]} == {
        "profile_id",
        "limit",
        "offset",
    }
    assert "multipart/form-data" in paths["/photos"]["post"]["requestBody"]["content"]
    assert set(paths["/photos/{photo_id}"]) >= {"put", "delete"}
    assert "204" in paths["/photos/{photo_id}"]["delete"]["responses"]
    assert "400" in paths["/photos/reorder"]["post"]["responses"]
