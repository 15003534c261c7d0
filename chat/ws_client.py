"""A tiny terminal client for `/ws` (the README's two-terminal demo).

    python -m chat.ws_client --token <access JWT> --room <room id> [--url ws://127.0.0.1:8000/ws]

Lines typed are sent to the room as messages (`/typing` sends a typing event, `/read` marks the
room read, `/ping` pings); every frame the server pushes (messages, typing, read receipts,
notifications, errors) is printed as it arrives. Needs only the `websockets` package.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import uuid
from urllib.parse import urlencode


def _describe(frame: dict) -> str:
    kind = frame.get("type")
    if kind == "message":
        message = frame["message"]
        ack = f" (ack {frame['client_id']})" if "client_id" in frame else ""
        return f"[{message['created_at']}] {message['sender_id'][:8]}: {message['content']}{ack}"
    if kind == "typing":
        return f"... {frame['user_id'][:8]} is typing"
    if kind == "read":
        return f"✓ {frame['user_id'][:8]} read the room"
    if kind == "notification":
        notification = frame["notification"]
        return f"🔔 {notification.get('title')}: {notification.get('message')}"
    if kind == "pong":
        return "pong"
    if kind == "error":
        return f"! {frame['error']['code']}: {frame['error']['message']}"
    return json.dumps(frame, ensure_ascii=False)


async def _print_frames(ws) -> None:
    async for raw in ws:
        print(_describe(json.loads(raw)), flush=True)  # noqa: T201 - a terminal client


async def _send_lines(ws, room_id: str) -> None:
    loop = asyncio.get_running_loop()
    commands = {"/typing": "typing", "/read": "read", "/ping": "ping"}
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:  # end of input
            return
        text = line.rstrip("\n")
        if not text.strip():
            continue
        if text.strip() in commands:
            frame = {"type": commands[text.strip()], "room_id": room_id}
        else:
            frame = {
                "type": "message",
                "room_id": room_id,
                "content": text,
                "client_id": uuid.uuid4().hex[:8],
            }
        await ws.send(json.dumps(frame, ensure_ascii=False))


async def run(url: str, token: str, room_id: str) -> None:
    from websockets.asyncio.client import connect

    async with connect(f"{url}?{urlencode({'token': token})}") as ws:
        print(f"connected to {url}; type a message and press Enter (Ctrl-D quits)")  # noqa: T201
        printer = asyncio.create_task(_print_frames(ws))
        await _send_lines(ws, room_id)
        printer.cancel()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="MWork chat over the WebSocket /ws")
    parser.add_argument("--url", default="ws://127.0.0.1:8000/ws")
    parser.add_argument("--token", required=True, help="an access JWT (POST /api/v1/auth/login)")
    parser.add_argument("--room", required=True, help="a room id (POST /api/v1/chat/rooms)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.url, args.token, args.room))


if __name__ == "__main__":
    main()
