"""Hypothesis over the photo pipeline (`media/images.py`) with mutated JPEG, PNG and WebP files.

Seeds: real images of every shape the pipeline must handle (baseline/progressive/grayscale/
CMYK JPEG with EXIF orientation, RGBA/palette/16-bit/1-bit PNG, lossy and lossless WebP).
Mutations: bit flips, byte overwrites, truncation, insertions, deletions, duplicated spans, and
header surgery that keeps the file well-formed (PNG IHDR with a recomputed CRC, JPEG SOF
dimensions) so decoding reaches the pixel limits.

Properties: `process_photo` returns a clean JPEG within the size limits or raises only
`ValidationFailed` / `FileTooLarge`; through `POST /api/v1/photos` the answer is 201, 400 or
413 and a refused upload leaves no file and no row (a bounded number of examples).
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from media.images import MAX_LONG_SIDE, THUMBNAIL_LONG_SIDE, process_photo
from media.models import Photo
from mwork.api.exceptions import FileTooLarge, ValidationFailed
from mwork.tests.fuzz.harness import examples_per_operation, write_figures

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    # Pillow warns about the corrupt EXIF of mutated files; the pipeline must just cope.
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


def _save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


@cache
def seeds() -> dict[str, bytes]:
    rgb = Image.linear_gradient("L").resize((48, 32)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90
    exif[0x010F] = "Leaky Camera Inc."
    rgba = rgb.convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize((48, 32)))
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    palette.info["transparency"] = 0
    return {
        "jpeg": _save(rgb, "JPEG", quality=80),
        "jpeg-progressive-exif": _save(rgb, "JPEG", progressive=True, exif=exif.tobytes()),
        "jpeg-grey": _save(rgb.convert("L"), "JPEG"),
        "jpeg-cmyk": _save(rgb.convert("CMYK"), "JPEG"),
        "png-rgba": _save(rgba, "PNG"),
        "png-palette": _save(palette, "PNG", transparency=0),
        "png-16bit": _save(Image.new("I;16", (40, 30), 1200), "PNG"),
        "png-1bit": _save(rgb.convert("1"), "PNG"),
        "webp-lossy": _save(rgb, "WEBP", quality=60),
        "webp-lossless-alpha": _save(rgba, "WEBP", lossless=True),
    }


def _png_with_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite a PNG's IHDR dimensions and fix its CRC, so the file still parses."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return data
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)) & 0xFFFFFFFF)
    return data[:16] + bytes(ihdr) + crc + data[33:]


def _jpeg_with_size(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the dimensions of a JPEG's first SOF marker (16 bits each)."""
    width, height = min(width, 0xFFFF), min(height, 0xFFFF)
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at != -1 and at + 9 <= len(data):
            return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]
    return data


@st.composite
def mutated_images(draw) -> bytes:
    name = draw(st.sampled_from(sorted(seeds())))
    data = bytearray(seeds()[name])
    if draw(st.booleans()):
        width = draw(st.sampled_from([0, 1, 65_535, 9_000, 6_000, 100_000]) | st.integers(0, 2**16))
        height = draw(st.sampled_from([0, 1, 65_535, 7_000, 100_000]) | st.integers(0, 2**16))
        fixer = _png_with_size if name.startswith("png") else _jpeg_with_size
        if name.startswith(("png", "jpeg")):
            data = bytearray(fixer(bytes(data), min(width, 2**31 - 1), min(height, 2**16 - 1)))
    for _ in range(draw(st.integers(0, 6))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "duplicate"]))
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80]) | st.integers(0, 255))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            span = data[at : at + draw(st.integers(1, 256))]
            data[at:at] = span
    return bytes(data)


def _check_output(result) -> None:
    assert max(result.width, result.height) <= MAX_LONG_SIDE
    with Image.open(io.BytesIO(result.image)) as image:
        assert image.format == "JPEG"
        assert image.size == (result.width, result.height)
        assert not image.getexif()
        assert "icc_profile" not in image.info
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert max(thumb.size) <= THUMBNAIL_LONG_SIDE


def test_the_seeds_themselves_are_accepted():
    for name, data in seeds().items():
        _check_output(process_photo(io.BytesIO(data)))
        assert name


def test_the_pipeline_never_raises_anything_but_its_two_errors():
    outcomes = {"ok": 0, "ValidationFailed": 0, "FileTooLarge": 0}

    @settings(
        max_examples=examples_per_operation() * 75,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=mutated_images())
    def run(data):
        try:
            result = process_photo(io.BytesIO(data))
        except (ValidationFailed, FileTooLarge) as refused:
            outcomes[type(refused).__name__] += 1
            assert refused.details.get("file")
        else:
            outcomes["ok"] += 1
            _check_output(result)

    run()
    write_figures("images-pipeline", outcomes)
    assert outcomes["ValidationFailed"] > 0
    assert outcomes["ok"] > 0


@pytest.mark.django_db
def test_uploads_of_mutated_images_answer_cleanly_and_leave_nothing_behind(
    world, client_for, files_in, media_root
):
    client = client_for(world.a.model)
    statuses: dict[int, int] = {}

    @settings(
        max_examples=examples_per_operation() * 5,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=mutated_images(), name=st.sampled_from(["a.jpg", "b.png", "c.webp", "x.gif", ""]))
    def run(data, name):
        before_files = set(files_in())
        with transaction.atomic():
            before_rows = Photo.objects.count()
            upload = io.BytesIO(data)
            upload.name = name or "upload"
            response = client.post("/api/v1/photos", {"file": upload}, format="multipart")
            rows = Photo.objects.count()
            transaction.set_rollback(True)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        new_files = set(files_in()) - before_files
        assert response.status_code in (201, 400, 413), response.content[:200]
        assert response.json()["status"] in ("success", "error")
        if response.status_code == 201:
            assert rows == before_rows + 1
            assert len(new_files) == 2  # the photo and its thumbnail
            for name_ in new_files:  # the row was rolled back: drop its files too
                (media_root / name_).unlink()
        else:
            assert rows == before_rows
            assert new_files == set(), "a refused upload left files behind"

    run()
    write_figures("images-upload", statuses)
    assert statuses.get(400, 0) > 0
