from __future__ import annotations

import sys
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.tokens import user_from_access_token
from billing.entitlements import entitlements_for
from chat.models import Room
from chat.ws_client import _describe

pytestmark = pytest.mark.django_db


def test_chat_demo_prints_two_working_client_commands(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    (tmp_path / "run-address").write_text("http://127.0.0.1:8765\n")  # what make run writes
    out = StringIO()

    call_command("chat_demo", stdout=out)
    call_command("chat_demo", stdout=StringIO())  # again: same users, same room

    commands = [line for line in out.getvalue().splitlines() if " -m chat.ws_client " in line]
    assert len(commands) == 2
    room = Room.objects.get()
    for command in commands:
        parts = command.split()
        assert parts[0] == sys.executable
        assert parts[parts.index("--url") + 1] == "ws://127.0.0.1:8765/ws"
        assert parts[parts.index("--room") + 1] == str(room.id)
        user, _token = user_from_access_token(parts[parts.index("--token") + 1])
        assert entitlements_for(user).chat_access is True


def test_ws_client_renders_frames():
    frame = {
        "type": "message",
        "room_id": "r",
        "message": {
            "id": "m",
            "room_id": "r",
            "sender_id": "0123456789",
            "content": "Hi",
            "created_at": "2026-01-01T00:00:00Z",
            "is_read": False,
            "held": False,
            "rejected": False,
        },
        "client_id": "c1",
    }

    assert _describe(frame) == "[2026-01-01T00:00:00Z] 01234567: Hi (ack c1)"
    assert _describe({"type": "error", "error": {"code": "NOT_FOUND", "message": "x"}}) == (
        "! NOT_FOUND: x"
    )
