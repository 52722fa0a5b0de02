"""Reminding party members of the four ones (四个一) still open before the month ends.

Every replica runs the task; each member is reminded once per month all the same,
without a table of its own: the reminder of (member, month) is claimed in the kit's
inbox under a deterministic key, in the transaction that stages its event. Of two
replicas claiming the same key the unique index lets one insert, and the other skips
it (on PostgreSQL it waits for the first to commit; on SQLite the claim is the
transaction's first statement, so it waits for the write lock and then sees the
claim). Inbox rows are never pruned, so a restart does not remind again.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import col, select

from evaluation.domain.four_ones import open_items
from evaluation.four_ones import month_view
from evaluation.models import KnownVolunteer
from shared import clock
from shared.contracts.evaluation import FourOnesReminderDue
from shared.db import Database, insert_new
from shared.events.outbox import add_event
from shared.events.tables import InboxEntry

# The claims' source in the inbox; no event source looks like it (they start "/linli/").
CLAIMS = "evaluation:four-ones-reminder"
_KEYS = uuid.UUID("6f1d5c1e-4a52-4d53-9a43-7c4b0f2e9d11")
BATCH = 500


def claim_key(volunteer_id: str, month: str) -> str:
    """The deterministic inbox key of one member's reminder for one month."""
    return str(uuid.uuid5(_KEYS, f"{volunteer_id}:{month}"))


async def remind(db: Database, month: str, ends_on: date) -> int:
    """Remind every party member with items open in `month`, once; returns how many now."""
    async with db.session() as session:
        communities = (
            await session.exec(
                select(KnownVolunteer.community_id)
                .where(col(KnownVolunteer.party_member))
                .distinct()
            )
        ).all()
        due: list[tuple[str, str, list[str]]] = []
        for community_id in sorted(communities):
            for volunteer, done in await month_view(session, community_id, month):
                if items := open_items(done):
                    due.append((volunteer.id, community_id, items))
    reminded = 0
    for start in range(0, len(due), BATCH):
        reminded += await _claim_and_stage(db, due[start : start + BATCH], month, ends_on)
    return reminded


async def _claim_and_stage(
    db: Database, due: list[tuple[str, str, list[str]]], month: str, ends_on: date
) -> int:
    # A fresh transaction whose first statement is the claim: see the module's docstring.
    async with db.session() as session:
        keys = {volunteer_id: claim_key(volunteer_id, month) for volunteer_id, _, _ in due}
        claimed = await insert_new(
            session,
            InboxEntry,
            [
                {
                    "source": CLAIMS,
                    "event_id": key,
                    "event_type": FourOnesReminderDue.event_type,
                    "handled_at": clock.now(),
                }
                for key in keys.values()
            ],
            key=["source", "event_id"],
        )
        reminded = 0
        for volunteer_id, community_id, items in due:
            if (CLAIMS, keys[volunteer_id]) not in claimed:
                continue  # reminded already, by this replica or another
            add_event(
                session,
                FourOnesReminderDue(
                    volunteer_id=volunteer_id,
                    community_id=community_id,
                    month=month,
                    open_items=items,
                    month_ends_on=ends_on,
                ),
                subject=volunteer_id,
                community=community_id,
            )
            reminded += 1
        await session.commit()
    return reminded
