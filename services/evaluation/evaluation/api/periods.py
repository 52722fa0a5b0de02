"""Routes over periods, peer review, the ranking, nominations and the honour roll."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, StrictBool
from sqlmodel import col, select

from evaluation import messages, periods
from evaluation.api.deps import own_volunteer
from evaluation.models import KnownVolunteer, Nomination, Period, Phase, Review
from evaluation.names import SubjectKeysDep, names_of
from evaluation.ranked import ranked_page
from shared.access import authorize, visible
from shared.auth import CurrentPrincipal, Role
from shared.deps import SessionDep
from shared.errors import NotFound
from shared.paging import Page, PageParams, paginate
from shared.types import Day, Id, Input, Integer

router = APIRouter(tags=["periods"])


class PeriodCreate(Input):
    """Input of `POST /communities/{id}/periods`."""

    label: str = Field(min_length=2, max_length=20, description="e.g. 2026H1")
    starts_on: Day
    ends_on: Day
    quota: Integer = Field(ge=1, le=100, description="how many the community may nominate")


class ReviewCreate(Input):
    """Input of `POST /periods/{id}/reviews`."""

    reviewed_volunteer_id: Id
    rating: Integer = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)


class Nominate(Input):
    """Input of `POST /periods/{id}/nominations`."""

    volunteer_id: Id
    reason: str = Field(min_length=2, max_length=500)


class Decision(Input):
    """Input of the district's decision on a nomination."""

    approved: StrictBool
    reason: str = Field(min_length=2, max_length=500)


class RankingEntry(BaseModel):
    """A volunteer's score for the period and each of its parts."""

    volunteer_id: str
    volunteer_number: str | None
    score: float
    hours: float
    activities: int
    reviews: int
    average_rating: float | None
    rating_points: float
    four_ones_months: int


class ReviewAggregate(BaseModel):
    """What the reviewed person sees: how many reviewed them and the average."""

    reviews: int
    average_rating: float | None


class RollEntry(BaseModel):
    """A commended volunteer on the public honour roll."""

    volunteer_id: str
    volunteer_number: str | None
    name: str | None  # None once the person asked for erasure
    score: float


@router.post(
    "/communities/{community_id}/periods",
    response_model=Period,
    status_code=status.HTTP_201_CREATED,
)
async def post_period(
    community_id: str, body: PeriodCreate, principal: CurrentPrincipal, session: SessionDep
) -> Period:
    """Open a half-year period for the community."""
    authorize(principal, community_id, Role.COMMUNITY_ADMIN)
    return await periods.open_period(
        session, community_id, body.label, body.starts_on, body.ends_on, body.quota
    )


@router.post("/periods/{period_id}/advance", response_model=Period)
async def advance(period_id: str, principal: CurrentPrincipal, session: SessionDep) -> Period:
    """Next phase: the community admin up to district review; the district admin publishes."""
    period = await periods.get_period(session, principal, period_id)
    if period.phase == Phase.DISTRICT_REVIEW:
        authorize(principal, period.community_id)  # the district's step
    else:
        authorize(principal, period.community_id, Role.COMMUNITY_ADMIN)
    return await periods.advance(session, period)


@router.post(
    "/periods/{period_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=Review,
)
async def post_review(
    period_id: str, body: ReviewCreate, principal: CurrentPrincipal, session: SessionDep
) -> Review:
    """A volunteer rates a colleague they served with in the period."""
    period = await periods.get_period(session, principal, period_id)
    reviewer = await own_volunteer(session, principal)
    return await periods.review(
        session, period, reviewer, body.reviewed_volunteer_id, body.rating, body.comment
    )


@router.get("/periods/{period_id}/reviews/me", response_model=ReviewAggregate)
async def my_reviews(
    period_id: str, principal: CurrentPrincipal, session: SessionDep
) -> ReviewAggregate:
    """How the caller was reviewed: only the count and the average, never who said what."""
    period = await periods.get_period(session, principal, period_id)
    me = await own_volunteer(session, principal)
    ratings = (
        await session.exec(
            select(Review.rating).where(
                col(Review.period_id) == period.id, col(Review.reviewed_volunteer_id) == me.id
            )
        )
    ).all()
    return ReviewAggregate(
        reviews=len(ratings),
        average_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
    )


