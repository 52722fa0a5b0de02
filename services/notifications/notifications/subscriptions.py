"""Webhook subscriptions: subscribing a URL, pausing and resuming it, redelivering."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from notifications import messages
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.webhooks import Targets
from shared.access import list_scope, require_role
from shared.auth import Principal, Role
from shared.clock import now
from shared.contracts.base import EVENT_TYPES
from shared.errors import NotFound, Unprocessable
from shared.ids import new_id


async def owned(
    session: AsyncSession, principal: Principal, subscription_id: str
) -> WebhookSubscription:
    """The caller's subscription (any, for the district admin), or 404."""
    subscription = await session.get(WebhookSubscription, subscription_id)
    if subscription is None or (
        subscription.owner_account_id != principal.subject
        and principal.role is not Role.DISTRICT_ADMIN
    ):
        raise NotFound(messages.SUBSCRIPTION_NOT_FOUND)
    return subscription


async def subscribe(
    session: AsyncSession,
    principal: Principal,
    targets: Targets,
    *,
    url: str,
    event_types: Sequence[str],
    community_id: str | None,
    catch_up_from: datetime | None,
) -> WebhookSubscription:
    """Subscribe a URL to events: the district admin for any community, a community
    admin for its own."""
    require_role(principal, Role.COMMUNITY_ADMIN)
    # A community admin's subscription is their community's, whether they name it or not.
    community = list_scope(principal, community_id)
    unknown = [t for t in event_types if t != "*" and t not in EVENT_TYPES]
    if unknown:
        raise Unprocessable(messages.UNKNOWN_EVENT_TYPES, event_types=", ".join(unknown))
    await targets.check(url)  # checked again before every delivery
    subscription = WebhookSubscription(
        id=new_id(),
        owner_account_id=principal.subject,
        community_id=community,
        url=url,
        secret=secrets.token_urlsafe(32),
        event_types=",".join(event_types),
        catch_up_from=catch_up_from,
        created_at=now(),
    )
    session.add(subscription)
    await session.commit()
    return subscription


async def redeliver(
    session: AsyncSession, principal: Principal, subscription_id: str, delivery_id: str
) -> WebhookDelivery:
    """Send a delivery again (after fixing the receiver); it keeps its event id."""
    await owned(session, principal, subscription_id)
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise NotFound(messages.DELIVERY_NOT_FOUND)
    delivery.status = "pending"
    delivery.next_attempt_at = now()
    session.add(delivery)
    await session.commit()
    return delivery


async def disable(
    session: AsyncSession, principal: Principal, subscription_id: str
) -> WebhookSubscription:
    """Stop deliveries: events matching it are no longer queued, and what was queued
    waits until it is enabled again."""
    subscription = await owned(session, principal, subscription_id)
    subscription.active = False
    subscription.disabled_reason = f"disabled by {principal.subject}"
    session.add(subscription)
    await session.commit()
    return subscription


async def enable(
    session: AsyncSession, principal: Principal, subscription_id: str
) -> WebhookSubscription:
    """Turn a disabled subscription back on (its failure count starts again)."""
    subscription = await owned(session, principal, subscription_id)
    subscription.active = True
    subscription.consecutive_failures = 0
    subscription.disabled_reason = None
    session.add(subscription)
    await session.commit()
    return subscription
