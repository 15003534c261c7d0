"""Hooks of agencies for the apps above it (they connect in their AppConfig.ready()).

`agencies` sits below `chat`; what chat does when a manager leaves is chat's business
(docs/ARCHITECTURE.md, "Layers").
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that deletes the membership; kwargs: user, owner_id.
organization_member_removed = Signal()
