"""Putting notifications into inboxes, exactly once per event and addressee."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import InboxEntry
from shared import clock
from shared.db import upsert
from shared.ids import new_id


async def notify(
    session: AsyncSession,
    event_id: str,
    event_type: str,
    template: str,
    params: dict[str, Any],
    *,
    accounts: Iterable[str] = (),
    volunteers: Iterable[str] = (),
    teams: Iterable[str] = (),
    roles: Iterable[tuple[str, str]] = (),
) -> None:
    """Put one entry per addressee: accounts, volunteers, teams, (community, role) groups."""
    now = clock.now()
    addressees: list[tuple[str, dict[str, Any]]] = (
        [(f"a:{account}", {"account_id": account}) for account in sorted(set(accounts))]
        + [(f"v:{volunteer}", {"volunteer_id": volunteer}) for volunteer in sorted(set(volunteers))]
        + [(f"t:{team}", {"team_id": team}) for team in sorted(set(teams))]
        + [
            (f"r:{community}:{role}", {"community_id": community, "role": role})
            for community, role in sorted(set(roles))
        ]
    )
    for suffix, address in addressees:
        await upsert(
            session,
            InboxEntry,
            {
                "id": new_id(),
                "dedupe_key": f"{event_id}:{suffix}",
                "volunteer_id": None,
                "team_id": None,
                "account_id": None,
                "community_id": None,
                "role": None,
                **address,
                "event_id": event_id,
                "event_type": event_type,
                "template": template,
                "params": orjson.dumps(params).decode(),
                "created_at": now,
            },
            key=["dedupe_key"],
            update=False,
        )
