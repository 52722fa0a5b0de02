"""Webhooks for integrations: each matching event POSTed once accepted, signed, retried.

Each delivery is an HTTP POST of the CloudEvents envelope in structured JSON mode
(`application/cloudevents+json`), with headers:

- `Linli-Event-Id`: the event id, for the receiver's de-duplication;
- `Linli-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
  subscription's secret>`; receivers recompute it and reject old timestamps.

A failed attempt is retried with exponential back-off (2 s, 4 s, ... up to 1 h) until
MAX_ATTEMPTS; a subscription failing FAILURES_TO_DISABLE times in a row is disabled and
its owner notified. Deliveries can be sent again by hand.

Where a webhook may go is the rule in `domain/webhook_targets.py` (public addresses, or
hosts the district allows), checked by `Targets` at subscription and before every
delivery: the host is resolved once and the connection made to the address that was
checked, so a name cannot point elsewhere between the check and the connect (DNS
rebinding). A delivery refused by that rule ends `refused`, not retried; a redirect is
not followed, and counts as a failed attempt.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications import messages
from notifications.domain.webhook_targets import AllowedHosts, target_refusal
from notifications.inbox import notify
from notifications.models import WebhookDelivery, WebhookSubscription
from shared import clock
from shared.db import Database, upsert
from shared.errors import Unprocessable
from shared.events.envelope import Envelope, MalformedEvent
from shared.ids import new_id

MAX_ATTEMPTS = 12
FAILURES_TO_DISABLE = 20
CLAIM_SECONDS = 60


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Linli-Signature` header value of a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def matches(subscription: WebhookSubscription, envelope: Envelope) -> bool:
    """Whether the subscription wants this event (type and community filters)."""
    if subscription.community_id is not None and envelope.community != subscription.community_id:
        return False
    wanted = subscription.event_types.strip()
    return wanted == "*" or envelope.type in {t.strip() for t in wanted.split(",")}


def structured(envelope: Envelope) -> str:
    """The envelope in CloudEvents structured JSON mode."""
    return envelope.model_dump_json()


async def enqueue(
    session: AsyncSession,
    envelope: Envelope,
    subscriptions: list[WebhookSubscription] | None = None,
) -> int:
    """Queue the event for every active subscription that wants it; once per subscription."""
    if subscriptions is None:
        subscriptions = await _active_subscriptions(session)
    queued = 0
    now = clock.now()
    for subscription in subscriptions:
        if not matches(subscription, envelope):
            continue
        await upsert(
            session,
            WebhookDelivery,
            {
                "id": new_id(),
                "subscription_id": subscription.id,
                "event_id": envelope.id,
                "event_type": envelope.type,
                "body": structured(envelope),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
            key=["subscription_id", "event_id"],
            update=False,
        )
        queued += 1
    return queued


_SUBSCRIPTIONS_KEY = "linli_webhook_subscriptions"


async def _active_subscriptions(session: AsyncSession) -> list[WebhookSubscription]:
    """The active subscriptions, read once per session rather than once per event.

    The consumer opens one session per batch, so a batch of events costs one query; a
    subscription created meanwhile is seen from the next batch on.
    """
    cached = session.info.get(_SUBSCRIPTIONS_KEY)
    if cached is None:
        cached = list(
            (
                await session.exec(
                    select(WebhookSubscription).where(col(WebhookSubscription.active))
                )
            ).all()
        )
        session.info[_SUBSCRIPTIONS_KEY] = cached
    return cast("list[WebhookSubscription]", cached)


def backoff(attempts: int, base_seconds: float = 1.0) -> timedelta:
    """How long to wait after the `attempts`-th failure: doubling, at most an hour."""
    return timedelta(seconds=min(base_seconds * 2**attempts, 3600))


async def _claim(db: Database, limit: int) -> tuple[list[WebhookDelivery], datetime]:
    """Take due deliveries of active subscriptions, pushing their next attempt out so
    other replicas skip them; returns them and the time they were pushed to, which marks
    them as this claim's. A disabled subscription's deliveries wait, unclaimed, until it
    is enabled again, and never take the places of an active one's."""
    now = clock.now()
    claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
    active = select(WebhookSubscription.id).where(col(WebhookSubscription.active))
    async with db.session() as session:
        due = (
            await session.exec(
                select(WebhookDelivery)
                .where(
                    col(WebhookDelivery.status) == "pending",
                    col(WebhookDelivery.next_attempt_at) <= now,
                    col(WebhookDelivery.subscription_id).in_(active),
                )
                .order_by(col(WebhookDelivery.next_attempt_at))
                .limit(limit)
            )
        ).all()
        claimed = []
        for delivery in due:
            result = await session.exec(
                update(WebhookDelivery)
                .where(
                    col(WebhookDelivery.id) == delivery.id,
                    col(WebhookDelivery.next_attempt_at) == delivery.next_attempt_at,
                )
                .values(next_attempt_at=claimed_until)
            )
            if result.rowcount == 1:
                claimed.append(delivery)
        await session.commit()
        return claimed, claimed_until


