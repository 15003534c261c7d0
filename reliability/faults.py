"""Fault injection for the reliability tests and the soak: everything here is private.

Nothing touches the machine's real PostgreSQL or Redis. Failures are simulated with
- `TcpProxy`: a loopback TCP proxy we own, put between the app and a service; it can cut every
  open connection (RST) and refuse new ones for a while, like a restart of the service;
- `PrivateRedis`: a `redis-server` child process on a free port that we kill and start again on
  the same port;
- `ServerProcess`: the real app server (daphne, gunicorn or uvicorn) as a child process.
Every wait has a deadline; every child is killed by `stop()` (and by the context managers).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_port(port: int, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Wait until something accepts on 127.0.0.1:`port` (or fail after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process {process.args!r} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def wait_http_ok(port: int, path: str = "/api/v1/health", *, timeout: float) -> None:
    """Wait until GET `path` answers 2xx (a server whose workers have loaded the app)."""
    import http.client

    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            answer = conn.getresponse()
            answer.read()
            if 200 <= answer.status < 300:
                return
            last = answer.status
        except (OSError, http.client.HTTPException) as error:
            last = error
        finally:
            conn.close()
        time.sleep(0.1)
    raise TimeoutError(f"GET {path} on {port} not 2xx after {timeout} s (last: {last!r})")


def _abort(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0): the peer sees "connection reset", as on a crash."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    """127.0.0.1:`port` → `target`, one selector thread for every connection.

    `cut()` resets every open connection; `down()` also stops listening (new connections are
    refused) until `up()`. Counters: `accepted` connections, `cuts` connections reset.
    """

    def __init__(self, target: tuple[str, int], port: int | None = None):
        self.target = target
        self.port = port or free_port()
        self.accepted = 0
        self.cuts = 0
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._stopped = False
        self._pending: list = []
        self._thread = threading.Thread(target=self._loop, name=f"proxy-{self.port}", daemon=True)

    # lifecycle ------------------------------------------------------------------------------
    def start(self) -> TcpProxy:
        self.up()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped = True
        self._wake()
        self._thread.join(timeout=5)
        self.down()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # faults ---------------------------------------------------------------------------------
    def up(self) -> None:
        """Listen again on the same port."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(128)
            listener.setblocking(False)
            self._listener = listener
        self._post(lambda: self._selector.register(listener, selectors.EVENT_READ, "accept"))

    def down(self) -> None:
        """Refuse new connections and reset every open one (a service stop)."""
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            self._post(lambda: self._unregister_close(listener))
        self.cut()

    def cut(self) -> int:
        """Reset every open connection (both sides); returns how many were reset."""
        done = threading.Event()
        count = [0]

        def _cut() -> None:
            with self._lock:
                pairs = list(self._pairs.items())
                self._pairs.clear()
            seen: set[int] = set()
            for client, upstream in pairs:
                if id(client) in seen:
                    continue
                seen.update({id(client), id(upstream)})
                for sock in (client, upstream):
                    with contextlib.suppress(KeyError, ValueError):
                        self._selector.unregister(sock)
                    _abort(sock)
                count[0] += 1
            self.cuts += count[0]
            done.set()

        self._post(_cut)
        if self._thread.is_alive():
            done.wait(timeout=5)
        return count[0]

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs) // 2

    # internals ------------------------------------------------------------------------------
    def _post(self, action) -> None:
        if not self._thread.is_alive():
            action()
            return
        with self._lock:
            self._pending.append(action)
        self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _unregister_close(self, sock: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)
        sock.close()

    def _loop(self) -> None:
        while not self._stopped:
            for key, _ in self._selector.select(timeout=0.5):
                if key.data == "wake":
                    with contextlib.suppress(OSError):
                        self._wake_r.recv(4096)
                elif key.data == "accept":
                    self._accept(key.fileobj)
                else:
                    self._pump(key.fileobj)
            with self._lock:
                pending, self._pending = self._pending, []
            for action in pending:
                action()

    def _accept(self, listener: socket.socket) -> None:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(self.target, timeout=2)
        except OSError:
            _abort(client)
            return
        for sock in (client, upstream):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._pairs[client] = upstream
            self._pairs[upstream] = client
        self.accepted += 1
        self._selector.register(client, selectors.EVENT_READ, "pump")
        self._selector.register(upstream, selectors.EVENT_READ, "pump")

    def _pump(self, sock: socket.socket) -> None:
        with self._lock:
            peer = self._pairs.get(sock)
        if peer is None:
            return
        try:
            data = sock.recv(65536)
            if data:
                peer.setblocking(True)
                peer.settimeout(5)
                peer.sendall(data)
                peer.setblocking(False)
                return
        except OSError:
            pass
        self._close_pair(sock, peer)

    def _close_pair(self, sock: socket.socket, peer: socket.socket) -> None:
        with self._lock:
            self._pairs.pop(sock, None)
            self._pairs.pop(peer, None)
        for each in (sock, peer):
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(each)
            with contextlib.suppress(OSError):
                each.close()


