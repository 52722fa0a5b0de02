"""The console's one origin: the gateway of the embedded default (scripts/gateway.py) and
nginx with deploy/nginx/linli.conf (docker-compose), each as a process over real HTTP,
held to the same behaviour.

Upstream is a real HTTP server (pytest-httpserver) that answers what it received, so
each test sees exactly what a service would be sent and what the browser gets back.
nginx's tests are skipped where nginx is not installed (apt-get install nginx).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.e2e.system import free_port
from tests.web.harness import (
    INDEX,
    Gateway,
    echo,
    nginx_binary,
    start_gateway,
    start_nginx,
    wait_until,
)


@pytest.fixture(params=["gateway", "nginx"])
def gateway(
    request: pytest.FixtureRequest, dist: Path, upstream: HTTPServer, tmp_path: Path
) -> Iterator[Gateway]:
    """What serves the console: `registry` is the upstream, `evaluation` is down."""
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    upstreams = {"registry": upstream.url_for("").rstrip("/"), "evaluation": down}
    if request.param == "nginx":
        if nginx_binary() is None:
            pytest.skip("nginx is not installed (apt-get install nginx)")
        running = start_nginx(dist, upstreams, tmp_path / "nginx")
    else:
        running = start_gateway(dist, upstreams, tmp_path / "gateway.log")
    yield running
    running.stop()


def test_a_request_reaches_the_service_without_the_prefix_and_its_answer_comes_back(
    gateway: Gateway, upstream: HTTPServer
) -> None:
    upstream.expect_request("/volunteers/abc", method="PATCH").respond_with_handler(echo)
    answer = httpx.patch(
        f"{gateway.url}/api/registry/volunteers/abc?status=active&q=%E5%BC%A0",
        content=b'{"phone": "13800000000"}',
        headers={
            "Authorization": "Bearer t0ken",
            "Content-Type": "application/json",
            "Accept-Language": "en",
        },
    )
    assert answer.status_code == 201
    assert answer.headers["x-service"] == "registry"
    assert answer.headers.get_list("set-cookie") == ["a=1", "b=2"]
    received = answer.json()
    assert received["method"] == "PATCH"
    assert received["path"] == "/volunteers/abc"
    assert received["query"] == "status=active&q=%E5%BC%A0"
    assert received["body"] == '{"phone": "13800000000"}'
    assert received["headers"]["authorization"] == "Bearer t0ken"
    assert received["headers"]["content-type"] == "application/json"
    assert received["headers"]["accept-language"] == "en"
    assert received["headers"]["x-forwarded-proto"] == "http"
    assert received["headers"]["x-forwarded-host"] == f"127.0.0.1:{gateway.port}"


def test_the_path_reaches_the_service_as_the_client_wrote_it(
    gateway: Gateway, upstream: HTTPServer
) -> None:
    upstream.expect_request("/verify/张/x").respond_with_handler(echo)
    answer = httpx.get(f"{gateway.url}/api/registry/verify/%E5%BC%A0%2Fx")
    assert answer.status_code == 201, answer.text
    assert answer.json()["raw_path"] == "/verify/%E5%BC%A0%2Fx"


def test_the_prefix_alone_is_the_services_root(gateway: Gateway, upstream: HTTPServer) -> None:
    upstream.expect_request("/").respond_with_handler(echo)
    answer = httpx.get(f"{gateway.url}/api/registry?probe=1")
    assert answer.status_code == 201, answer.text
    assert (answer.json()["path"], answer.json()["query"]) == ("/", "probe=1")


def test_the_service_is_told_the_callers_address_and_never_one_the_caller_made_up(
    gateway: Gateway, upstream: HTTPServer
) -> None:
    upstream.expect_request("/auth/login", method="POST").respond_with_handler(echo)
    answer = httpx.post(
        f"{gateway.url}/api/registry/auth/login",
        json={"username": "a", "password": "b"},
        headers={"X-Forwarded-For": "203.0.113.9"},  # a guesser hiding behind another address
    )
    assert answer.json()["headers"]["x-forwarded-for"] == "127.0.0.1"


def test_a_large_upload_arrives_whole(gateway: Gateway, upstream: HTTPServer) -> None:
    upstream.expect_request("/roster", method="POST").respond_with_handler(echo)
    body = "姓名,电话\n" + "张三,13800000000\n" * 200_000  # about 4 MB
    answer = httpx.post(f"{gateway.url}/api/registry/roster", content=body.encode(), timeout=30)
    assert answer.status_code == 201
    assert answer.json()["body"] == body


def test_an_answer_is_streamed_as_the_service_writes_it(
    gateway: Gateway, upstream: HTTPServer
) -> None:
    first_chunk_seen = threading.Event()

    def events(_request: Request) -> Response:
        def stream() -> Iterator[bytes]:
            yield b"data: first\n\n"
            # The rest is written only once the client has read the first part: a
            # gateway that waited for the whole answer would never pass it on.
            if not first_chunk_seen.wait(timeout=15):
                yield b"data: the client saw nothing before the end\n\n"
                return
            yield b"data: second\n\n"

        return Response(stream(), content_type="text/event-stream")

    upstream.expect_request("/events").respond_with_handler(events)
    with httpx.stream("GET", f"{gateway.url}/api/registry/events", timeout=20) as answer:
        chunks = answer.iter_text()
        assert next(chunks).startswith("data: first")
        first_chunk_seen.set()
        assert "data: second" in "".join(chunks)


def test_a_reader_that_goes_away_ends_the_services_stream(
    gateway: Gateway, upstream: HTTPServer
) -> None:
    # A closed tab must not keep a connection to the service open (the live counts).
    ended = threading.Event()
    pace = threading.Event()  # never set: only spaces the heartbeats

    def endless(_request: Request) -> Response:
        def stream() -> Iterator[bytes]:
            try:
                yield b"data: hello\n\n"
                # A heartbeat, as a real event stream sends: writing is how a server
                # learns that the other end has gone.
                while True:
                    yield b": heartbeat\n\n"
                    pace.wait(timeout=0.05)
            finally:
                ended.set()

        return Response(stream(), content_type="text/event-stream")

    upstream.expect_request("/stream").respond_with_handler(endless)
    with httpx.stream("GET", f"{gateway.url}/api/registry/stream", timeout=20) as answer:
        assert next(answer.iter_text()).startswith("data: hello")
    wait_until(ended.is_set, "the service's stream ended after its reader left", timeout=20)


def test_a_service_that_is_down_is_answered_503_in_the_callers_language(
    gateway: Gateway,
) -> None:
    chinese = httpx.get(f"{gateway.url}/api/evaluation/periods")
    assert chinese.status_code == 503
    assert chinese.json()["code"] == "service_unreachable"
    assert "evaluation" in chinese.json()["detail"]
    assert "无法连接" in chinese.json()["detail"]
    english = httpx.get(f"{gateway.url}/api/evaluation/periods", headers={"Accept-Language": "en"})
    assert english.json() == {
        "code": "service_unreachable",
        "detail": "the evaluation service cannot be reached; try again in a moment",
    }
    assert english.headers["content-language"] == "en"


def test_an_answer_broken_off_midway_is_a_502(gateway: Gateway, tmp_path: Path) -> None:
    # A "service" that accepts the connection and closes it without answering.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    broken = start_gateway(
        tmp_path / "dist", {"notifications": f"http://127.0.0.1:{port}"}, tmp_path / "broken.log"
    )
    try:
        answer = httpx.get(f"{broken.url}/api/notifications/inbox")
    finally:
        broken.stop()
        listener.close()
    assert answer.status_code == 502
    assert answer.json()["code"] == "service_bad_answer"


def test_an_unknown_service_is_not_found(gateway: Gateway) -> None:
    answer = httpx.get(f"{gateway.url}/api/payroll/salaries")
    assert answer.status_code == 404
    assert answer.json()["code"] == "route_not_found"


@pytest.mark.parametrize("path", ["/", "/login", "/volunteers/01JABCDEF", "/no/such/screen"])
def test_every_route_of_the_console_is_its_index_never_cached(gateway: Gateway, path: str) -> None:
    answer = httpx.get(gateway.url + path)
    assert answer.status_code == 200
    assert answer.text == INDEX
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year_and_other_files_revalidated(
    gateway: Gateway,
) -> None:
    asset = httpx.get(f"{gateway.url}/assets/app-3f9a1c.js")
    assert asset.status_code == 200
    assert asset.text == "console.log('linli')"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    icon = httpx.get(f"{gateway.url}/favicon.ico")
    assert icon.content == b"\x00\x00\x01\x00"
    assert icon.headers["cache-control"] == "no-cache"


def test_a_missing_asset_is_not_answered_with_the_index(gateway: Gateway) -> None:
    # Served as HTML, an old chunk's name would fail in the browser as a script of HTML.
    answer = httpx.get(f"{gateway.url}/assets/app-0ld0ld.js")
    assert answer.status_code == 404
    assert answer.json()["code"] == "route_not_found"


def test_nothing_outside_the_built_console_is_served(gateway: Gateway, dist: Path) -> None:
    (dist.parent / "secret.txt").write_text("keys")
    for path in ("/..%2Fsecret.txt", "/assets/..%2F..%2Fsecret.txt", "/%2e%2e/secret.txt"):
        answer = httpx.get(gateway.url + path)
        assert "keys" not in answer.text, path


def test_the_console_is_served_with_its_security_headers(gateway: Gateway) -> None:
    for path in ("/", "/assets/app-3f9a1c.js"):
        headers = httpx.get(gateway.url + path).headers
        policy = {
            directive.split()[0]: directive.split()[1:]
            for directive in headers["content-security-policy"].split("; ")
        }
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]  # no inline scripts, no eval
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["connect-src"] == ["'self'"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_before_the_console_is_built_the_gateway_says_how_to_build_it(tmp_path: Path) -> None:
    unbuilt = start_gateway(tmp_path / "nothing", {}, tmp_path / "unbuilt.log")
    try:
        answer = httpx.get(f"{unbuilt.url}/", headers={"Accept-Language": "en"})
    finally:
        unbuilt.stop()
    assert answer.status_code == 503
    assert answer.json()["code"] == "console_not_built"
    assert "make run" in answer.json()["detail"]