Resolve = Callable[[str, int], Awaitable[Sequence[str]]]
"""Gives the addresses of a host name (an address literal gives itself) for a port."""


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for `host`, in its order of preference.

    The system resolver also reads the odd spellings of an address (`2130706433`,
    `0x7f.1`) as the address they spell, as a connection would.
    """
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class TargetRefused(Unprocessable):
    """The webhook URL leads where webhooks may not go (an internal address)."""


class TargetUnresolved(Unprocessable):
    """The webhook URL's host does not resolve (now)."""


@dataclass(frozen=True)
class Destination:
    """A checked webhook URL: the request goes to `url`, which holds the checked address
    in place of the host name, with the name in `headers` (Host) and `extensions` (TLS)."""

    url: httpx.URL
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


class Targets:
    """Where webhooks may go: the address rule, the district's allowed hosts, a resolver."""

    def __init__(
        self,
        allowed_hosts: Iterable[str] = (),
        resolve: Resolve = resolve_host,
        resolve_timeout_seconds: float = 5.0,
    ) -> None:
        self.allowed = AllowedHosts.parse(allowed_hosts)
        self._resolve = resolve
        self._timeout = resolve_timeout_seconds

    async def check(self, url: str) -> Destination:
        """Resolve the URL's host once and judge every address; raises TargetRefused or
        TargetUnresolved, else gives where to connect."""
        parsed = httpx.URL(url)
        name = parsed.raw_host.decode("ascii")
        if refusal := target_refusal(parsed.scheme, name, (), self.allowed):
            raise TargetRefused(refusal.message, **refusal.params)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            async with asyncio.timeout(self._timeout):
                answers = await self._resolve(name, port)
            addresses = [ipaddress.ip_address(answer) for answer in answers]
        except (OSError, TimeoutError, ValueError) as exc:
            raise TargetUnresolved(messages.WEBHOOK_HOST_UNRESOLVED, host=parsed.host) from exc
        if not addresses:
            raise TargetUnresolved(messages.WEBHOOK_HOST_UNRESOLVED, host=parsed.host)
        if refusal := target_refusal(parsed.scheme, name, addresses, self.allowed):
            raise TargetRefused(refusal.message, **refusal.params)
        address = str(addresses[0])
        if address == name:
            return Destination(parsed)
        extensions: dict[str, Any] = {}
        headers = {"Host": parsed.netloc.decode("ascii")}
        if parsed.scheme == "https":
            # The certificate is checked against the name. The pool keys connections by
            # address only, so one verified for another name on the same address must
            # not carry this request: each such connection serves one delivery.
            extensions["sni_hostname"] = name
            headers["Connection"] = "close"
        return Destination(parsed.copy_with(host=address), headers, extensions)


