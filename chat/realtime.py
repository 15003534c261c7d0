"""Chat frames (docs/API.md §8) and their delivery to members' user groups.

Every frame goes to `user.<id>` through `notifications.realtime.push_to_user`, so one socket
serves all of a user's rooms and its notifications. Call the broadcasters from
`transaction.on_commit`: a message is stored before anyone hears of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from mwork.api.formats import format_datetime
from notifications.realtime import push_to_user


def message_payload(message: Any, *, is_read: bool) -> dict[str, Any]:
    """The contract's message object, identical over REST and WebSocket."""
    return {
        "id": str(message.id),
        "room_id": str(message.room_id),
        "sender_id": str(message.sender_id),
        "content": message.content,
        "created_at": format_datetime(message.created_at),
        "is_read": is_read,
    }


def broadcast_message(
    *,
    message: Any,
    member_ids: Iterable[UUID],
    client_id: str | None = None,
) -> None:
    """`{"type": "message", ...}` to every member; the sender's frame carries its `client_id`."""
    payload = message_payload(message, is_read=False)
    for member_id in member_ids:
        frame: dict[str, Any] = {
            "type": "message",
            "room_id": str(message.room_id),
            "message": payload,
        }
        if client_id is not None and member_id == message.sender_id:
            frame["client_id"] = client_id
        push_to_user(member_id, frame)


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
