"""Two evaluation replicas counting the same volunteer at once lose no hours and
announce each star once.

Each test runs two transactions, two sessions of one database as two replicas of one
consumer group would, interleaved so that both would have read the volunteer's ledger
before either wrote it: `star_thresholds.current`, which the ledger calls between its
read and its write, waits until both transactions have reached it (or a second has
passed). Without a lock on the ledger row both get there, both compute from the same
total, and one's hours are lost; with it the second waits on the lock, the first's
wait times out, it commits, and the second reads the new total.

On both databases: on SQLite a read before a transaction's first write sees only what
is committed then, so handlers called without the consumer's inbox write lose hours
there too unless the ledger's own first statement is a write.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import cast

import orjson
import pytest
from redis.asyncio import Redis
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation import star_thresholds
from evaluation.app import DEFINITION
from evaluation.handlers import handlers, service_confirmed, service_corrected
from evaluation.models import CountedRecord, VolunteerLedger
from shared.contracts.activities import ServiceConfirmed, ServiceCorrected
from shared.contracts.evaluation import StarReached
from shared.db import Database
from shared.events.consumer import EventConsumer, StreamEntry
from shared.events.envelope import Envelope
from shared.events.handlers import BatchContext, BatchItem, EventContext
from shared.events.tables import OutboxMessage
from shared.migrations import upgrade_to_head

VOLUNTEER = "v1"
COMMUNITY = "c1"
STARTED = datetime(2026, 3, 10, 9, tzinfo=UTC)
# Long enough for the other transaction to reach the meeting point if nothing stops it.
MEETING_TIMEOUT = 1.0


class Meeting:
    """Where both transactions wait for each other between reading and writing.

    Once one has waited in vain, the other is known to be held elsewhere (on a lock):
    whoever arrives later goes on at once.
    """

    def __init__(self) -> None:
        self.arrived = 0
        self.both_here = asyncio.Event()
        self.gave_up = False

    async def wait(self) -> None:
        self.arrived += 1
        if self.arrived == 2:
            self.both_here.set()
        if self.gave_up:
            return
        try:
            await asyncio.wait_for(self.both_here.wait(), MEETING_TIMEOUT)
        except TimeoutError:
            self.gave_up = True

    @property
    def met(self) -> bool:
        """Whether both transactions were between their read and their write at once."""
        return self.both_here.is_set() and not self.gave_up


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await asyncio.to_thread(upgrade_to_head, DEFINITION.migrations_dir, database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def meeting(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Meeting]:
    """Make the ledger's handlers meet between read and write, from when it is called."""

    def start() -> Meeting:
        meeting = Meeting()
        current = star_thresholds.current

        async def thresholds_after_meeting(session: AsyncSession) -> tuple[int, ...]:
            await meeting.wait()
            return await current(session)

        monkeypatch.setattr(star_thresholds, "current", thresholds_after_meeting)
        return meeting

    return start


def confirmed(record: str, hours: float) -> ServiceConfirmed:
    return ServiceConfirmed(
        record_id=record,
        volunteer_id=VOLUNTEER,
        community_id=COMMUNITY,
        activity_id=f"a-{record}",
        started_at=STARTED,
        hours=hours,
        confirmed_by="admin",
    )


def corrected(record: str, corrects: str, hours: float, previous: float) -> ServiceCorrected:
    return ServiceCorrected(
        record_id=record,
        corrects_record_id=corrects,
        volunteer_id=VOLUNTEER,
        community_id=COMMUNITY,
        activity_id=f"a-{corrects}",
        started_at=STARTED,
        hours=hours,
        previous_hours=previous,
        reason="typo",
        confirmed_by="admin",
    )


Work = Callable[[AsyncSession], Awaitable[None]]


def batch_of(*events: ServiceConfirmed) -> Work:
    """The ServiceConfirmed batch handler (ledger.count_confirmed) over `events`."""

    async def run(session: AsyncSession) -> None:
        items = [BatchItem(envelope(event), event) for event in events]
        await service_confirmed(BatchContext(session, items))

    return run


def correction(event: ServiceCorrected) -> Work:
    """The ServiceCorrected handler (stop counting, count, ledger.settle)."""

    async def run(session: AsyncSession) -> None:
        await service_corrected(EventContext(session, envelope(event)), event)

    return run


def envelope(event: ServiceConfirmed | ServiceCorrected) -> Envelope:
    return Envelope.wrap(event, subject=event.volunteer_id, community=event.community_id)


async def committed(db: Database, work: Work) -> None:
    """`work` in a transaction of its own, committed."""
    async with db.session() as session:
        await work(session)
        await session.commit()


async def at_once(db: Database, first: Work, second: Work) -> None:
    """Two transactions at the same time, as two replicas would run them."""
    await asyncio.gather(committed(db, first), committed(db, second))


async def ledger_of(db: Database) -> VolunteerLedger:
    async with db.session() as session:
        ledger = await session.get(VolunteerLedger, VOLUNTEER)
    assert ledger is not None
    return ledger


async def stars_staged(db: Database) -> list[int]:
    """The levels of the StarReached events waiting in the outbox, in staging order."""
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage.fields)
            .where(col(OutboxMessage.event_type) == StarReached.event_type)
            .order_by(col(OutboxMessage.id))
        )
        staged = [Envelope.from_fields(orjson.loads(fields)).payload() for fields in rows.all()]
    return [star.level for star in staged if isinstance(star, StarReached)]