@dataclass(frozen=True)
class Attempt:
    """What one delivery attempt came to."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    refused: bool = False  # the address rule refused it: nothing was sent


async def _checked(targets: Targets, url: str) -> Destination | Unprocessable:
    try:
        return await targets.check(url)
    except Unprocessable as exc:  # TargetRefused or TargetUnresolved, kept as the outcome
        return exc


async def _send(
    client: httpx.AsyncClient,
    subscription: WebhookSubscription,
    delivery: WebhookDelivery,
    destination: Destination | Unprocessable,
) -> Attempt:
    if isinstance(destination, TargetRefused):
        return Attempt(False, error=f"refused: {destination}"[:500], refused=True)
    if isinstance(destination, Unprocessable):
        return Attempt(False, error=str(destination)[:500])
    body = delivery.body.encode()
    headers = {
        **destination.headers,
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        "Linli-Event-Id": delivery.event_id,
        "Linli-Signature": signature(subscription.secret, int(time.time()), body),
    }
    try:
        response = await client.post(
            destination.url,
            content=body,
            headers=headers,
            extensions=destination.extensions,
            follow_redirects=False,  # a redirect could lead anywhere, unchecked
        )
    except httpx.HTTPError as exc:
        return Attempt(False, error=f"{type(exc).__name__}: {exc}"[:500])
    if response.is_success:
        return Attempt(True, response.status_code)
    if response.is_redirect:
        location = response.headers.get("Location", "")
        error = f"redirects are not followed; the receiver answered {response.status_code} to {location}"
        return Attempt(False, response.status_code, error[:500])
    return Attempt(False, response.status_code, response.text[:200])


async def dispatch(
    db: Database,
    client: httpx.AsyncClient,
    *,
    targets: Targets,
    limit: int = 50,
    max_attempts: int = MAX_ATTEMPTS,
    failures_to_disable: int = FAILURES_TO_DISABLE,
    backoff_base_seconds: float = 1.0,
) -> int:
    """Send the deliveries that are due; returns how many were accepted.

    Each subscription's URL is checked once per round, just before its deliveries go.
    """
    claimed, claimed_until = await _claim(db, limit)
    if not claimed:
        return 0
    async with db.session() as session:
        subscriptions = {
            s.id: s
            for s in (
                await session.exec(
                    select(WebhookSubscription).where(
                        col(WebhookSubscription.id).in_({d.subscription_id for d in claimed})
                    )
                )
            ).all()
        }
    sendable = [d for d in claimed if subscriptions[d.subscription_id].active]
    urls = list({subscriptions[d.subscription_id].url for d in sendable})
    destinations = dict(
        zip(urls, await asyncio.gather(*(_checked(targets, url) for url in urls)), strict=True)
    )
    outcomes = await asyncio.gather(
        *(
            _send(
                client,
                subscriptions[d.subscription_id],
                d,
                destinations[subscriptions[d.subscription_id].url],
            )
            for d in sendable
        )
    )
    accepted = 0
    async with db.session() as session:
        for delivery, attempt in zip(sendable, outcomes, strict=True):
            subscription = await session.get(WebhookSubscription, delivery.subscription_id)
            assert subscription is not None
            attempts = delivery.attempts + 1
            outcome: dict[str, object] = {
                "attempts": attempts,
                "last_status_code": attempt.status_code,
                "last_error": attempt.error,
            }
            if attempt.ok:
                accepted += 1
                outcome |= {"status": "delivered", "delivered_at": clock.now()}
                subscription.consecutive_failures = 0
            else:
                if attempt.refused:  # retrying would only ask the same question again
                    outcome |= {"status": "refused"}
                else:
                    outcome |= {
                        "status": "dead" if attempts >= max_attempts else "pending",
                        "next_attempt_at": clock.now() + backoff(attempts, backoff_base_seconds),
                    }
                subscription.consecutive_failures += 1
                if subscription.active and subscription.consecutive_failures >= failures_to_disable:
                    reason = attempt.error or f"HTTP {attempt.status_code}"
                    await _disable(session, subscription, reason)
            # Only while it is still this claim's: a redelivery asked for while it was in
            # flight re-queued it, and that request must not be overwritten by this
            # attempt's outcome (it was lost that way, the delivery marked delivered).
            await session.exec(
                update(WebhookDelivery)
                .where(
                    col(WebhookDelivery.id) == delivery.id,
                    col(WebhookDelivery.next_attempt_at) == claimed_until,
                )
                .values(**outcome)
            )
            session.add(subscription)
        await session.commit()
    return accepted


async def _disable(session: AsyncSession, subscription: WebhookSubscription, reason: str) -> None:
    subscription.active = False
    subscription.disabled_reason = (
        f"disabled after {subscription.consecutive_failures} failures in a row; last: {reason}"
    )
    await notify(
        session,
        f"webhook-disabled-{subscription.id}-{subscription.consecutive_failures}",
        "webhook_disabled",
        "webhook_disabled",
        {"url": subscription.url, "reason": subscription.disabled_reason},
        accounts=[subscription.owner_account_id],
    )


async def catch_up(db: Database, redis: Redis, subscription_id: str, streams: list[str]) -> int:
    """Queue the past events (from `catch_up_from`) of `streams` for one new subscription."""
    async with db.session() as session:
        subscription = await session.get(WebhookSubscription, subscription_id)
        if subscription is None or subscription.catch_up_from is None:
            return 0
        since = subscription.catch_up_from
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        queued = 0
        for key in streams:
            cursor = f"{int(since.timestamp() * 1000)}-0"
            while True:
                entries = cast(
                    "list[tuple[bytes, dict[bytes, bytes]]]",
                    await redis.xrange(key, min=cursor, max="+", count=500),
                )
                for _, fields in entries:
                    try:
                        envelope = Envelope.from_fields(fields)
                    except MalformedEvent:
                        continue
                    queued += await enqueue(session, envelope, [subscription])
                if len(entries) < 500:
                    break
                cursor = "(" + entries[-1][0].decode()
        subscription.catch_up_from = None
        session.add(subscription)
        await session.commit()
        return queued
