"""WebSocket load: N sockets connected, chat messages sent through the app at a fixed rate.

One asyncio process (the `websockets` client) opens a socket per user — two users per room,
rooms with distinct members — and sends `{"type": "message"}` frames at a fixed rate (open
loop: the schedule does not wait for answers), spread round-robin over the rooms and both
sides. Every message goes the production path: the consumer's `chat_message_send` (stored,
membership, ban, plan and block checks, rate counter), then after commit the channel layer
fans it out to both members' sockets, and a `new_message` notification to the recipient.

Latency is measured end to end on this one clock: the send time travels in the content, and
each receiving socket takes `now - sent`. `recipient` is the other member's socket, `echo` the
sender's own (its acknowledgement).
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from typing import Any

import orjson
import websockets


async def _connect(url: str, token: str, gate: asyncio.Semaphore) -> Any:
    async with gate:
        for attempt in range(5):
            try:
                return await websockets.connect(
                    f"{url}?token={token}",
                    open_timeout=30,
                    ping_interval=None,
                    max_queue=None,
                    compression=None,
                )
            except (OSError, websockets.InvalidHandshake, TimeoutError):
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    points = (1, 5, 10, 25, 50, 75, 90, 95, 97, 98, 99, 99.5, 99.9)
    out = {}
    for p in points:
        index = min(round(p / 100 * (len(ordered) - 1)), len(ordered) - 1)
        out[str(p)] = round(ordered[index], 3)
    return out


async def run_ws(
    *,
    url: str,
    rooms: list[dict[str, str]],
    sockets: int,
    rate: float,
    seconds: float,
    warmup: float = 3.0,
    drain: float | None = None,
) -> dict[str, Any]:
    rooms = rooms[: max(sockets // 2, 1)]
    gate = asyncio.Semaphore(50)
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    connect_started = time.perf_counter()
    pairs = await asyncio.gather(
        *(asyncio.gather(_connect(url, r["a"], gate), _connect(url, r["b"], gate)) for r in rooms),
        return_exceptions=True,
    )
    connect_seconds = time.perf_counter() - connect_started
    connected = [(r, p) for r, p in zip(rooms, pairs, strict=True) if not isinstance(p, Exception)]
    failures = [p for p in pairs if isinstance(p, Exception)]

    measuring_from = [float("inf")]
    recipient_ms: list[float] = []
    echo_ms: list[float] = []
    errors: list[Any] = []
    other_frames = [0]

    async def reader(ws: Any, own_side: str) -> None:
        try:
            async for raw in ws:
                now = time.perf_counter()
                frame = orjson.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    content = frame["message"]["content"]
                    if not content.startswith("bench "):
                        continue
                    _, _seq, side, stamp = content.split(" ")
                    sent_at = float(stamp)
                    if sent_at < measuring_from[0]:
                        continue
                    latency = (now - sent_at) * 1000
                    (echo_ms if side == own_side else recipient_ms).append(latency)
                elif kind == "error":
                    errors.append(frame.get("error"))
                else:
                    other_frames[0] += 1
        except websockets.ConnectionClosed:
            pass

    readers = []
    for _room, (ws_a, ws_b) in connected:
        readers.append(asyncio.create_task(reader(ws_a, "a")))
        readers.append(asyncio.create_task(reader(ws_b, "b")))

    targets = list(
        itertools.chain.from_iterable(
            ((room, a, "a"), (room, b, "b")) for room, (a, b) in connected
        )
    )
    # Interleave rooms so consecutive messages go to different rooms and users.
    targets = targets[0::2] + targets[1::2]
    cycle = itertools.cycle(targets)
    interval = 1.0 / rate if rate else 1.0
    start = time.perf_counter()
    measure_start = start + warmup
    end = measure_start + seconds
    seq = 0
    run_tag = uuid.uuid4().hex[:8]  # client_ids unique across runs: a reused one is a resend
    measured_sent = 0
    send_lag_max = 0.0
    while targets:
        due = start + seq * interval
        now = time.perf_counter()
        if due >= end:
            break
        if due > now:
            await asyncio.sleep(due - now)
        else:
            send_lag_max = max(send_lag_max, now - due)
        room, ws, side = next(cycle)
        stamp = time.perf_counter()
        if stamp >= measure_start and measuring_from[0] == float("inf"):
            measuring_from[0] = stamp
        if stamp >= measuring_from[0]:
            measured_sent += 1
        frame = {
            "type": "message",
            "room_id": room["room_id"],
            "content": f"bench {seq} {side} {stamp:.6f}",
            "client_id": f"{run_tag}-{seq}",
        }
        try:
            await ws.send(orjson.dumps(frame).decode())
        except websockets.ConnectionClosed:
            errors.append("send on a closed socket")
        seq += 1
    await asyncio.sleep(drain if drain is not None else min(5.0, max(2.0, seconds)))
    for _room, (ws_a, ws_b) in connected:
        await ws_a.close()
        await ws_b.close()
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)

    return {
        "sockets_wanted": len(rooms) * 2,
        "sockets_connected": len(connected) * 2,
        "connect_failures": len(failures),
        "connect_failure_sample": repr(failures[0]) if failures else None,
        "connect_seconds": round(connect_seconds, 2),
        "rate_target": rate,
        "seconds": seconds,
        "messages_sent": measured_sent,
        "rate_achieved": round(measured_sent / seconds, 1) if seconds else 0,
        "send_lag_max_ms": round(send_lag_max * 1000, 1),
        "recipient_deliveries": len(recipient_ms),
        "echo_deliveries": len(echo_ms),
        "lost_recipient": max(measured_sent - len(recipient_ms), 0),
        "errors": len(errors),
        "error_sample": errors[:3],
        "other_frames": other_frames[0],
        "client_cpu_cores": round(
            (time.process_time() - cpu_started) / (time.perf_counter() - wall_started), 2
        ),
        "recipient_ms": _percentiles(recipient_ms),
        "echo_ms": _percentiles(echo_ms),
        "recipient_mean_ms": round(sum(recipient_ms) / len(recipient_ms), 3)
        if recipient_ms
        else None,
        "_recipient_samples": recipient_ms,
    }


def run(**kwargs: Any) -> dict[str, Any]:
    try:
        import uvloop

        return uvloop.run(run_ws(**kwargs))
    except ImportError:
        return asyncio.run(run_ws(**kwargs))