async def records_counting(db: Database) -> float:
    """The sum of the volunteer's counting records: what the ledger must equal."""
    async with db.session() as session:
        total = await session.exec(
            select(func.coalesce(func.sum(CountedRecord.hours), 0.0)).where(
                col(CountedRecord.volunteer_id) == VOLUNTEER, col(CountedRecord.counts)
            )
        )
        return round(float(total.one()), 2)


@pytest.mark.parametrize(
    ("before", "first", "second"),
    [
        pytest.param(None, 60.0, 50.0, id="new-volunteer-crossing-together"),
        pytest.param(95.0, 3.0, 4.0, id="crossing-only-together"),
        pytest.param(95.0, 6.0, 7.0, id="each-alone-crossing"),
    ],
)
async def test_two_batches_of_one_volunteer_both_count_and_the_star_is_announced_once(
    db: Database,
    meeting: Callable[[], Meeting],
    before: float | None,
    first: float,
    second: float,
) -> None:
    if before is not None:
        await committed(db, batch_of(confirmed("r0", before)))
    met = meeting()

    await at_once(db, batch_of(confirmed("r1", first)), batch_of(confirmed("r2", second)))

    expected = round((before or 0.0) + first + second, 2)
    ledger = await ledger_of(db)
    assert ledger.total_hours == pytest.approx(expected)
    assert ledger.total_hours == pytest.approx(await records_counting(db))
    assert ledger.star_level == 1
    assert ledger.highest_star_announced == 1
    assert await stars_staged(db) == [1]
    assert not met.met, "both batches read the ledger before either wrote it"


async def test_two_corrections_of_one_volunteer_both_count_and_the_star_is_announced_once(
    db: Database, meeting: Callable[[], Meeting]
) -> None:
    await committed(db, batch_of(confirmed("r1", 50.0), confirmed("r2", 45.0)))
    met = meeting()

    # 53 + 45 and 50 + 49 each stay under 100; only together do they reach it.
    await at_once(
        db,
        correction(corrected("r1c", "r1", 53.0, previous=50.0)),
        correction(corrected("r2c", "r2", 49.0, previous=45.0)),
    )

    ledger = await ledger_of(db)
    assert ledger.total_hours == pytest.approx(102.0)
    assert ledger.total_hours == pytest.approx(await records_counting(db))
    assert ledger.star_level == 1
    assert ledger.highest_star_announced == 1
    assert await stars_staged(db) == [1]
    assert not met.met, "both corrections summed the records before either wrote"


async def test_a_batch_and_a_correction_of_one_volunteer_both_count(
    db: Database, meeting: Callable[[], Meeting]
) -> None:
    await committed(db, batch_of(confirmed("r1", 50.0), confirmed("r2", 45.0)))
    met = meeting()

    await at_once(
        db,
        batch_of(confirmed("r3", 3.0)),
        correction(corrected("r1c", "r1", 54.0, previous=50.0)),
    )

    ledger = await ledger_of(db)
    assert ledger.total_hours == pytest.approx(102.0)
    assert ledger.total_hours == pytest.approx(await records_counting(db))
    assert ledger.highest_star_announced == 1
    assert await stars_staged(db) == [1]
    assert not met.met, "the batch and the correction both read before either wrote"


async def test_two_replicas_of_the_group_count_one_volunteer_at_once(
    db: Database, meeting: Callable[[], Meeting], redis: Redis, namespace: str
) -> None:
    """The same through the kit's consumer, each replica reading its own entry of the
    stream: the path the service runs (on SQLite, the inbox row written before any
    handler already takes the one write lock)."""
    await committed(db, batch_of(confirmed("r0", 95.0)))
    stream = namespace + "activities.events"
    for event in (confirmed("r1", 3.0), confirmed("r2", 4.0)):
        await redis.xadd(stream, dict(envelope(event).to_fields()))
    replicas = [
        EventConsumer(
            service="evaluation",
            db=db,
            redis=redis,
            handlers=handlers,
            consumer_name=f"evaluation-{number}",
            namespace=namespace,
        )
        for number in (1, 2)
    ]
    await replicas[0].ensure_groups()
    delivered = [await delivery(redis, stream, replica) for replica in replicas]
    met = meeting()

    await asyncio.gather(*(r.process(d) for r, d in zip(replicas, delivered, strict=True)))

    ledger = await ledger_of(db)
    assert ledger.total_hours == pytest.approx(102.0)
    assert await stars_staged(db) == [1]
    assert (await redis.xpending(stream, "evaluation"))["pending"] == 0
    assert not met.met, "both replicas read the ledger before either wrote it"


async def delivery(redis: Redis, stream: str, replica: EventConsumer) -> list[StreamEntry]:
    """The next entry of the stream the group delivers to `replica`."""
    answer = await redis.xreadgroup(replica.group, replica.consumer_name, {stream: ">"}, count=1)
    [(_, [(entry_id, fields)])] = cast(
        "list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]", answer
    )
    return [StreamEntry(stream, entry_id.decode(), fields, deliveries=1)]
