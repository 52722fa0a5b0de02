"""The hour ledger: confirmed hours per volunteer, exact under corrections, voids and repeats.

Exact under replicas too: two consumers of the group may handle confirmations of one
volunteer at the same moment, in two transactions. Each writer of a ledger here locks
its row before it reads anything it computes the ledger from, so the second waits for
the first to commit and then reads the new total: without the lock both would add to
the same old total, one's hours would be lost and a star announced twice or never.

- PostgreSQL (READ COMMITTED): SELECT ... FOR UPDATE on the ledger rows. A row must
  exist to be locked, so missing ones are inserted first (ON CONFLICT DO NOTHING: a
  row another transaction is inserting makes this one wait for it, then skip). A
  statement reads what was committed when it started, or, for a row it waited on,
  that row's latest version: the locked totals and the records summed after the lock
  include everything the previous holder committed. Both statements take volunteers
  in id order, so two batches wait for each other instead of deadlocking.
- SQLite ignores FOR UPDATE; one connection writes at a time instead. The driver
  opens a transaction at its first INSERT or UPDATE, whose write lock is held until
  commit (a read before it runs outside any transaction, on what is committed then,
  so it could be stale by the time the write comes). Inserting the missing rows is
  that first write here, before any read: a second replica waits there (busy
  timeout) until the first has committed. In the consumer the inbox row is written
  before any handler runs, which takes the lock earlier still. A transaction that
  read inside an explicit transaction and then writes over a newer commit is refused
  at once ("database is locked", an OperationalError), which the consumer retries as
  transient: never a write from a stale read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation import star_thresholds
from evaluation.domain.stars import level_for, newly_reached
from evaluation.models import CountedRecord, VolunteerLedger
from shared.contracts.activities import ServiceConfirmed, ServiceCorrected
from shared.db import insert_new, one_of, upsert, upsert_many
from shared.events.handlers import BatchContext, event_scope
from shared.events.outbox import add_event


def counted_row(event: ServiceConfirmed | ServiceCorrected) -> dict[str, object]:
    """The counted-record row of a confirmed (or corrected) record."""
    return {
        "record_id": event.record_id,
        "volunteer_id": event.volunteer_id,
        "community_id": event.community_id,
        "team_id": event.team_id,
        "service_area_code": event.service_area_code,
        "activity_id": event.activity_id,
        "started_at": event.started_at,
        "hours": event.hours,
        "counts": True,
        "tags": ",".join(sorted(event.tags)),
    }


async def count_confirmed(batch: BatchContext) -> None:
    """Count a run of confirmations and settle their volunteers' ledgers, in a few statements.

    The same result as `count` then `settle` for each confirmation in turn: totals are
    carried forward event by event from the totals before the run, so a star is
    announced by the confirmation that reached it, as it would be one by one.
    """
    session = batch.session
    events: list[ServiceConfirmed] = [item.payload for item in batch.items]
    record_ids = {event.record_id for event in events}
    first_communities: dict[str, str] = {}
    for event in events:
        first_communities.setdefault(event.volunteer_id, event.community_id)
    volunteer_ids = set(first_communities)
    dialect = session.get_bind().dialect
    # Locked before anything is read, records included (see the module docstring).
    await _ensure_ledgers(session, first_communities)
    # Totals carry on from each ledger's stored total, which every handler keeps equal to
    # the sum of its counting records: summing those records again would read all of a
    # volunteer's history per batch, the whole table per batch in a rebuild.
    ledgers = {
        volunteer: (community, total, announced)
        for volunteer, community, total, announced in (
            await session.exec(
                select(
                    VolunteerLedger.volunteer_id,
                    VolunteerLedger.community_id,
                    VolunteerLedger.total_hours,
                    VolunteerLedger.highest_star_announced,
                )
                .where(one_of(VolunteerLedger.volunteer_id, volunteer_ids, dialect))
                .order_by(col(VolunteerLedger.volunteer_id))
                .with_for_update()
            )
        ).all()
    }
    previous = {
        record_id: (volunteer_id, hours if counts else 0.0)
        for record_id, volunteer_id, hours, counts in (
            await session.exec(
                select(
                    CountedRecord.record_id,
                    CountedRecord.volunteer_id,
                    CountedRecord.hours,
                    CountedRecord.counts,
                ).where(one_of(CountedRecord.record_id, record_ids, dialect))
            )
        ).all()
    }
    owners = {event.record_id: event.volunteer_id for event in events}
    if len(owners) < len({(e.record_id, e.volunteer_id) for e in events}) or any(
        previous[record][0] != owners[record] for record in previous
    ):
        # A record changing volunteer never happens in practice; one by one settles the
        # old owner exactly as before, so take that path rather than reason about it.
        for item in batch.items:
            with event_scope(item.envelope):
                await count(session, item.payload)
                await settle(session, item.payload.volunteer_id, item.payload.community_id)
        return
    thresholds = await star_thresholds.current(session)
    totals: defaultdict[str, float] = defaultdict(
        float, {volunteer: total for volunteer, (_, total, _) in ledgers.items()}
    )
    counted = {record_id: hours for record_id, (_, hours) in previous.items()}
    communities = {volunteer: community for volunteer, (community, _, _) in ledgers.items()}
    announced = {volunteer: level for volunteer, (_, _, level) in ledgers.items()}
    for item in batch.items:
        event = item.payload
        volunteer = event.volunteer_id
        totals[volunteer] += event.hours - counted.get(event.record_id, 0.0)
        counted[event.record_id] = event.hours
        community = communities.setdefault(volunteer, event.community_id)
        total = round(totals[volunteer], 2)
        for level in newly_reached(announced.get(volunteer, 0), total, thresholds):
            with event_scope(item.envelope):
                add_event(
                    session,
                    star_thresholds.star_reached(volunteer, community, level, total, thresholds),
                    subject=volunteer,
                    community=community,
                )
            announced[volunteer] = level
    await upsert_many(
        session, CountedRecord, [counted_row(event) for event in events], key=["record_id"]
    )
    # Rows, not ORM objects (setting their attributes was a tenth of a rebuild);
    # `settle` reloads any ledger object this transaction already holds.
    await upsert_many(
        session,
        VolunteerLedger,
        [
            {
                "volunteer_id": volunteer,
                "community_id": community,
                "total_hours": round(totals[volunteer], 2),
                "star_level": level_for(round(totals[volunteer], 2), thresholds),
                "highest_star_announced": announced.get(volunteer, 0),
            }
            for volunteer, community in communities.items()
        ],
        key=["volunteer_id"],
        # The community is the transfers' (volunteer_transferred) to change: never here.
        insert_only=["community_id"],
    )


async def _ensure_ledgers(session: AsyncSession, communities: Mapping[str, str]) -> None:
    """Insert the volunteers' missing ledger rows (`communities`: each one's community,
    for a new row), in one statement, so the caller can lock them all (see the module
    docstring: on SQLite this write is what takes the lock)."""
    await insert_new(
        session,
        VolunteerLedger,
        [
            {
                "volunteer_id": volunteer,
                "community_id": community,
                "total_hours": 0.0,
                "star_level": 0,
                "highest_star_announced": 0,
            }
            # In id order: rows being inserted are locked as they go.
            for volunteer, community in sorted(communities.items())
        ],
        key=["volunteer_id"],
    )


async def count(session: AsyncSession, event: ServiceConfirmed | ServiceCorrected) -> None:
    """Make a confirmed (or corrected) record count with its hours."""
    await upsert(session, CountedRecord, counted_row(event), key=["record_id"])


async def stop_counting(session: AsyncSession, record_id: str) -> None:
    """A record no longer counts (voided, or replaced by a correction)."""
    await session.exec(
        update(CountedRecord).where(col(CountedRecord.record_id) == record_id).values(counts=False)
    )


async def settle(session: AsyncSession, volunteer_id: str, community_id: str) -> VolunteerLedger:
    """Recompute the volunteer's total from the counted records; announce new star levels."""
    await session.flush()
    await _ensure_ledgers(session, {volunteer_id: community_id})
    # Locked before the sum (see the module docstring), and fresh from the database: a
    # batch of confirmations may have written it as rows.
    ledger = await session.get(
        VolunteerLedger, volunteer_id, populate_existing=True, with_for_update=True
    )
    assert ledger is not None  # inserted just above, or already there
    total = (
        await session.exec(
            select(func.coalesce(func.sum(CountedRecord.hours), 0.0)).where(
                col(CountedRecord.volunteer_id) == volunteer_id, col(CountedRecord.counts)
            )
        )
    ).one()
    ledger.total_hours = round(float(total), 2)
    thresholds = await star_thresholds.current(session)
    ledger.star_level = level_for(ledger.total_hours, thresholds)
    for level in newly_reached(ledger.highest_star_announced, ledger.total_hours, thresholds):
        add_event(
            session,
            star_thresholds.star_reached(
                ledger.volunteer_id, ledger.community_id, level, ledger.total_hours, thresholds
            ),
            subject=volunteer_id,
            community=ledger.community_id,
        )
        ledger.highest_star_announced = level
    session.add(ledger)
    return ledger
