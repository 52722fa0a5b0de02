"""Webhooks for integrations: each matching event POSTed once accepted, signed, retried.

Each delivery is an HTTP POST of the CloudEvents envelope in structured JSON mode
(`application/cloudevents+json`), with headers:

- `Linli-Event-Id`: the event id, for the receiver's de-duplication;
- `Linli-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
  subscription's secret>`; receivers recompute it and reject old timestamps.

A failed attempt is retried with exponential back-off (2 s, 4 s, ... up to 1 h) until
MAX_ATTEMPTS; a subscription failing FAILURES_TO_DISABLE times in a row is disabled and
its owner notified. Deliveries can be sent again by hand.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from typing import cast

import httpx
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.inbox import notify
from notifications.models import WebhookDelivery, WebhookSubscription
from shared.db import Database, upsert
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
    now = datetime.now(UTC)
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
    now = datetime.now(UTC)
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


async def _send(
    client: httpx.AsyncClient, subscription: WebhookSubscription, delivery: WebhookDelivery
) -> tuple[bool, int | None, str | None]:
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        "Linli-Event-Id": delivery.event_id,
        "Linli-Signature": signature(subscription.secret, int(time.time()), body),
    }
    try:
        response = await client.post(subscription.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return False, None, f"{type(exc).__name__}: {exc}"[:500]
    return (
        response.is_success,
        response.status_code,
        None if response.is_success else response.text[:200],
    )


async def dispatch(
    db: Database,
    client: httpx.AsyncClient,
    *,
    limit: int = 50,
    max_attempts: int = MAX_ATTEMPTS,
    failures_to_disable: int = FAILURES_TO_DISABLE,
    backoff_base_seconds: float = 1.0,
) -> int:
    """Send the deliveries that are due; returns how many were accepted."""
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
    outcomes = await asyncio.gather(
        *(
            _send(client, subscriptions[d.subscription_id], d)
            for d in claimed
            if subscriptions[d.subscription_id].active
        )
    )
    accepted = 0
    async with db.session() as session:
        sendable = [d for d in claimed if subscriptions[d.subscription_id].active]
        for delivery, (ok, status_code, error) in zip(sendable, outcomes, strict=True):
            subscription = await session.get(WebhookSubscription, delivery.subscription_id)
            assert subscription is not None
            attempts = delivery.attempts + 1
            outcome: dict[str, object] = {
                "attempts": attempts,
                "last_status_code": status_code,
                "last_error": error,
            }
            if ok:
                accepted += 1
                outcome |= {"status": "delivered", "delivered_at": datetime.now(UTC)}
                subscription.consecutive_failures = 0
            else:
                outcome |= {
                    "status": "dead" if attempts >= max_attempts else "pending",
                    "next_attempt_at": datetime.now(UTC) + backoff(attempts, backoff_base_seconds),
                }
                subscription.consecutive_failures += 1
                if subscription.active and subscription.consecutive_failures >= failures_to_disable:
                    await _disable(session, subscription, error or f"HTTP {status_code}")
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
