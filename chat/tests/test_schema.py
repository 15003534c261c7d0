from __future__ import annotations

import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def test_every_chat_endpoint_is_documented_with_envelopes_and_errors():
    generator = SchemaGenerator(patterns=[path("api/v1/", include("chat.urls"))])

    schema = generator.get_schema(request=None, public=True)

    paths = schema["paths"]
    operations = {
        ("/api/v1/chat/rooms", "get"): {"200", "401", "403"},
        ("/api/v1/chat/rooms", "post"): {"200", "201", "400", "403", "404"},
        ("/api/v1/chat/rooms/{room_id}/messages", "get"): {"200", "400", "404"},
        ("/api/v1/chat/rooms/{room_id}/messages", "post"): {"201", "400", "403", "404", "429"},
        ("/api/v1/chat/rooms/{room_id}/read", "post"): {"200", "404"},
        ("/api/v1/chat/unread", "get"): {"200", "401"},
    }
    for (route, method), statuses in operations.items():
        responses = paths[route][method]["responses"]
        assert statuses <= set(responses), (route, method, set(responses))
    history_params = {
        p["name"] for p in paths["/api/v1/chat/rooms/{room_id}/messages"]["get"]["parameters"]
    }
    assert {"limit", "before"} <= history_params
