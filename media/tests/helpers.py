"""Test helpers: in-memory images and a look at what the storage holds."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (320, 240),
    color: tuple[int, ...] = (200, 30, 30),
    mode: str = "RGB",
    **save_kwargs: Any,
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **save_kwargs)
    return out.getvalue()
