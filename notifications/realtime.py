"""WebSocket fan-out: every server → client frame goes to the user's group `user.<id>`.

Each socket of a user joins that group (chat/consumers.py), so one socket receives chat events
and notifications alike, from whichever server process produced them (Redis channel layer).
Call `push_to_user` from `transaction.on_commit`, never inside an open transaction.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from accounts.sessions import user_group

logger = logging.getLogger(__name__)

# Consumers implement `client_frame(self, event)` and send `event["frame"]` as JSON (after
# checking that the socket's session still holds: accounts/sessions.py).
FRAME_EVENT = "client.frame"


def push_to_user(user_id: UUID | str, frame: dict[str, Any]) -> None:
    """Deliver `frame` to every open socket of the user; at-most-once, never raises."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": FRAME_EVENT, "frame": frame})
    except Exception:
        logger.warning("realtime push to user %s failed", user_id, exc_info=True)


def push_to_users(frames: list[tuple[UUID | str, dict[str, Any]]]) -> None:
    """`push_to_user` of several (user, frame) pairs in one channel-layer call where the layer
    can (`group_send_many`: two Redis round trips for all of them) — from a worker's batch,
    where every `async_to_sync` call also opens its own event loop and Redis connection.
    At-most-once, never raises."""
    layer = get_channel_layer()
    if layer is None or not frames:
        return
    sends = [
        (user_group(user_id), {"type": FRAME_EVENT, "frame": frame}) for user_id, frame in frames
    ]
    send_many = getattr(layer, "group_send_many", None)
    try:
        if send_many is not None:
            async_to_sync(send_many)(sends)
            return

        async def each() -> None:
            for group, message in sends:
                await layer.group_send(group, message)

        async_to_sync(each)()
    except Exception:
        logger.warning("realtime push to %d users failed", len(frames), exc_info=True)
