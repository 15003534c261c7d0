from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("chat/rooms", views.ChatRoomListCreateView.as_view(), name="rooms"),
    path(
        "chat/rooms/<str:room_id>/messages",
        views.ChatRoomMessagesView.as_view(),
        name="room-messages",
    ),
    path("chat/rooms/<str:room_id>/read", views.ChatRoomReadView.as_view(), name="room-read"),
    path("chat/unread", views.ChatUnreadView.as_view(), name="unread"),
    path("ws/ticket", views.ChatWebSocketTicketView.as_view(), name="ws-ticket"),
]
