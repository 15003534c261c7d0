"""Chat socket error frames are in the user's language (docs/i18n.md)."""

from __future__ import annotations

import pytest

from chat.tests.test_websocket import (  # noqa: F401 - the worker-connection fixture
    CHAT_TEST_APPS,
    _close_worker_connections,
    connected,
    next_frame,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, available_apps=CHAT_TEST_APPS),
    pytest.mark.asyncio,
]

MESSAGES = {
    "ru": "Кадры должны быть JSON-объектами.",
    "kk": "Кадрлар JSON нысандары болуы керек.",
    "en": "Frames are JSON objects.",
}


@pytest.fixture(params=["kk", "en"])
def speaker(request, make_user):
    return make_user(role="employer", language=request.param)


async def test_error_frames_are_in_the_users_language(speaker):
    socket = await connected(speaker)

    await socket.send_to(text_data="not json")

    frame = await next_frame(socket, "error")
    assert frame["error"] == {"code": "VALIDATION_ERROR", "message": MESSAGES[speaker.language]}
    await socket.disconnect()
