"""The `/ws` application: origin check → token → one consumer per socket."""

from channels.routing import URLRouter
from django.urls import path

from chat.consumers import ChatConsumer
from chat.middleware import AllowedOriginOrNoOrigin, QueryTokenAuthMiddleware

websocket_urlpatterns = [path("ws", ChatConsumer.as_asgi())]

websocket_application = AllowedOriginOrNoOrigin(
    QueryTokenAuthMiddleware(URLRouter(websocket_urlpatterns))
)
