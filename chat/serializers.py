"""Input and output shapes of the chat API (prefixed `Chat` for unique schema component names)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Role
from chat.selectors import HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT
from mwork.api.serializers import QuerySerializer


class ChatRoomCreateInputSerializer(serializers.Serializer):
    participant_id = serializers.UUIDField()
    casting_id = serializers.UUIDField(required=False, allow_null=True, default=None)


class ChatMessageSendInputSerializer(serializers.Serializer):
    # Trimming and the 1-4000 length rule live in the service, shared with the WebSocket.
    content = serializers.CharField(allow_blank=True, trim_whitespace=False)
    client_id = serializers.CharField(
        required=False,
        max_length=100,
        help_text="The client's own id for this message: sending again with the same one in "
        "this room within 24 h returns the stored message instead of storing another.",
    )


class ChatMessageHistoryQuerySerializer(QuerySerializer):
    limit = serializers.IntegerField(min_value=1, required=False, default=HISTORY_DEFAULT_LIMIT)
    before = serializers.UUIDField(required=False, default=None)

    def validate_limit(self, value: int) -> int:
        return min(value, HISTORY_MAX_LIMIT)  # above the maximum is clamped (docs/API.md §3)


class ChatMessageOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    room_id = serializers.UUIDField()
    sender_id = serializers.UUIDField()
    content = serializers.CharField()
    created_at = serializers.DateTimeField()
    is_read = serializers.BooleanField()
    held = serializers.BooleanField(
        help_text="The sender's own message held by the safety rules until staff review it."
    )
    rejected = serializers.BooleanField(help_text="A held message staff rejected (never sent).")


class ChatParticipantOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices)


class ChatRoomOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    participants = ChatParticipantOutputSerializer(many=True)
    casting_id = serializers.UUIDField(allow_null=True)
    last_message = ChatMessageOutputSerializer(allow_null=True)
    unread_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ChatMessageHistoryOutputSerializer(serializers.Serializer):
    messages = ChatMessageOutputSerializer(many=True)
    has_more = serializers.BooleanField()


class ChatRoomUnreadOutputSerializer(serializers.Serializer):
    room_id = serializers.UUIDField()
    unread_count = serializers.IntegerField()


class ChatUnreadOutputSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()
    rooms = ChatRoomUnreadOutputSerializer(many=True)


class ChatWebSocketTicketOutputSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="Single use: open `/ws?ticket=<ticket>` with it.")
    expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid (30).")