class PrivateRedis:
    """A throw-away `redis-server` on its own port (no persistence); kill and restart at will."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self, timeout: float = 10) -> PrivateRedis:
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, timeout=timeout, process=self.process)
        return self

    def kill(self) -> None:
        """SIGKILL: clients see their connections reset, new ones are refused."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    stop = kill

    def pause(self) -> None:
        """SIGSTOP: connections stay open and connects still succeed, nothing is answered."""
        if self.process is None:
            raise RuntimeError("the private Redis is not running")
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()


def database_url_for(settings_dict: Mapping, *, host: str | None = None, port=None) -> str:
    """A DATABASE_URL for Django's connection settings (optionally through a proxy)."""
    credentials = quote(settings_dict.get("USER") or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = host or settings_dict.get("HOST") or "127.0.0.1"
    port = port or settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


def server_command(kind: str, port: int, *, workers: int = 1) -> list[str]:
    """The command line of the real server `kind`, as docker-compose runs it: gunicorn (web,
    /api), uvicorn (ws, /ws; DB_POOL=1); daphne is what `make run` serves with."""
    python = sys.executable
    asgi = "mwork.asgi:application"
    if kind == "daphne":
        return [python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), asgi]
    if kind == "gunicorn":  # the Dockerfile's web command (WSGI, gthread) for /api and /admin
        return [
            python, "-m", "gunicorn", "mwork.wsgi:application", "-b", f"127.0.0.1:{port}",
            "-w", str(workers), "--worker-class", "gthread", "--threads", "4",
            "--max-requests", "5000", "--max-requests-jitter", "500", "--timeout", "30",
            "--graceful-timeout", "3", "--log-level", "warning",
        ]  # fmt: skip
    if kind == "uvicorn":
        return [
            python, "-m", "uvicorn", asgi, "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--log-level", "warning",
        ]  # fmt: skip
    raise ValueError(f"unknown server kind {kind!r}")


class ServerProcess:
    """The app server as a child process in its own process group (killed as a group)."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        port: int,
        env: Mapping[str, str],
        log_dir: Path | None = None,
    ):
        self.command = list(command)
        self.port = port
        self.env = dict(env)
        self._tmp = None if log_dir else tempfile.TemporaryDirectory(prefix="mwork-server-")
        self.log_path = Path(log_dir or self._tmp.name) / f"server-{port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 40) -> ServerProcess:
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            self.command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_port(self.port, timeout=timeout, process=self.process)
        except Exception as error:
            self.stop()
            raise RuntimeError(f"{error}\n{self.log_tail()}") from error
        return self

    def pids(self) -> list[int]:
        """The server's pid and its children's (gunicorn/uvicorn workers)."""
        if self.process is None:
            return []
        return [self.process.pid, *child_pids(self.process.pid)]

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def cleanup(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def child_pids(pid: int) -> list[int]:
    """Direct and indirect children of `pid`, read from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def rss_kib(pid: int) -> int | None:
    """Resident set size of `pid` in KiB (None when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@contextlib.contextmanager
def running(*things) -> Iterator[None]:
    """Start every proxy/redis/server given and stop all of them, whatever happens."""
    started = []
    try:
        for thing in things:
            thing.start()
            started.append(thing)
        yield
    finally:
        for thing in reversed(started):
            with contextlib.suppress(Exception):
                (getattr(thing, "cleanup", None) or thing.stop)()
