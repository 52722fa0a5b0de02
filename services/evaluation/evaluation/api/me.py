"""A volunteer's own figures: hours and star progress, certificates, whom to review."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field
from sqlmodel import col, select

from evaluation import certificates, periods
from evaluation.api.certificates import CertificateRequest
from evaluation.api.deps import own_volunteer
from evaluation.api.hours import Hours, hours_of
from evaluation.domain import periods as rules
from evaluation.models import Certificate, KnownVolunteer, Phase, Review, VolunteerLedger
from evaluation.names import SubjectKeysDep, names_of
from shared.auth import CurrentPrincipal
from shared.deps import SessionDep
from shared.paging import Page, PageParams, paginate
from shared.types import Timestamp

router = APIRouter(prefix="/me", tags=["me"])


@router.get("/hours", response_model=Hours)
async def my_hours(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
) -> Hours:
    """The caller's confirmed hours, star level and the hours still needed for the next."""
    me = await own_volunteer(session, principal)
    ledger = await session.get(VolunteerLedger, me.id)
    zone = request.app.state.settings.zone
    return await hours_of(session, me.id, me.community_id, ledger, since, until, zone)


@router.get("/certificates", response_model=Page[Certificate])
async def my_certificates(
    principal: CurrentPrincipal, session: SessionDep, paging: PageParams
) -> Page[Certificate]:
    """The caller's certificates, newest first."""
    me = await own_volunteer(session, principal)
    return await paginate(
        session,
        select(Certificate).where(col(Certificate.volunteer_id) == me.id),
        order=[col(Certificate.number)],
        paging=paging,
        descending=True,
    )


@router.post("/certificates", response_model=Certificate, status_code=status.HTTP_201_CREATED)
async def request_my_certificate(
    body: CertificateRequest,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    keys: SubjectKeysDep,
) -> Certificate:
    """Issue the caller a certificate of their confirmed hours in a date range."""
    me = await own_volunteer(session, principal)
    name = (await names_of(keys, [me])).get(me.id)
    settings = request.app.state.settings
    return await certificates.issue(
        session, me, name, body.date_from, body.date_to, settings.certificate_issuer, settings.zone
    )


class Colleague(BaseModel):
    """A colleague the caller served with in the period and has not reviewed yet."""

    volunteer_id: str
    volunteer_number: str | None
    name: str | None


class ReviewSheet(BaseModel):
    """The caller's peer review in a period: whom they may still rate, and how they fared."""

    period_id: str
    phase: Phase
    reviewing_open: bool = Field(description="whether reviews are taken now (peer review)")
    may_still_review: list[Colleague]
    reviews_given: int
    reviews_received: int
    average_rating: float | None = Field(description="of the reviews received; null if none")


@router.get("/periods/{period_id}/colleagues", response_model=ReviewSheet)
async def my_colleagues(
    period_id: str, principal: CurrentPrincipal, session: SessionDep, keys: SubjectKeysDep
) -> ReviewSheet:
    """The colleagues the caller may still review in the period, and their own count and
    average (never who said what)."""
    period = await periods.get_period(session, principal, period_id)
    me = await own_volunteer(session, principal)
    given = set(
        (
            await session.exec(
                select(Review.reviewed_volunteer_id).where(
                    col(Review.period_id) == period.id,
                    col(Review.reviewer_volunteer_id) == me.id,
                )
            )
        ).all()
    )
    ratings = (
        await session.exec(
            select(Review.rating).where(
                col(Review.period_id) == period.id, col(Review.reviewed_volunteer_id) == me.id
            )
        )
    ).all()
    served_with = await periods.colleagues(session, period, me.id)
    known = (
        await session.exec(
            select(KnownVolunteer)
            .where(
                col(KnownVolunteer.id).in_(sorted(served_with)),
                col(KnownVolunteer.status) != "erased",
            )
            .order_by(col(KnownVolunteer.volunteer_number), col(KnownVolunteer.id))
        )
    ).all()
    by_id = {v.id: v for v in known}
    member = rules.Member(id=me.id, community_id=me.community_id)
    still = rules.still_to_review(
        member,
        [rules.Member(id=v.id, community_id=v.community_id) for v in known],
        given,
        period.community_id,
    )
    open_ones = [by_id[m.id] for m in still]
    names = await names_of(keys, open_ones)
    return ReviewSheet(
        period_id=period.id,
        phase=period.phase,
        reviewing_open=rules.reviewing_open(period.phase, member, period.community_id),
        may_still_review=[
            Colleague(volunteer_id=v.id, volunteer_number=v.volunteer_number, name=names.get(v.id))
            for v in open_ones
        ],
        reviews_given=len(given),
        reviews_received=len(ratings),
        average_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
    )
