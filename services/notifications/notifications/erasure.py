"""Forgetting a person on `volunteer_erased`: contact addresses and what was sent to them.

What stays is the bare fact that a notification existed and went out (ids, channel,
status, times), which says nothing about who the person was. The text goes too: it
was written for them, and a past text may hold what an address or a name once was.
"""

from __future__ import annotations

from collections.abc import Collection

import orjson
from sqlalchemy import update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import ChannelDelivery, Preference, WebhookDelivery
from shared.contracts.registry import VolunteerRegistered

#: The status of a channel delivery that was still to go out when its person was erased.
ERASED = "erased"


async def forget_accounts(session: AsyncSession, accounts: Collection[str]) -> None:
    """Drop the accounts' contact choices; blank their deliveries' addresses and texts."""
    if not accounts:
        return
    await session.exec(delete(Preference).where(col(Preference.account_id).in_(accounts)))
    theirs = col(ChannelDelivery.account_id).in_(accounts)
    await session.exec(
        update(ChannelDelivery)
        .where(theirs, col(ChannelDelivery.status) == "pending")
        .values(status=ERASED)
    )
    await session.exec(
        update(ChannelDelivery)
        .where(theirs)
        # A provider's error often quotes the address it refused.
        .values(address="", subject="", text="", last_error=None)
    )


async def forget_name_in_webhook_bodies(session: AsyncSession, volunteer_id: str) -> None:
    """Drop a plain name from the queued and logged webhook bodies of the registration.

    Names now travel sealed, and a shredded seal needs nothing done. Events published
    before that carried the name in plain (`display_name`): their bodies lose it here.
    The bodies are signed when sent, so a changed body still verifies.
    """
    rows = (
        await session.exec(
            select(WebhookDelivery).where(
                col(WebhookDelivery.event_type) == VolunteerRegistered.event_type,
                col(WebhookDelivery.body).contains(volunteer_id),
            )
        )
    ).all()
    for row in rows:
        envelope = orjson.loads(row.body)
        data = envelope.get("data") or {}
        if data.get("volunteer_id") != volunteer_id or data.get("display_name") is None:
            continue
        data["display_name"] = None
        row.body = orjson.dumps(envelope).decode()
        session.add(row)
