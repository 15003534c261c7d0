"""Every body is bounded before it is parsed, and no body breaks a view (docs/RELIABILITY.md,
"Bounded request bodies").

Generated: the operations are found by walking the URL conf (every view method that takes a
body: POST, PUT, PATCH, DELETE; the Robokassa callback and the checkout simulator included), so
an operation added later is covered without a new case.

- over its limit (JSON, form, multipart, unknown type) → 413 in the envelope before
  authentication or parsing; the same body streamed without `Content-Length` through the ASGI
  application → 413 too, after reading no more than the limit; under WSGI such a body is never
  read at all;
- a malformed body of each content type (bad JSON, bad UTF-8, multipart without a boundary or
  with a broken one, a form with an unknown charset, an unknown content type) → a 4xx, never a
  500, and a 400/413/415 is the error envelope.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass

import pytest
from asgiref.testing import ApplicationCommunicator
from django.test import Client
from django.urls import Resolver404, resolve

from mwork.api import routes
from mwork.api.bodylimit import BodyLimitASGIMiddleware, limit_for, smallest_limit
from mwork.api.routes import url_routes
from mwork.tests.security.world import World

pytestmark = pytest.mark.django_db

BODY_METHODS = ("post", "put", "patch", "delete")
SKIPPED_PREFIXES = ("admin/", "^media/")
SMALL = 4096  # the limits while these tests run, so an oversized body is cheap to send


@dataclass(frozen=True)
class Operation:
    route: str  # as in the URL conf, e.g. api/v1/castings/<uuid:casting_id>
    method: str

    def path(self, world: World) -> str:
        def fill(match: re.Match) -> str:
            pool = world.pools.get(match.group(1))
            return pool[0] if pool else "1"

        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, self.route)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def body_operations() -> list[Operation]:
    found: list[Operation] = []
    for route, entry in url_routes():
        if route.startswith(SKIPPED_PREFIXES):
            continue
        view = getattr(entry.callback, "view_class", None)
        if view is None:  # a function view (the checkout simulator) takes POST
            found.append(Operation(route, "post"))
            continue
        found.extend(Operation(route, m) for m in BODY_METHODS if hasattr(view, m))
    return sorted(set(found), key=lambda op: (op.route, op.method))


OPERATIONS = body_operations()


@pytest.fixture
def small_limits(settings):
    settings.API_MAX_BODY_BYTES = SMALL
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = SMALL
    settings.PHOTO_MAX_BYTES = SMALL
    settings.ROBOKASSA_MAX_BODY_BYTES = 1024


def _is_envelope(response, status: int, code: str | None = None) -> bool:
    if response.status_code != status or not response["Content-Type"].startswith(
        ("application/json", "text/plain")
    ):
        return False
    body = json.loads(response.content)
    return body["status"] == "error" and (code is None or body["error"]["code"] == code)


def test_the_walk_finds_the_operations():
    routes = {(op.route, op.method) for op in OPERATIONS}

    assert len(OPERATIONS) >= 50
    assert ("api/v1/castings", "post") in routes
    assert ("webhooks/robokassa/result", "post") in routes
    assert ("api/v1/payments/robokassa/fail", "post") in routes


# ---------------------------------------------------------------------------------------------
# Oversized bodies
# ---------------------------------------------------------------------------------------------
OVERSIZED = [
    ("application/json", "PAYLOAD_TOO_LARGE", lambda n: b'{"a": "' + b"x" * n + b'"}'),
    ("application/x-www-form-urlencoded", "PAYLOAD_TOO_LARGE", lambda n: b"a=" + b"x" * n),
    ("application/x-unknown", "PAYLOAD_TOO_LARGE", lambda n: b"x" * (n + 1)),
    (
        "multipart/form-data; boundary=BoUnDaRy",
        "FILE_TOO_LARGE",
        lambda n: (
            b"--BoUnDaRy\r\nContent-Disposition: form-data; name=file; filename=a.jpg\r\n"
            b"Content-Type: image/jpeg\r\n\r\n" + b"x" * n + b"\r\n--BoUnDaRy--\r\n"
        ),
    ),
]


def test_an_oversized_body_is_a_413_on_every_operation(world, small_limits):
    client = Client()  # anonymous: the limit applies before authentication
    problems = []

    for op in OPERATIONS:
        path = op.path(world)
        for content_type, code, make in OVERSIZED:
            limit, expected_code = limit_for(path, content_type)
            assert limit <= 2 * SMALL and (expected_code == code or limit == 1024)
            response = client.generic(op.method.upper(), path, make(limit + 1), content_type)
            if not _is_envelope(response, 413, expected_code):
                problems.append(f"{op.method} {op.route} {content_type}: {response.status_code}")

    assert not problems, "\n".join(problems)


def test_the_smallest_limit_is_the_smallest_of_every_operation(world, small_limits):
    """The guards resolve a path only for a body over `smallest_limit()`: it must be no
    larger than any operation's limit, whatever the content type (and is one of them)."""
    limits = {
        limit_for(op.path(world), content_type)[0]
        for op in OPERATIONS
        for content_type, _, _ in OVERSIZED
    }
    assert smallest_limit() == min(limits)


