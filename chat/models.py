"""Chat: rooms between two users (optionally about a casting), read state per member, messages.

A room is identified by its participants and casting: `pair_key` is the canonical
"<smaller user id>:<larger user id>:<casting id or ->" and is unique, so the same pair (about
the same casting) always lands in the same room, even when both sides create it at once.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mwork.ids import uuid7


def room_pair_key(*, user_a_id: UUID, user_b_id: UUID, casting_id: UUID | None) -> str:
    """The canonical identity of a room: the two user ids sorted, then the casting (or "-")."""
    first, second = sorted((str(user_a_id), str(user_b_id)))
    return f"{first}:{second}:{casting_id or '-'}"


class Room(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    casting = models.ForeignKey(
        "castings.Casting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_rooms",
    )
    pair_key = models.CharField(max_length=120, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # The room's latest activity: the newest message's time, or the creation time of a room
    # without messages. Never null. Not indexed: every message sets it, and with no index on
    # it that update is a HOT one (no index entry written, docs/PERFORMANCE.md, "Ninth
    # round"); the rooms lists sort a user's own rooms, reached through their memberships.
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["-last_message_at", "-id"]

    def __str__(self) -> str:
        return f"Room {self.id}"


class Membership(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    # Messages of others created after this moment are unread for this member.
    last_read_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="chat_membership_room_user"),
        ]
        indexes = [models.Index(fields=["user", "room"], name="chat_membership_user_room")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id}"


class Message(models.Model):
    # Time-ordered (version 7): a new message's key goes at the end of the primary key's index.
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # No index of its own: `chat_message_room_time` leads with the room.
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    content = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    # The sender's own id for the message: a resend with the same one in the same room within
    # CLIENT_ID_WINDOW returns the stored message instead of storing another (chat/services.py).
    client_id = models.CharField(max_length=100, null=True, blank=True)
    # Held by the safety rules (docs/SAFETY.md): only its sender sees it until staff release it
    # (delivered then) or reject it (`rejected`, never delivered). db_default: the message-store
    # SQL inserts delivered messages without naming these columns.
    held = models.BooleanField(default=False, db_default=False)
    rejected = models.BooleanField(default=False, db_default=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # History pages (room, newest first, `before` cursor) and unread counts.
            models.Index(fields=["room", "created_at", "id"], name="chat_message_room_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "sender", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="chat_message_client_id_once",
            )
        ]

    def __str__(self) -> str:
        return f"Message {self.id} in {self.room_id}"
