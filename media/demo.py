"""Demo portfolio photos for `manage.py load_demo_data` (run after `profiles.demo`).

Every demo model profile (user e-mail ending in `@demo.mwork.kz`) without photos gets 2-4
generated placeholders — a soft colour gradient with the model's initials — uploaded through
the real service, so files, thumbnails, the main photo and completeness are all as in
production. Profiles that already have photos are skipped, which makes the loader idempotent.
"""

from __future__ import annotations

import colorsys
import io
import random
from pathlib import Path

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from media.services import photo_upload
from profiles.models import ModelProfile

DEMO_EMAIL_SUFFIX = "@demo.mwork.kz"
PHOTO_SIZE = (600, 800)  # portrait 3:4, like a model card
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    "C:/Windows/Fonts/arialbd.ttf",
)
# For the fallback font, which has Latin glyphs only.
_TRANSLIT = dict(
    zip(
        "АӘБВГҒДЕЁЖЗИЙКҚЛМНҢОӨПРСТУҰҮФХҺЦЧШЩЫІЭЮЯ",
        [
            "A", "A", "B", "V", "G", "G", "D", "E", "E", "Zh", "Z", "I", "I", "K", "Q", "L",
            "M", "N", "N", "O", "O", "P", "R", "S", "T", "U", "U", "U", "F", "Kh", "H", "Ts",
            "Ch", "Sh", "Sh", "Y", "I", "E", "Yu", "Ya",
        ],
        strict=True,
    )
)  # fmt: skip


def initials(name: str) -> str:
    letters = [part[0].upper() for part in name.split() if part and part[0].isalpha()]
    return "".join(letters[:2]) or "M"


def _font(size: int) -> tuple[ImageFont.ImageFont | ImageFont.FreeTypeFont, bool]:
    """A bold TrueType font and whether it covers Cyrillic."""
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size), True
    return ImageFont.load_default(size=size), False


def placeholder_jpeg(*, name: str, rng: random.Random, size: tuple[int, int] = PHOTO_SIZE) -> bytes:
    """A vertical two-colour gradient with the initials in the middle, as JPEG bytes."""
    width, height = size
    hue = rng.random()
    top = colorsys.hls_to_rgb(hue, 0.72, 0.55)
    bottom = colorsys.hls_to_rgb((hue + rng.uniform(0.08, 0.25)) % 1.0, 0.38, 0.6)
    ramp = Image.linear_gradient("L").resize((width, height))
    start = Image.new("RGB", size, tuple(round(c * 255) for c in top))
    end = Image.new("RGB", size, tuple(round(c * 255) for c in bottom))
    image = Image.composite(end, start, ramp)

    font, has_cyrillic = _font(size=width // 3)
    text = initials(name)
    if not has_cyrillic:
        text = "".join(_TRANSLIT.get(ch, ch) for ch in text)[:3]
    draw = ImageDraw.Draw(image)
    draw.text(
        (width / 2, height / 2),
        text,
        font=font,
        fill=(255, 255, 255),
        anchor="mm",
        stroke_width=max(width // 160, 1),
        stroke_fill=(60, 60, 60),
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def load_demo(*, rng: random.Random) -> None:
    """Give demo model profiles without photos 2-4 placeholder photos (idempotent)."""
    profiles = (
        ModelProfile.objects.filter(user__email__endswith=DEMO_EMAIL_SUFFIX, photos__isnull=True)
        .select_related("user")
        .order_by("created_at", "id")
    )
    for profile in profiles:
        for index in range(rng.randint(2, 4)):
            photo_upload(
                actor=profile.user,
                file=ContentFile(
                    placeholder_jpeg(name=profile.name, rng=rng), name=f"demo-{index}.jpg"
                ),
                is_main=index == 0,
                order=index,
            )
