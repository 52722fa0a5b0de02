"""Webhooks cannot be pointed inside the deployment: through the HTTP API, on real Redis.

The address rule is the real one; only name resolution is the test's, for names it
owns (`Names`), so that a name can resolve to a public address at subscription and to
127.0.0.1 later. Every other host goes to the system resolver.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pytest_httpserver import HTTPServer
from redis.asyncio import Redis
from sqlalchemy import func
from sqlmodel import select
from werkzeug import Request, Response

from notifications.app import create_app
from notifications.domain.webhook_targets import RULE
from notifications.models import WebhookSubscription
from notifications.settings import Settings
from notifications.webhooks import resolve_host
from shared.auth import Role, TokenIssuer, generate_keypair
from shared.contracts.registry import CommunityCreated
from tests.notifications.conftest import Notifications

PUBLIC = "93.184.215.14"
NAME = "hooks.integrator.example"


class Names:
    """The test's own names and what they resolve to now; other hosts as the system says."""

    def __init__(self) -> None:
        self.table: dict[str, list[str]] = {}

    async def __call__(self, host: str, port: int) -> list[str]:
        if host in self.table:
            return list(self.table[host])
        return await resolve_host(host, port)


@pytest.fixture
def names() -> Names:
    return Names()


@pytest.fixture
def allowed_hosts() -> list[str]:
    """The district's allowed internal hosts: none, unless a test says otherwise."""
    return []


def _certificate(
    subject: x509.Name, issuer: x509.Name, key: Any, signer: Any, dns: str | None
) -> Any:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=dns is None, path_length=None), critical=True)
    )
    if dns is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture
def tls_receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    """An https receiver on 127.0.0.1 whose certificate names NAME only, under a CA the
    service's HTTP client is told to trust (httpx reads SSL_CERT_FILE)."""
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Linli test CA")])
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(ca_name, ca_name, ca_key, ca_key, dns=None)
    key = ec.generate_private_key(ec.SECP256R1())
    receiver_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    certificate = _certificate(receiver_name, ca_name, key, ca_key, dns=NAME)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "receiver.pem").write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "receiver.pem")
    server = HTTPServer(host="127.0.0.1", ssl_context=context)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
async def service(
    tmp_path: Path,
    redis_url: str,
    redis: Redis,
    namespace: str,
    names: Names,
    allowed_hosts: list[str],
    request: pytest.FixtureRequest,
) -> AsyncIterator[Notifications]:
    if "tls_receiver" in request.fixturenames:
        request.getfixturevalue("tls_receiver")  # its CA trusted before the client is made
    private_pem, public_pem = generate_keypair()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
        redis_url=redis_url,
        stream_namespace=namespace,
        consume_block_ms=100,
        jwt_public_key=public_pem,
        webhook_interval_seconds=0.1,
        webhook_backoff_base_seconds=0.05,
        webhook_allowed_hosts=allowed_hosts,
    )
    app = create_app(settings, resolve=names)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://notifications"
        ) as client:
            yield Notifications(
                app,
                client,
                TokenIssuer(private_pem, issuer="linli-registry", audience="linli"),
                redis,
                namespace,
            )


@pytest.fixture
def second_receiver() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    server.stop()


def recorder(into: list[Request]) -> Callable[[Request], Response]:
    """A receiver's handler that keeps every request and answers 200."""

    def handler(request: Request) -> Response:
        into.append(request)
        return Response("ok")

    return handler


def owner(service: Notifications) -> dict[str, str]:
    return service.person("integrator", Role.DISTRICT_ADMIN, None)


async def subscribe(service: Notifications, url: str, language: str = "zh") -> httpx.Response:
    headers = owner(service) | {"Accept-Language": language}
    return await service.client.post("/webhooks", json={"url": url}, headers=headers)


async def stored_subscriptions(service: Notifications) -> int:
    async with service.app.state.runtime.db.session() as session:
        return int(
            (await session.exec(select(func.count()).select_from(WebhookSubscription))).one()
        )