@router.get("/periods/{period_id}/reviews", response_model=Page[Review])
async def all_reviews(
    period_id: str, principal: CurrentPrincipal, session: SessionDep, paging: PageParams
) -> Page[Review]:
    """Every review of the period, oldest first (admins)."""
    period = await periods.get_period(session, principal, period_id)
    authorize(principal, period.community_id, Role.COMMUNITY_ADMIN)
    return await paginate(
        session,
        select(Review).where(col(Review.period_id) == period.id),
        order=[col(Review.id)],
        paging=paging,
    )


@router.get("/periods/{period_id}/ranking", response_model=Page[RankingEntry])
async def ranking(
    period_id: str, principal: CurrentPrincipal, session: SessionDep, paging: PageParams
) -> Page[RankingEntry]:
    """The community's ranking for the period, best score first (ties by volunteer id),
    each score with its parts (admins)."""
    period = await periods.get_period(session, principal, period_id)
    authorize(principal, period.community_id, Role.COMMUNITY_ADMIN)
    parts = await periods.score_parts(session, period)
    numbers = {
        v.id: v.volunteer_number
        for v in (
            await session.exec(
                select(KnownVolunteer).where(col(KnownVolunteer.id).in_(list(parts)))
            )
        ).all()
    }
    entries = [
        RankingEntry(
            volunteer_id=volunteer,
            volunteer_number=numbers.get(volunteer),
            score=p.total,
            hours=p.hours,
            activities=p.activities,
            reviews=p.reviews,
            average_rating=p.average_rating,
            rating_points=p.rating_points,
            four_ones_months=p.four_ones_months,
        )
        for volunteer, p in parts.items()
    ]
    return ranked_page(entries, lambda e: (e.score, e.volunteer_id), paging)


@router.post(
    "/periods/{period_id}/nominations",
    response_model=Nomination,
    status_code=status.HTTP_201_CREATED,
)
async def nominate(
    period_id: str, body: Nominate, principal: CurrentPrincipal, session: SessionDep
) -> Nomination:
    """The community nominates a volunteer, within its quota, with a reason."""
    period = await periods.get_period(session, principal, period_id)
    authorize(principal, period.community_id, Role.COMMUNITY_ADMIN)
    return await periods.nominate(session, period, body.volunteer_id, body.reason)


@router.post("/nominations/{nomination_id}/decision", response_model=Nomination)
async def decide(
    nomination_id: str, body: Decision, principal: CurrentPrincipal, session: SessionDep
) -> Nomination:
    """The district approves or rejects a nomination, with a reason."""
    nomination = visible(
        principal, await session.get(Nomination, nomination_id), messages.NOMINATION_NOT_FOUND
    )
    authorize(principal, nomination.community_id)  # the district decides
    period = await periods.get_period(session, principal, nomination.period_id)
    return await periods.decide(session, period, nomination, body.approved, body.reason)


@router.get("/periods/{period_id}/honour-roll", response_model=Page[RollEntry], tags=["public"])
async def honour_roll(
    period_id: str, session: SessionDep, keys: SubjectKeysDep, paging: PageParams
) -> Page[RollEntry]:
    """Public once published: the commended volunteers of the period, best score first
    (ties by volunteer id)."""
    period = await session.get(Period, period_id)
    if period is None or period.phase != Phase.PUBLISHED:
        raise NotFound(messages.HONOUR_ROLL_NOT_PUBLISHED)
    page = ranked_page(
        await periods.honour_roll(session, period), lambda n: (n.score, n.volunteer_id), paging
    )
    known = {
        v.id: v
        for v in (
            await session.exec(
                select(KnownVolunteer).where(
                    col(KnownVolunteer.id).in_([n.volunteer_id for n in page.items])
                )
            )
        ).all()
    }
    # Only this page's names are opened from their seals.
    names = await names_of(keys, known.values())
    return Page[RollEntry](
        items=[
            RollEntry(
                volunteer_id=n.volunteer_id,
                volunteer_number=known[n.volunteer_id].volunteer_number
                if n.volunteer_id in known
                else None,
                name=names.get(n.volunteer_id),
                score=n.score,
            )
            for n in page.items
        ],
        total=page.total,
        next_cursor=page.next_cursor,
    )
