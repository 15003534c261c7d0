"""The photo pipeline: decode, check, orient, strip, resize, thumbnail (docs/API.md §9).

Decoding decides the type, never the file name or the client's Content-Type. Limits are checked
before the pixels are decoded: the byte size first, then the dimensions from the header that
`Image.open` reads lazily. What comes out is always a fresh RGB JPEG with no metadata at all
(no EXIF, no GPS, no XMP, no comment, no ICC profile: colours are converted to sRGB first), its
long side capped, plus a small thumbnail.

Raises only `ValidationFailed` (400, `details.file`) and `FileTooLarge` (413).
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from mwork.api.exceptions import FileTooLarge, ValidationFailed

logger = logging.getLogger(__name__)

try:  # HEIC/HEIF from iPhones, where the optional library is present
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF_AVAILABLE = False

DEFAULT_MAX_PIXELS = 40_000_000
MAX_LONG_SIDE = 2560
THUMBNAIL_LONG_SIDE = 400
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80

_READ_CHUNK = 1024 * 1024


def accepted_formats() -> tuple[str, ...]:
    """Pillow format names we decode; everything else (GIF, BMP, TIFF, SVG...) is refused."""
    formats: tuple[str, ...] = ("JPEG", "PNG", "WEBP")
    if HEIF_AVAILABLE:
        formats += ("HEIF",)
    return formats


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes  # JPEG, long side ≤ MAX_LONG_SIDE
    thumbnail: bytes  # JPEG, long side ≤ THUMBNAIL_LONG_SIDE
    width: int
    height: int
    source_format: str


def _max_bytes() -> int:
    return int(settings.PHOTO_MAX_BYTES)


def _max_pixels() -> int:
    return int(getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _invalid(message: str | Promise) -> ValidationFailed:
    return ValidationFailed(_("The file is not a supported image."), details={"file": [message]})


def _too_large(max_bytes: int) -> FileTooLarge:
    megabytes = max_bytes / (1024 * 1024)
    return FileTooLarge(
        _("The file is larger than {megabytes} MB.").format(megabytes=f"{megabytes:g}"),
        details={
            "file": [
                _("The file must be at most {megabytes} MB.").format(megabytes=f"{megabytes:g}")
            ]
        },
    )


def read_limited(file: IO[bytes] | Any) -> bytes:
    """Read the upload, refusing it (413) as soon as it is over the byte limit.

    The declared `size` of a Django upload is the real byte count of the received part, so the
    common case is refused without reading anything; reading in chunks guards the rest.
    """
    max_bytes = _max_bytes()
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(max_bytes)
    if hasattr(file, "seek"):
        file.seek(0)
    buffer = io.BytesIO()
    chunks = (
        file.chunks(_READ_CHUNK)
        if hasattr(file, "chunks")
        else iter(lambda: file.read(_READ_CHUNK), b"")
    )
    for chunk in chunks:
        buffer.write(chunk)
        if buffer.tell() > max_bytes:
            raise _too_large(max_bytes)
    return buffer.getvalue()


def _guard_pillow_bomb_limit(max_pixels: int) -> None:
    # Pillow refuses (DecompressionBombError) at twice MAX_IMAGE_PIXELS and warns above it; keep
    # it at most our own limit so a header we somehow did not check can still not explode.
    current = Image.MAX_IMAGE_PIXELS
    if current is None or current > max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert to RGB in sRGB, honouring an embedded ICC profile, flattening transparency."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        image = background
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(image, source, target, outputMode="RGB")
            if converted is not None:  # None only for inPlace=True
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            logger.info("Ignoring an unusable ICC profile")
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _encode_jpeg(image: Image.Image, *, quality: int) -> bytes:
    # A fresh image carries no `info` at all: no EXIF, XMP, comment or ICC can leak into the file.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def process_photo(file: IO[bytes] | Any) -> ProcessedPhoto:
    """Validate and normalise one uploaded photo.

    Raises `FileTooLarge` over `settings.PHOTO_MAX_BYTES`, `ValidationFailed` (details.file) for
    an empty, undecodable, truncated or unsupported file and for more than
    `PHOTO_MAX_PIXELS` (40 MP) pixels, decided from the header before decoding.
    """
    data = read_limited(file)
    if not data:
        raise _invalid(_("The file is empty."))
    max_pixels = _max_pixels()
    _guard_pillow_bomb_limit(max_pixels)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=accepted_formats())
            source_format = image.format or ""
            width, height = image.size
            if width <= 0 or height <= 0:
                raise _invalid(_("The image has no pixels."))
            if width * height > max_pixels:
                raise _invalid(
                    _(
                        "The image is {width}x{height} pixels; at most {megapixels} megapixels "
                        "are accepted."
                    ).format(width=width, height=height, megapixels=max_pixels // 1_000_000)
                )
            if source_format == "JPEG":
                # Decode big JPEGs at a reduced scale directly (never below the target size).
                image.draft("RGB", (MAX_LONG_SIDE, MAX_LONG_SIDE))
            image.load()
            image = ImageOps.exif_transpose(image)
            image = _to_srgb(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(
            _(
                "The image has too many pixels; at most {megapixels} megapixels are accepted."
            ).format(megapixels=max_pixels // 1_000_000)
        ) from None
    except UnidentifiedImageError:
        raise _invalid(_("Upload a JPEG, PNG, WebP or HEIC image.")) from None
    except (OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError, TypeError):
        # Truncated or corrupt data: Pillow reports it with any of these.
        raise _invalid(_("The image is damaged or incomplete.")) from None

    if max(image.size) > MAX_LONG_SIDE:
        image.thumbnail((MAX_LONG_SIDE, MAX_LONG_SIDE), Image.Resampling.LANCZOS)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_LONG_SIDE, THUMBNAIL_LONG_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        image=_encode_jpeg(image, quality=JPEG_QUALITY),
        thumbnail=_encode_jpeg(thumbnail, quality=THUMBNAIL_QUALITY),
        width=image.width,
        height=image.height,
        source_format=source_format,
    )