async def log(service: Notifications, subscription_id: str) -> list[dict[str, Any]]:
    response = await service.client.get(
        f"/webhooks/{subscription_id}/deliveries", headers=owner(service)
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not in time")
        await asyncio.sleep(0.05)


def community_event(n: int) -> CommunityCreated:
    return CommunityCreated(community_id="c1", name=f"社区{n}")


INTERNAL = [
    ("http://127.0.0.1:6379/", "127.0.0.1 is a loopback address"),
    ("http://localhost:8004/hook", "localhost resolves to 127.0.0.1, a loopback address"),
    ("http://[::1]:6379/", "::1 is a loopback address"),
    ("http://10.0.0.5/hook", "10.0.0.5 is a private-network address"),
    ("http://172.16.4.2/hook", "172.16.4.2 is a private-network address"),
    ("http://192.168.1.1/hook", "192.168.1.1 is a private-network address"),
    ("http://[fd12:3456::1]/hook", "fd12:3456::1 is a private-network address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[fe80::1]/hook", "fe80::1 is a link-local address"),
    ("http://224.0.0.251/hook", "224.0.0.251 is a multicast address"),
    ("http://0.0.0.0:8004/hook", "0.0.0.0 is an unspecified address"),
    ("http://100.64.0.1/hook", "100.64.0.1 is an address that is not globally routable"),
    ("http://[::ffff:127.0.0.1]:6379/", "the IPv4-mapped form of 127.0.0.1, a loopback"),
    ("http://[::ffff:169.254.169.254]/", "the IPv4-mapped form of 169.254.169.254"),
    ("http://2130706433:6379/", "127.0.0.1 is a loopback address"),
    ("http://0x7f.1:6379/", "127.0.0.1 is a loopback address"),
    ("http://017700000001:6379/", "127.0.0.1 is a loopback address"),
    (f"https://{NAME}/hook", f"{NAME} resolves to 10.1.2.3, a private-network address"),
    (f"https://both.{NAME}/hook", f"both.{NAME} resolves to 192.168.0.9, a private-network"),
]


async def test_a_subscription_to_an_internal_address_is_refused_and_nothing_stored(
    service: Notifications, names: Names
) -> None:
    names.table[NAME] = ["10.1.2.3"]
    names.table[f"both.{NAME}"] = [PUBLIC, "192.168.0.9"]  # one public address is not enough
    for url, kind in INTERNAL:  # one service for all: each case is one request (a language)
        response = await subscribe(service, url, "en")
        assert response.status_code == 422, (url, response.text)
        named = "host" if " resolves to " in kind else "address"
        embedded = "_embedded" if " form of " in kind else ""
        assert response.json()["code"] == f"webhook_{named}_internal{embedded}", url
        detail = response.json()["detail"]
        assert detail.startswith(f"{RULE}: "), url
        assert kind in detail, (url, detail)
        assert detail.endswith("list its host in WEBHOOK_ALLOWED_HOSTS"), url
        chinese = (await subscribe(service, url)).json()["detail"]
        assert chinese.startswith("webhook 只发往公网地址："), url
        assert chinese.endswith("须由区里将其主机列入 WEBHOOK_ALLOWED_HOSTS"), url
    assert await stored_subscriptions(service) == 0
    assert (await service.client.get("/webhooks", headers=owner(service))).json()["items"] == []


async def test_only_http_and_https_urls_to_hosts_that_resolve_are_taken(
    service: Notifications,
) -> None:
    for url in ("ftp://93.184.215.14/hook", "file:///etc/passwd", "gopher://x/"):
        response = await subscribe(service, url)
        assert response.status_code == 422, url
        assert response.json()["detail"][0]["loc"] == ["body", "url"], url
    response = await subscribe(service, "https://no-such-host.invalid/hook")
    assert response.status_code == 422
    assert response.json() == {
        "code": "webhook_host_unresolved",
        "detail": "无法解析 webhook 网址的主机名 no-such-host.invalid，请核对网址",
    }
    english = await subscribe(service, "https://no-such-host.invalid/hook", "en")
    assert english.json()["detail"] == (
        "the webhook URL's host no-such-host.invalid does not resolve"
    )
    assert await stored_subscriptions(service) == 0


@pytest.mark.parametrize("allowed_hosts", [["127.0.0.1"]])
async def test_an_allowed_internal_host_is_accepted_and_no_other(
    service: Notifications, httpserver: HTTPServer
) -> None:
    received: list[str] = []

    def handler(request: Request) -> Response:
        received.append(request.headers["Linli-Event-Id"])
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    accepted = await subscribe(service, f"http://127.0.0.1:{httpserver.port}/hook")
    assert accepted.status_code == 201, accepted.text
    for elsewhere in (
        f"http://[::1]:{httpserver.port}/hook",
        "http://127.0.0.2/",
        "http://10.0.0.5/",
    ):
        refused = await subscribe(service, elsewhere)
        assert refused.status_code == 422, elsewhere
    assert await stored_subscriptions(service) == 1
    [event] = await service.publish(community_event(1))

    async def delivered() -> bool:
        lines = await log(service, accepted.json()["id"])
        return bool(lines) and lines[0]["status"] == "delivered"

    await eventually(delivered)  # the log is written after the receiver answered
    [line] = await log(service, accepted.json()["id"])
    assert (line["attempts"], line["last_status_code"]) == (1, 200)
    assert received == [event.id]


async def test_a_name_that_resolves_inside_after_subscribing_is_refused_at_delivery(
    service: Notifications, names: Names, httpserver: HTTPServer
) -> None:
    received: list[Request] = []
    httpserver.expect_request("/hook").respond_with_handler(recorder(received))
    names.table[NAME] = [PUBLIC]
    response = await subscribe(service, f"http://{NAME}:{httpserver.port}/hook")
    assert response.status_code == 201, response.text
    subscription = response.json()["id"]
    names.table[NAME] = ["127.0.0.1"]  # the name's owner points it at our loopback
    [first] = await service.publish(community_event(1))

    async def refused(count: int) -> bool:
        lines = await log(service, subscription)
        return len(lines) == count and all(line["status"] == "refused" for line in lines)

    await eventually(lambda: refused(1))
    # A second event refused too: the dispatcher went round again, and left the first alone.
    [second] = await service.publish(community_event(2))
    await eventually(lambda: refused(2))
    lines = {line["event_id"]: line for line in await log(service, subscription)}
    assert set(lines) == {first.id, second.id}
    for line in lines.values():
        assert line["attempts"] == 1
        assert line["last_status_code"] is None
        assert line["last_error"] == (
            f"refused: {RULE}: {NAME} resolves to 127.0.0.1, a loopback address; an internal "
            "receiver needs the district to list its host in WEBHOOK_ALLOWED_HOSTS"
        )
    assert received == []


@pytest.mark.parametrize("allowed_hosts", [["127.0.0.1"]])
async def test_the_delivery_connects_to_the_address_that_was_checked(
    service: Notifications, names: Names, httpserver: HTTPServer
) -> None:
    # The name exists only in the test's table: a second lookup by the HTTP client (the
    # system's resolver) would fail, so a delivery proves the checked address was used.
    received: list[Request] = []
    httpserver.expect_request("/hook", method="POST").respond_with_handler(recorder(received))
    names.table[NAME] = ["127.0.0.1"]
    response = await subscribe(service, f"http://{NAME}:{httpserver.port}/hook")
    assert response.status_code == 201, response.text
    await service.publish(community_event(1))

    async def delivered() -> bool:
        return bool(received)

    await eventually(delivered)
    assert [request.headers["Host"] for request in received] == [f"{NAME}:{httpserver.port}"]


@pytest.mark.parametrize("allowed_hosts", [["127.0.0.1"]])
async def test_a_redirect_is_not_followed_and_counts_as_a_failed_delivery(
    service: Notifications, httpserver: HTTPServer, second_receiver: HTTPServer
) -> None:
    reached_second: list[Request] = []
    second_receiver.expect_request("/elsewhere").respond_with_handler(recorder(reached_second))
    elsewhere = f"http://127.0.0.1:{second_receiver.port}/elsewhere"
    httpserver.expect_request("/hook", method="POST").respond_with_response(
        Response(status=302, headers={"Location": elsewhere})
    )
    response = await subscribe(service, f"http://127.0.0.1:{httpserver.port}/hook")
    assert response.status_code == 201, response.text
    await service.publish(community_event(1))

    async def failed_twice() -> bool:
        lines = await log(service, response.json()["id"])
        return bool(lines) and lines[0]["attempts"] >= 2

    await eventually(failed_twice)
    [line] = await log(service, response.json()["id"])
    assert (line["status"], line["last_status_code"]) == ("pending", 302)
    assert line["last_error"] == (
        f"redirects are not followed; the receiver answered 302 to {elsewhere}"
    )
    assert reached_second == []


@pytest.mark.parametrize("allowed_hosts", [["127.0.0.1"]])
async def test_an_https_delivery_to_the_checked_address_verifies_the_certificate_for_the_name(
    service: Notifications, names: Names, tls_receiver: HTTPServer
) -> None:
    received: list[Request] = []
    tls_receiver.expect_request("/hook", method="POST").respond_with_handler(recorder(received))
    names.table[NAME] = ["127.0.0.1"]
    names.table[f"other.{NAME}"] = ["127.0.0.1"]  # same address, a name the certificate lacks
    named = await subscribe(service, f"https://{NAME}:{tls_receiver.port}/hook")
    other = await subscribe(service, f"https://other.{NAME}:{tls_receiver.port}/hook")
    assert (named.status_code, other.status_code) == (201, 201)
    [event] = await service.publish(community_event(1))

    async def settled() -> bool:
        [to_named] = await log(service, named.json()["id"]) or [{"status": None}]
        [to_other] = await log(service, other.json()["id"]) or [{"attempts": 0}]
        return to_named["status"] == "delivered" and to_other["attempts"] >= 1

    await eventually(settled)
    assert [(r.headers["Host"], r.headers["Linli-Event-Id"]) for r in received] == [
        (f"{NAME}:{tls_receiver.port}", event.id)
    ]
    [to_other] = await log(service, other.json()["id"])
    assert to_other["status"] == "pending"
    assert "CERTIFICATE_VERIFY_FAILED" in to_other["last_error"]
