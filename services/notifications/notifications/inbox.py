"""Putting notifications into inboxes, exactly once per event and addressee; whose they
are, and marking them read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications import messages
from notifications.models import InboxEntry, InboxRead, Recipient, TeamMember
from shared import clock
from shared.auth import Principal
from shared.db import upsert
from shared.errors import NotFound
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


def addressed_to(principal: Principal) -> Any:
    """Whether an entry is the caller's: theirs, their volunteer's or team's, or their
    community's role's (a query condition)."""
    my_volunteer = select(Recipient.volunteer_id).where(
        col(Recipient.account_id) == principal.subject
    )
    my_teams = select(TeamMember.team_id).where(col(TeamMember.volunteer_id).in_(my_volunteer))
    mine = or_(
        col(InboxEntry.account_id) == principal.subject,
        col(InboxEntry.volunteer_id).in_(my_volunteer),
        col(InboxEntry.team_id).in_(my_teams),
    )
    if principal.community is None:
        return mine
    return or_(
        mine,
        and_(
            col(InboxEntry.community_id) == principal.community,
            col(InboxEntry.role) == principal.role.value,
        ),
    )


def unread(principal: Principal) -> Any:
    """Whether the caller has not read an entry yet (a query condition)."""
    read = select(InboxRead.entry_id).where(col(InboxRead.account_id) == principal.subject)
    return col(InboxEntry.id).not_in(read)


async def mark_read(session: AsyncSession, principal: Principal, entry_id: str) -> None:
    """Mark one of the caller's notifications read, for the caller only."""
    entry = (
        await session.exec(
            select(InboxEntry).where(col(InboxEntry.id) == entry_id, addressed_to(principal))
        )
    ).first()
    if entry is None:
        raise NotFound(messages.NOTIFICATION_NOT_FOUND)
    if await session.get(InboxRead, (entry_id, principal.subject)) is None:
        session.add(InboxRead(entry_id=entry_id, account_id=principal.subject))
        await session.commit()
