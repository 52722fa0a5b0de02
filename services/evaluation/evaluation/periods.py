"""Half-year periods: open, peer review, community nomination, district review, published."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation import messages
from evaluation.domain import periods as rules
from evaluation.domain.scoring import ScoreParts
from evaluation.four_ones import FOUR
from evaluation.models import (
    CountedRecord,
    FourOnesMark,
    KnownVolunteer,
    Nomination,
    NominationStatus,
    PairingMembership,
    Period,
    Phase,
    Review,
)
from shared import clock
from shared.access import visible
from shared.auth import Principal
from shared.contracts.evaluation import (
    HonourRollPublished,
    NominationDecided,
    PeriodAdvanced,
    PeriodOpened,
    ReviewSubmitted,
    VolunteerNominated,
)
from shared.errors import Conflict, DomainError, NotFound, Unprocessable
from shared.events.outbox import add_event
from shared.ids import new_id

_ERRORS: dict[str, type[DomainError]] = {
    "conflict": Conflict,
    "unprocessable": Unprocessable,
    "not_found": NotFound,
}


def _refuse(refusal: rules.Refusal | None) -> None:
    if refusal is not None:
        raise _ERRORS[refusal.kind](refusal.message, **refusal.params)


def _member(volunteer: KnownVolunteer) -> rules.Member:
    return rules.Member(id=volunteer.id, community_id=volunteer.community_id)


def _span(period: Period) -> tuple[datetime, datetime]:
    return (
        datetime.combine(period.starts_on, time.min, tzinfo=UTC),
        datetime.combine(period.ends_on, time.max, tzinfo=UTC),
    )


async def open_period(
    session: AsyncSession, community_id: str, label: str, starts_on: date, ends_on: date, quota: int
) -> Period:
    """Open a period for a community; its label is unique per community."""
    _refuse(rules.dates_refusal(starts_on, ends_on))
    clash = await session.exec(
        select(Period).where(col(Period.community_id) == community_id, col(Period.label) == label)
    )
    if clash.first():
        raise Conflict(messages.PERIOD_LABEL_TAKEN, label=label)
    period = Period(
        id=new_id(),
        community_id=community_id,
        label=label,
        starts_on=starts_on,
        ends_on=ends_on,
        quota=quota,
        phase=Phase.OPEN,
    )
    session.add(period)
    add_event(
        session,
        PeriodOpened(
            period_id=period.id,
            community_id=community_id,
            label=label,
            starts_on=starts_on,
            ends_on=ends_on,
            quota=quota,
        ),
        subject=period.id,
        community=community_id,
    )
    await session.commit()
    return period


async def advance(session: AsyncSession, period: Period) -> Period:
    """Move the period to its next phase; publishing makes the honour roll final."""
    undecided = 0
    if period.phase == Phase.DISTRICT_REVIEW:
        counted = await session.exec(
            select(func.count())
            .select_from(Nomination)
            .where(
                col(Nomination.period_id) == period.id,
                col(Nomination.status) == NominationStatus.NOMINATED,
            )
        )
        undecided = int(counted.one())
    _refuse(rules.advance_refusal(period.phase, undecided))
    period.phase = rules.next_phase(period.phase)
    session.add(period)
    add_event(
        session,
        PeriodAdvanced(
            period_id=period.id, community_id=period.community_id, phase=period.phase.value
        ),
        subject=period.id,
        community=period.community_id,
    )
    if period.phase == Phase.PUBLISHED:
        period.published_at = clock.now()
        add_event(
            session,
            HonourRollPublished(
                period_id=period.id,
                community_id=period.community_id,
                label=period.label,
                volunteer_ids=[n.volunteer_id for n in await honour_roll(session, period)],
            ),
            subject=period.id,
            community=period.community_id,
        )
    await session.commit()
    return period


async def colleagues(session: AsyncSession, period: Period, volunteer_id: str) -> set[str]:
    """Volunteers who served with `volunteer_id` in the period: same activity or pairing."""
    start, end = _span(period)
    in_period = (
        col(CountedRecord.counts),
        col(CountedRecord.started_at) >= start,
        col(CountedRecord.started_at) <= end,
    )
    mine = select(CountedRecord.activity_id).where(
        col(CountedRecord.volunteer_id) == volunteer_id,
        col(CountedRecord.activity_id).is_not(None),
        *in_period,
    )
    together = await session.exec(
        select(CountedRecord.volunteer_id).where(
            col(CountedRecord.activity_id).in_(mine), *in_period
        )
    )
    my_pairings = select(PairingMembership.pairing_id).where(
        col(PairingMembership.volunteer_id) == volunteer_id
    )
    paired = await session.exec(
        select(PairingMembership.volunteer_id).where(
            col(PairingMembership.pairing_id).in_(my_pairings)
        )
    )
    return (set(together.all()) | set(paired.all())) - {volunteer_id}


async def review(
    session: AsyncSession,
    period: Period,
    reviewer: KnownVolunteer,
    reviewed_id: str,
    rating: int,
    comment: str,
) -> Review:
    """Rate a colleague, once per pair and period, only during the review window."""
    reviewed = await session.get(KnownVolunteer, reviewed_id)
    existing = await session.exec(
        select(Review).where(
            col(Review.period_id) == period.id,
            col(Review.reviewer_volunteer_id) == reviewer.id,
            col(Review.reviewed_volunteer_id) == reviewed_id,
        )
    )
    _refuse(
        rules.review_refusal(
            period.phase,
            period.community_id,
            _member(reviewer),
            _member(reviewed) if reviewed is not None else None,
            await colleagues(session, period, reviewer.id),
            existing.first() is not None,
        )
    )
    entry = Review(
        id=new_id(),
        period_id=period.id,
        reviewer_volunteer_id=reviewer.id,
        reviewed_volunteer_id=reviewed_id,
        rating=rating,
        comment=comment,
        created_at=clock.now(),
    )
    session.add(entry)
    add_event(
        session,
        ReviewSubmitted(
            period_id=period.id,
            community_id=period.community_id,
            reviewer_volunteer_id=reviewer.id,
            reviewed_volunteer_id=reviewed_id,
        ),
        subject=period.id,
        community=period.community_id,
    )
    await session.commit()
    return entry


async def score_parts(session: AsyncSession, period: Period) -> dict[str, ScoreParts]:
    """The score parts of every volunteer of the community with service in the period."""
    start, end = _span(period)
    rows = await session.exec(
        select(
            CountedRecord.volunteer_id,
            func.sum(CountedRecord.hours),
            func.count(func.distinct(CountedRecord.activity_id)),
        )
        .where(
            col(CountedRecord.community_id) == period.community_id,
            col(CountedRecord.counts),
            col(CountedRecord.started_at) >= start,
            col(CountedRecord.started_at) <= end,
        )
        .group_by(col(CountedRecord.volunteer_id))
    )
    service = {v: (float(h or 0), int(a or 0)) for v, h, a in rows.all()}
    ratings = await session.exec(
        select(Review.reviewed_volunteer_id, func.count(), func.avg(Review.rating))
        .where(col(Review.period_id) == period.id)
        .group_by(col(Review.reviewed_volunteer_id))
    )
    reviews = {v: (int(n), float(avg)) for v, n, avg in ratings.all()}
    complete = await complete_four_ones_months(session, period)
    return {
        volunteer: ScoreParts(
            hours=round(service.get(volunteer, (0.0, 0))[0], 2),
            activities=service.get(volunteer, (0.0, 0))[1],
            reviews=reviews.get(volunteer, (0, 0.0))[0],
            average_rating=round(reviews[volunteer][1], 2) if volunteer in reviews else None,
            four_ones_months=complete.get(volunteer, 0),
        )
        for volunteer in service.keys() | reviews.keys()
    }


async def complete_four_ones_months(session: AsyncSession, period: Period) -> dict[str, int]:
    """Per volunteer, how many months of the period had all four ones done."""
    first = f"{period.starts_on:%Y-%m}"
    last = f"{period.ends_on:%Y-%m}"
    rows = await session.exec(
        select(
            FourOnesMark.volunteer_id,
            FourOnesMark.month,
            func.count(func.distinct(FourOnesMark.tag)),
        )
        .where(
            col(FourOnesMark.community_id) == period.community_id,
            col(FourOnesMark.month) >= first,
            col(FourOnesMark.month) <= last,
        )
        .group_by(col(FourOnesMark.volunteer_id), col(FourOnesMark.month))
    )
    months: dict[str, int] = {}
    for volunteer_id, _month, tags in rows.all():
        if int(tags) == len(FOUR):
            months[volunteer_id] = months.get(volunteer_id, 0) + 1
    return months


async def nominate(
    session: AsyncSession, period: Period, volunteer_id: str, reason: str
) -> Nomination:
    """The community nominates a volunteer within its quota."""
    volunteer = await session.get(KnownVolunteer, volunteer_id)
    taken = await session.exec(
        select(func.count()).select_from(Nomination).where(col(Nomination.period_id) == period.id)
    )
    already = await session.exec(
        select(Nomination).where(
            col(Nomination.period_id) == period.id, col(Nomination.volunteer_id) == volunteer_id
        )
    )
    _refuse(
        rules.nomination_refusal(
            period.phase,
            period.community_id,
            _member(volunteer) if volunteer is not None else None,
            int(taken.one()),
            period.quota,
            already.first() is not None,
        )
    )
    parts = (await score_parts(session, period)).get(volunteer_id, ScoreParts(0.0, 0, 0, None))
    nomination = Nomination(
        id=new_id(),
        period_id=period.id,
        community_id=period.community_id,
        volunteer_id=volunteer_id,
        score=parts.total,
        reason=reason,
        status=NominationStatus.NOMINATED,
    )
    session.add(nomination)
    add_event(
        session,
        VolunteerNominated(
            nomination_id=nomination.id,
            period_id=period.id,
            community_id=period.community_id,
            volunteer_id=volunteer_id,
            score=parts.total,
        ),
        subject=period.id,
        community=period.community_id,
    )
    await session.commit()
    return nomination


async def decide(
    session: AsyncSession, period: Period, nomination: Nomination, approved: bool, reason: str
) -> Nomination:
    """The district approves or rejects a nomination, with a reason."""
    _refuse(rules.decision_refusal(period.phase, nomination.status.value))
    nomination.status = NominationStatus.APPROVED if approved else NominationStatus.REJECTED
    nomination.decision_reason = reason
    session.add(nomination)
    add_event(
        session,
        NominationDecided(
            nomination_id=nomination.id,
            period_id=period.id,
            community_id=period.community_id,
            volunteer_id=nomination.volunteer_id,
            approved=approved,
            reason=reason,
        ),
        subject=period.id,
        community=period.community_id,
    )
    await session.commit()
    return nomination


async def honour_roll(session: AsyncSession, period: Period) -> list[Nomination]:
    """The approved nominations, best score first."""
    rows = await session.exec(
        select(Nomination)
        .where(
            col(Nomination.period_id) == period.id,
            col(Nomination.status) == NominationStatus.APPROVED,
        )
        .order_by(col(Nomination.score).desc(), col(Nomination.volunteer_id))
    )
    return list(rows.all())


async def get_period(session: AsyncSession, principal: Principal, period_id: str) -> Period:
    """A period of a community the caller may see; 404 otherwise."""
    return visible(principal, await session.get(Period, period_id), messages.PERIOD_NOT_FOUND)
