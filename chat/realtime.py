"""Chat frames (docs/API.md §8) and their delivery to members' user groups.

Every frame goes to `user.<id>` through `notifications.realtime.push_to_user`, so one socket
serves all of a user's rooms and its notifications. Call the broadcasters from
`transaction.on_commit`: a message is stored before anyone hears of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from accounts.sessions import user_group
from mwork.api.formats import format_datetime
from notifications.realtime import FRAME_EVENT, push_to_user

logger = logging.getLogger(__name__)


def push_to_users(frames: list[tuple[UUID, dict[str, Any]]]) -> None:
    """Each frame to its user's sockets, in one channel-layer call when the layer can (the
    Redis layer's `group_send_many`); at-most-once, never raises, like `push_to_user`."""
    layer = get_channel_layer()
    send_many = getattr(layer, "group_send_many", None)
    if send_many is None:
        for user_id, frame in frames:
            push_to_user(user_id, frame)
        return
    try:
        async_to_sync(send_many)(
            [
                (user_group(user_id), {"type": FRAME_EVENT, "frame": frame})
                for user_id, frame in frames
            ]
        )
    except Exception:
        logger.warning("realtime push to %s users failed", len(frames), exc_info=True)


def message_payload(message: Any, *, is_read: bool) -> dict[str, Any]:
    """The contract's message object, identical over REST and WebSocket."""
    return _payload(message, str(message.room_id), str(message.sender_id), is_read)


def message_payloads(
    messages: Sequence[Any], *, is_read: Callable[[Any], bool]
) -> list[dict[str, Any]]:
    """`message_payload` of each of `messages` (a history page), the room's and the senders'
    ids turned into text once each rather than once a message."""
    texts: dict[Any, str] = {}
    payloads = []
    for message in messages:
        room_id, sender_id = message.room_id, message.sender_id
        room_text = texts.get(room_id) or texts.setdefault(room_id, str(room_id))
        sender_text = texts.get(sender_id) or texts.setdefault(sender_id, str(sender_id))
        payloads.append(_payload(message, room_text, sender_text, is_read(message)))
    return payloads


def _payload(message: Any, room_id: str, sender_id: str, is_read: bool) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "room_id": room_id,
        "sender_id": sender_id,
        "content": message.content,
        "created_at": format_datetime(message.created_at),
        "is_read": is_read,
        # Only ever true for the sender's own held message (docs/SAFETY.md).
        "held": bool(getattr(message, "held", False)),
        "rejected": bool(getattr(message, "rejected", False)),
    }


def message_frames(
    *,
    message: Any,
    member_ids: Iterable[UUID],
    client_id: str | None = None,
) -> list[tuple[UUID, dict[str, Any]]]:
    """`{"type": "message", ...}` for every member; the sender's frame carries its
    `client_id`."""
    payload = message_payload(message, is_read=False)
    frames = []
    for member_id in member_ids:
        frame: dict[str, Any] = {
            "type": "message",
            "room_id": str(message.room_id),
            "message": payload,
        }
        if client_id is not None and member_id == message.sender_id:
            frame["client_id"] = client_id
        if payload["held"]:
            frame["held"] = True  # the sender's acknowledgement of a held message
        frames.append((member_id, frame))
    return frames


def broadcast_message(
    *,
    message: Any,
    member_ids: Iterable[UUID],
    client_id: str | None = None,
) -> None:
    """`message_frames` to every member, in one channel-layer call (mwork/channel_layer.py)."""
    push_to_users(message_frames(message=message, member_ids=member_ids, client_id=client_id))


def broadcast_message_rejected(*, message: Any) -> None:
    """`{"type": "message_rejected", ...}` to the sender of a held message staff rejected."""
    push_to_user(
        message.sender_id,
        {
            "type": "message_rejected",
            "room_id": str(message.room_id),
            "message": message_payload(message, is_read=False),
        },
    )


def broadcast_typing(*, room_id: UUID, user_id: UUID, member_ids: Iterable[UUID]) -> None:
    """`{"type": "typing", ...}` to the other members (the typist knows it is typing)."""
    frame = {"type": "typing", "room_id": str(room_id), "user_id": str(user_id)}
    for member_id in member_ids:
        if member_id != user_id:
            push_to_user(member_id, frame)


def broadcast_read(*, room_id: UUID, user_id: UUID, member_ids: Iterable[UUID]) -> None:
    """`{"type": "read", ...}` to every member: read receipts for the others, and the reader's
    other devices clear their badge."""
    frame = {"type": "read", "room_id": str(room_id), "user_id": str(user_id)}
    for member_id in member_ids:
        push_to_user(member_id, frame)
