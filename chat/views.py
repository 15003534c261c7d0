"""Chat REST endpoints (docs/API.md §8)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.views import APIView

from accounts.sessions import ws_ticket_issue
from chat import selectors, services
from chat.realtime import message_payload
from chat.serializers import (
    ChatMessageHistoryOutputSerializer,
    ChatMessageHistoryQuerySerializer,
    ChatMessageOutputSerializer,
    ChatMessageSendInputSerializer,
    ChatRoomCreateInputSerializer,
    ChatRoomOutputSerializer,
    ChatRoomUnreadOutputSerializer,
    ChatUnreadOutputSerializer,
    ChatWebSocketTicketOutputSerializer,
)
from mwork.api.pagination import paginate
from mwork.api.responses import created, ok
from mwork.api.schema import api_schema, envelope, item_envelope, list_envelope

ROOM_ID_PARAMETER = OpenApiParameter(
    "room_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Room id"
)


def _rooms_data(memberships) -> list:
    # Already the contract's JSON shape (ChatRoomOutputSerializer documents it): the rooms list
    # is a hot path and a serializer pass over ready dicts only costs time.
    return selectors.rooms_from_memberships(memberships)


class ChatRoomListCreateView(APIView):
    @api_schema(
        responses={200: list_envelope("ChatRoomList", "rooms", ChatRoomOutputSerializer)},
        errors=(400, 401, 403),
        summary="My chat rooms, newest activity first (needs a plan with chat access)",
    )
    def get(self, request):
        return ok(
            paginate(
                request,
                None,  # the page's rows carry the count (a page past the end: the first row's)
                key="rooms",
                serialize=_rooms_data,
                counted_in=selectors.ROOMS_TOTAL,
                page_rows=selectors.rooms_page_for_chat_user(user=request.user),
            )
        )

    @api_schema(
        request=ChatRoomCreateInputSerializer,
        responses={
            201: item_envelope("ChatRoomCreated", "room", ChatRoomOutputSerializer),
            200: item_envelope("ChatRoomExisting", "room", ChatRoomOutputSerializer),
        },
        errors=(400, 401, 403, 404),
        summary="Open the chat with a user (optionally about a casting); 200 if it exists",
    )
    def post(self, request):
        serializer = ChatRoomCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room, is_new = services.chat_room_get_or_create(
            actor=request.user, **serializer.validated_data
        )
        state = selectors.room_state_get_for_member(user=request.user, room_id=room.id)
        data = {"room": state}
        return created(data) if is_new else ok(data)


class ChatRoomMessagesView(APIView):
    @api_schema(
        responses={200: envelope("ChatMessageHistory", ChatMessageHistoryOutputSerializer)},
        errors=(400, 401, 404),
        parameters=[ROOM_ID_PARAMETER, ChatMessageHistoryQuerySerializer],
        summary="Message history, newest first; page back with `before=<message id>`",
    )
    def get(self, request, room_id):
        query = ChatMessageHistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        messages, has_more = selectors.message_history_for_member(
            user=request.user, room_id=room_id, **query.validated_data
        )
        # Already the contract's JSON shape (message_payload): no serializer pass on a hot path.
        return ok({"messages": messages, "has_more": has_more})

    @api_schema(
        request=ChatMessageSendInputSerializer,
        responses={201: item_envelope("ChatMessageSent", "message", ChatMessageOutputSerializer)},
        errors=(400, 401, 403, 404, 429),
        parameters=[ROOM_ID_PARAMETER],
        summary="Send a message (needs a plan with chat access; 30 a minute)",
    )
    def post(self, request, room_id):
        serializer = ChatMessageSendInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room = selectors.room_get_for_member(user=request.user, room_id=room_id)
        message = services.chat_message_send(
            sender=request.user, room=room, **serializer.validated_data
        )
        payload = message_payload(message, is_read=False)
        return created({"message": ChatMessageOutputSerializer(payload).data})


class ChatRoomReadView(APIView):
    @api_schema(
        request=None,
        responses={200: envelope("ChatRoomRead", ChatRoomUnreadOutputSerializer)},
        errors=(401, 404),
        parameters=[ROOM_ID_PARAMETER],
        summary="Mark every message of the room read",
    )
    def post(self, request, room_id):
        room = services.chat_room_mark_read_by_id(user=request.user, room_id=room_id)
        return ok(ChatRoomUnreadOutputSerializer({"room_id": room.id, "unread_count": 0}).data)


class ChatUnreadView(APIView):
    @api_schema(
        responses={200: envelope("ChatUnread", ChatUnreadOutputSerializer)},
        errors=(401,),
        summary="Unread messages in total and per room (rooms with unread messages only)",
    )
    def get(self, request):
        return ok(ChatUnreadOutputSerializer(selectors.unread_summary(user=request.user)).data)


class ChatWebSocketTicketView(APIView):
    @api_schema(
        request=None,
        responses={200: envelope("ChatWebSocketTicket", ChatWebSocketTicketOutputSerializer)},
        errors=(401, 429),
        summary="A single-use ticket for opening the WebSocket: /ws?ticket=<ticket>",
        description="Preferred over /ws?token= in browsers: URLs end up in logs and histories, "
        "and a ticket is worth nothing once used or 30 seconds old. The socket carries the "
        "session of the access token that asked for the ticket: logging that token out closes it.",
    )
    def post(self, request):
        ticket, expires_in = ws_ticket_issue(user=request.user, token=request.auth)
        return ok({"ticket": ticket, "expires_in": expires_in})
