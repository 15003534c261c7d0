"""Hooks of castings for the apps above it (they connect in their AppConfig.ready()).

`analytics` counts casting views; it sits above castings (docs/ARCHITECTURE.md, "Layers").
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a casting's page is built; kwargs: casting, viewer, address.
# Receivers never raise (a view count may not turn a good page into an error).
casting_viewed = Signal()
