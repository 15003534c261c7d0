"""How staff pages write numbers (shared by the admin lists and the dashboard)."""

from __future__ import annotations


def thousands(value: int | float) -> str:
    """12345 → "12 345" with a no-break space (Russian and Kazakh group digits this way)."""
    return f"{int(value):,}".replace(",", "\u00a0")
