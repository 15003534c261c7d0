"""Ids that come from outside (URL kwargs, JSON bodies, admin query strings), and time-ordered
ids made here."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any


def parse_uuid(value: Any) -> uuid.UUID | None:
    """`value` as a UUID, or None when it is not one (callers answer 404, never 500)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def uuid7() -> uuid.UUID:
    """A version 7 UUID (RFC 9562): the Unix time in milliseconds, then 74 random bits. Ids
    made in time order sort in time order (to the millisecond), so rows written one after
    another add their primary-key entries at the end of the B-tree instead of on a random page
    (docs/PERFORMANCE.md, "Ninth round"). Used for rows written at a high rate: chat
    messages and notifications. Nothing may rely on their order: within a millisecond it is
    random, and a clock set back makes ids that sort before earlier ones."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10)) & _RANDOM_74
    return uuid.UUID(int=value | _VERSION_7_VARIANT)


# Counted from the most significant bit, bits 48-51 of a UUID hold its version (7) and bits
# 64-65 its variant (0b10, RFC 9562); the 74 bits after the time and around those are random.
_VERSION_7_VARIANT = 0x7 << 76 | 0b10 << 62
_RANDOM_74 = (0xFFF << 64) | ((1 << 62) - 1)
