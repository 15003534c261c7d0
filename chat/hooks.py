"""Chat's answers to the hooks of the apps below it (docs/ARCHITECTURE.md, "Layers")."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from agencies.signals import organization_member_removed
from chat.services import chat_memberships_end_for_organization


@receiver(organization_member_removed, dispatch_uid="chat.organization_member_removed")
def organization_member_removed_leave_rooms(sender: Any, *, user: Any, owner_id: Any, **_: Any):
    """A manager left an organization: it leaves the rooms it opened about its castings."""
    chat_memberships_end_for_organization(user=user, owner_id=owner_id)