def test_robokassa_has_a_limit_of_its_own(small_limits):
    for path in (
        "/webhooks/robokassa/result",
        "/webhooks/robokassa/result/",
        "/api/v1/payments/robokassa/success",
        "/api/v1/payments/robokassa/fail",
    ):
        for content_type, _, _ in OVERSIZED:
            assert limit_for(path, content_type) == (1024, "PAYLOAD_TOO_LARGE")


def test_the_parsers_limit_from_the_running_view_is_the_resolved_paths(world, small_limits):
    """DRF's parsers pass the running view's class (no second resolve of the path); on every
    operation that gives the limit the path resolves to."""
    views = set()
    for op in OPERATIONS:
        path = op.path(world)
        try:
            func = resolve(path.rstrip("/") if path.startswith("/api/") else path).func
        except Resolver404:  # a path the walk cannot fill in: no view runs, no parser
            continue
        view_class = routes.view_class(func)
        if view_class is None:  # a plain Django view (the API's catch-all 404): no DRF parser
            continue
        views.add(view_class)
        for content_type, _, _ in OVERSIZED:
            assert limit_for("/nowhere", content_type, view_class) == limit_for(
                path, content_type
            ), f"{op.method} {op.route} {content_type}"
    assert len(views) > 50
    assert any(getattr(view, "max_body_bytes_setting", None) for view in views)


def test_a_body_at_the_limit_is_read(world, client_for, small_limits):
    body = json.dumps({"title": "t" * (SMALL - 200), "description": "ok"})

    response = client_for(world.a.employer).generic(
        "POST", "/api/v1/castings", body, "application/json"
    )

    assert response.status_code == 400  # parsed: title too long, not refused unread
    assert "title" in response.json()["error"]["details"]


def test_the_default_limit_is_one_megabyte(settings):
    assert settings.API_MAX_BODY_BYTES == 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.API_MAX_BODY_BYTES


def _asgi_request(path: str, chunks: list[bytes], *, content_type: str, length: int | None):
    """One HTTP request through the body limit around Django's ASGI handler, the body sent in
    `chunks` (no Content-Length when `length` is None, as with chunked transfer encoding)."""
    from django.core.asgi import get_asgi_application

    headers = [
        (b"content-type", content_type.encode()),
        (b"host", b"testserver"),
        (b"accept-language", b"kk, en;q=0.5"),
    ]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    app = BodyLimitASGIMiddleware(get_asgi_application())
    communicator = ApplicationCommunicator(app, scope)
    return communicator, chunks


async def _run(communicator: ApplicationCommunicator, chunks: list[bytes]) -> tuple[int, dict]:
    for index, chunk in enumerate(chunks):
        more = index < len(chunks) - 1
        await communicator.send_input({"type": "http.request", "body": chunk, "more_body": more})
    start = await communicator.receive_output(timeout=10)
    body = await communicator.receive_output(timeout=10)
    await communicator.wait(timeout=10)
    return start["status"], json.loads(body["body"])


@pytest.mark.asyncio
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method}-{op.route}")
async def test_a_streamed_body_over_the_limit_is_a_413_under_asgi(op, settings):
    settings.API_MAX_BODY_BYTES = SMALL
    settings.ROBOKASSA_MAX_BODY_BYTES = 1024
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", "1", op.route)
    # 64 chunks of 1 KB, no Content-Length: well past every limit under these settings.
    chunks = [b"x" * 1024] * 64

    communicator, chunks = _asgi_request(path, chunks, content_type="application/json", length=None)
    status, body = await _run(communicator, chunks)

    assert status == 413
    assert body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    # Reading stopped at the limit: the chunks after it were never taken from the server.
    assert not communicator.input_queue.empty()


@pytest.mark.asyncio
async def test_a_declared_length_over_the_limit_is_refused_unread_under_asgi(settings):
    settings.API_MAX_BODY_BYTES = SMALL
    communicator, _ = _asgi_request(
        "/api/v1/auth/register", [], content_type="application/json", length=10 * 1024 * 1024
    )
    await communicator.send_input({"type": "http.request", "body": b"{", "more_body": True})

    start = await communicator.receive_output(timeout=10)
    await communicator.receive_output(timeout=10)
    await communicator.wait(timeout=10)

    assert start["status"] == 413
    assert communicator.input_queue.qsize() == 1  # not even the first chunk was read
    assert (b"content-language", b"kk") in start["headers"]  # the caller's language


