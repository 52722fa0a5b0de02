"""Routes for webhook subscriptions, their delivery log and manual redelivery."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, Field, HttpUrl
from sqlmodel import col, select

from notifications import subscriptions as subscriptions_
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.webhooks import Targets
from shared.auth import CurrentPrincipal
from shared.contracts.base import EVENT_TYPES
from shared.deps import SessionDep
from shared.paging import Page, PageParams, paginate
from shared.types import Id, Input, Timestamp

router = APIRouter(tags=["webhooks"])


def webhook_targets(request: Request) -> Targets:
    """The service's rule for where webhooks may go (the one its deliveries use too)."""
    return cast("Targets", request.app.state.webhook_targets)


TargetsDep = Annotated[Targets, Depends(webhook_targets)]


def _known_event_types(schema: dict[str, Any]) -> None:
    # Read when the document is made, once every contract module has registered its types.
    schema["enum"] = ["*", *sorted(EVENT_TYPES)]


EventTypeName = Annotated[str, Field(max_length=200, json_schema_extra=_known_event_types)]
"""An event type this deployment publishes, or `*` for every one."""


class SubscriptionCreate(Input):
    """Input of `POST /webhooks`."""

    url: HttpUrl = Field(
        description="http or https; its host must resolve to public addresses only, "
        "unless the district lists it among its internal receivers"
    )
    event_types: list[EventTypeName] = Field(default_factory=lambda: ["*"], max_length=200)
    community_id: Id | None = Field(
        default=None, description="only this community's events; district admins may omit it"
    )
    catch_up_from: Timestamp | None = Field(
        default=None, description="also deliver events published since then"
    )


class SubscriptionPublic(BaseModel):
    """A subscription as its owner sees it (the secret only once, at creation)."""

    id: str
    url: str
    event_types: list[str]
    community_id: str | None
    active: bool
    consecutive_failures: int
    disabled_reason: str | None
    secret: str | None = None


class DeliveryPublic(BaseModel):
    """One line of the delivery log."""

    id: str
    event_id: str
    event_type: str
    status: str = Field(
        description="pending, delivered, dead (its attempts ran out) or refused (the URL "
        "led to an internal address when it was due; redeliver to check again)"
    )
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None


def _public(subscription: WebhookSubscription, *, with_secret: bool = False) -> SubscriptionPublic:
    return SubscriptionPublic(
        id=subscription.id,
        url=subscription.url,
        event_types=subscription.event_types.split(","),
        community_id=subscription.community_id,
        active=subscription.active,
        consecutive_failures=subscription.consecutive_failures,
        disabled_reason=subscription.disabled_reason,
        secret=subscription.secret if with_secret else None,
    )


@router.post("/webhooks", response_model=SubscriptionPublic, status_code=status.HTTP_201_CREATED)
async def subscribe(
    body: SubscriptionCreate, principal: CurrentPrincipal, session: SessionDep, targets: TargetsDep
) -> SubscriptionPublic:
    """Subscribe a URL to events: the district admin for any community, a community admin for its own."""
    subscription = await subscriptions_.subscribe(
        session,
        principal,
        targets,
        url=str(body.url),
        event_types=body.event_types,
        community_id=body.community_id,
        catch_up_from=body.catch_up_from,
    )
    return _public(subscription, with_secret=True)


@router.get("/webhooks", response_model=Page[SubscriptionPublic])
async def subscriptions(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    active: Annotated[
        bool | None, Query(description="only those delivering (true) or disabled (false)")
    ] = None,
) -> Page[Any]:
    """The caller's subscriptions, oldest first."""
    query = select(WebhookSubscription).where(
        col(WebhookSubscription.owner_account_id) == principal.subject
    )
    if active is not None:
        query = query.where(col(WebhookSubscription.active).is_(active))
    return await paginate(
        session,
        query,
        order=[col(WebhookSubscription.created_at), col(WebhookSubscription.id)],
        paging=paging,
        convert=_public,
    )


class DeliveryOutcome(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    REFUSED = "refused"


@router.get("/webhooks/{subscription_id}/deliveries", response_model=Page[DeliveryPublic])
async def deliveries(
    subscription_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    status_: Annotated[
        DeliveryOutcome | None, Query(alias="status", description="only deliveries in this state")
    ] = None,
) -> Page[Any]:
    """The subscription's delivery log, newest first."""
    await subscriptions_.owned(session, principal, subscription_id)
    query = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id)
    if status_ is not None:
        query = query.where(col(WebhookDelivery.status) == status_.value)
    return await paginate(
        session,
        query,
        order=[col(WebhookDelivery.created_at), col(WebhookDelivery.id)],
        paging=paging,
        descending=True,
    )


@router.post(
    "/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryPublic
)
async def redeliver(
    subscription_id: str, delivery_id: str, principal: CurrentPrincipal, session: SessionDep
) -> WebhookDelivery:
    """Send a delivery again (after fixing the receiver); it keeps its event id."""
    return await subscriptions_.redeliver(session, principal, subscription_id, delivery_id)


@router.post("/webhooks/{subscription_id}/disable", response_model=SubscriptionPublic)
async def disable(
    subscription_id: str, principal: CurrentPrincipal, session: SessionDep
) -> SubscriptionPublic:
    """Stop deliveries (an integration going away, or paused); events matching it are no
    longer queued, and what was queued waits until it is enabled again."""
    return _public(await subscriptions_.disable(session, principal, subscription_id))


@router.post("/webhooks/{subscription_id}/enable", response_model=SubscriptionPublic)
async def enable(
    subscription_id: str, principal: CurrentPrincipal, session: SessionDep
) -> SubscriptionPublic:
    """Turn a disabled subscription back on (its failure count starts again)."""
    return _public(await subscriptions_.enable(session, principal, subscription_id))