@pytest.mark.asyncio
async def test_a_small_streamed_body_still_reaches_django_under_asgi(settings):
    settings.API_MAX_BODY_BYTES = SMALL
    communicator, chunks = _asgi_request(
        "/api/v1/ping", [b'{"a":', b" 1}"], content_type="application/json", length=None
    )

    status, body = await _run(communicator, chunks)

    assert status == 405  # Django answered (ping takes no POST), not the limit
    assert body["error"]["code"] == "METHOD_NOT_ALLOWED"


class _CountingInput(io.RawIOBase):
    def __init__(self, size: int):
        self.left = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"x" * n
        self.left -= n
        self.read_bytes += n
        return n


def test_a_streamed_body_is_never_read_under_wsgi(world):
    from django.core.handlers.wsgi import WSGIHandler

    from mwork.tests.fuzz.harness import in_process_requests

    stream = _CountingInput(50 * 1024 * 1024)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/auth/register",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",  # no CONTENT_LENGTH
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BufferedReader(stream),
        "wsgi.url_scheme": "http",
    }
    statuses = []

    with in_process_requests():
        WSGIHandler()(environ, lambda status, headers: statuses.append(status))

    assert statuses[0].startswith("400")  # an empty body: every field is missing
    assert stream.read_bytes == 0


# ---------------------------------------------------------------------------------------------
# Malformed bodies
# ---------------------------------------------------------------------------------------------
MALFORMED = [
    ("application/json", b'{"title": "unterminated'),
    ("application/json", b'{"title": "\xff\xfe"}'),
    ("application/json; charset=no-such-charset", b'{"title": "x"}'),
    ("multipart/form-data", b"title=no-boundary"),
    ("multipart/form-data; boundary=", b"--\r\n"),
    ("multipart/form-data; boundary=XyZ", b"--XyZ\r\nbroken header\r\n\r\nvalue"),
    ("application/x-www-form-urlencoded", b"title=%ff%fe&\xff\xfe=\xc3"),
    ("application/x-www-form-urlencoded; charset=no-such-charset", b"title=x"),
    ("application/x-unknown", b"\x00\x01\x02"),
    ("text/plain", b"title"),
]
IDENTITIES = ("model", "employer", "agency", "staff")


def _identity_for(op: Operation, world: World, client_for) -> object:
    """The first identity whose well-formed empty body gets past authentication and roles,
    so the malformed body is really parsed."""
    for name in IDENTITIES:
        client = client_for(world.users()[name])
        probe = client.generic(op.method.upper(), op.path(world), b"{}", "application/json")
        if probe.status_code not in (401, 403):
            return client
    return client_for(world.a.model)


def test_a_malformed_body_is_never_a_500(world, client_for):
    problems = []
    parsed_and_refused = {content_type: 0 for content_type, _ in MALFORMED}

    for op in OPERATIONS:
        client = _identity_for(op, world, client_for)
        for content_type, body in MALFORMED:
            response = client.generic(op.method.upper(), op.path(world), body, content_type)
            status = response.status_code
            if status >= 500:
                problems.append(f"{op.method} {op.route} {content_type!r}: {status}")
            elif op.is_api and status in (400, 413, 415) and not _is_envelope(response, status):
                problems.append(f"{op.method} {op.route} {content_type!r}: {status} not enveloped")
            if status in (400, 415):
                parsed_and_refused[content_type] += 1

    assert not problems, "\n".join(problems)
    # Each case reached a parser on most operations (not only 401/403/404 before parsing).
    assert min(parsed_and_refused.values()) >= len(OPERATIONS) // 3, parsed_and_refused


@pytest.mark.parametrize(
    "path", ["/api/v1/payments/robokassa/fail", "/api/v1/payments/robokassa/success"]
)
def test_robokassa_returns_with_multipart_and_no_boundary_are_a_400(api_client, path):
    response = api_client.generic("POST", path, b"InvId=1", "multipart/form-data")

    assert _is_envelope(response, 400, "VALIDATION_ERROR")


def test_no_view_reads_the_django_request_body_behind_drf():
    """DRF's `request.data` parses (a malformed body is a 400); `request._request.POST` and the
    like raised Django's parser errors past the exception handler (a 500)."""
    from django.conf import settings

    pattern = re.compile(r"_request\.(POST|FILES|body|read|readline|stream)\b")
    packages = [p for p in settings.BASE_DIR.iterdir() if (p / "__init__.py").is_file()]
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for package in packages
        for path in package.rglob("*.py")
        if "tests" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]

    assert not offenders


def test_the_413_speaks_the_callers_language(small_limits):
    body = b'{"a": "' + b"x" * (SMALL + 1) + b'"}'

    response = Client().generic(
        "POST", "/api/v1/auth/register", body, "application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 413
    assert response.json()["error"]["details"]["body"] == [
        f"The request body must be at most {SMALL} bytes."
    ]
    assert response["Content-Language"] == "en"
