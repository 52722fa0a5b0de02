"""Routes over pairings and their visits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel
from sqlalchemy import and_, not_
from sqlmodel import col, select

from activities import configuration, ledger, messages, pairings
from activities.api.deps import ORGANISERS, SettingsDep, own_volunteer
from activities.api.records import Reason, RecordPublic, actor_of, public_record
from activities.models import BeneficiaryCategory, Pairing, PairingKind, ServiceRecord
from shared.access import authorize, visible
from shared.auth import CurrentPrincipal, Principal
from shared.clock import now
from shared.deps import SessionDep
from shared.errors import Forbidden, NotFound
from shared.paging import Page, PageParams, paginate

router = APIRouter(tags=["pairings"])


class PairingPublic(BaseModel):
    """A pairing as the API shows it."""

    id: str
    community_id: str
    kind: PairingKind
    beneficiary_label: str
    beneficiary_category: BeneficiaryCategory
    volunteer_ids: list[str]
    cadence_days: int
    active: bool
    last_visit_at: datetime | None
    next_visit_due: datetime


def _public_with(pairing: Pairing, volunteer_ids: list[str]) -> PairingPublic:
    return PairingPublic(
        **pairing.model_dump(
            exclude={
                "beneficiary_account_id",
                "overdue_raised_for",
                "created_at",
                "next_visit_due_at",
            }
        ),
        volunteer_ids=volunteer_ids,
        next_visit_due=pairings.due_at(pairing),
    )


async def _public(session: SessionDep, pairing: Pairing) -> PairingPublic:
    return _public_with(pairing, await pairings.members(session, pairing.id))


async def _pairing(session: SessionDep, principal: Principal, pairing_id: str) -> Pairing:
    return visible(principal, await session.get(Pairing, pairing_id), messages.PAIRING_NOT_FOUND)


@router.post(
    "/communities/{community_id}/pairings",
    response_model=PairingPublic,
    status_code=status.HTTP_201_CREATED,
)
async def post_pairing(
    community_id: str,
    data: pairings.PairingCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> PairingPublic:
    """Pair volunteers with a beneficiary (一帮一, 多帮一)."""
    authorize(principal, community_id, *ORGANISERS)
    return await _public(session, await pairings.create_pairing(session, community_id, data))


@router.get("/communities/{community_id}/pairings", response_model=Page[PairingPublic])
async def list_pairings(
    community_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    active: Annotated[bool, Query(description="false lists the ended ones")] = True,
    overdue: Annotated[
        bool | None, Query(description="true: active and past its next visit's due date")
    ] = None,
    category: BeneficiaryCategory | None = None,
) -> Page[PairingPublic]:
    """The community's pairings, oldest first."""
    authorize(principal, community_id, *ORGANISERS)
    query = select(Pairing).where(
        col(Pairing.community_id) == community_id, col(Pairing.active).is_(active)
    )
    if category is not None:
        query = query.where(col(Pairing.beneficiary_category) == category)
    if overdue is not None:
        late = and_(col(Pairing.active), col(Pairing.next_visit_due_at) < now())
        query = query.where(late if overdue else not_(late))
    page = await paginate(
        session, query, order=[col(Pairing.created_at), col(Pairing.id)], paging=paging
    )
    return await public_page(session, page)


async def public_page(session: SessionDep, page: Page[Any]) -> Page[PairingPublic]:
    """A page of pairings with their volunteers, read in one query."""
    volunteers = await pairings.members_of(session, [p.id for p in page.items])
    return Page[PairingPublic](
        items=[_public_with(p, volunteers.get(p.id, [])) for p in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
    )


@router.post(
    "/pairings/{pairing_id}/visits",
    response_model=RecordPublic,
    status_code=status.HTTP_201_CREATED,
)
async def post_visit(
    pairing_id: str,
    data: pairings.VisitCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> RecordPublic:
    """Record a visit (an organiser, or the visiting volunteer themself); pending until confirmed."""
    pairing = await _pairing(session, principal, pairing_id)
    if principal.role not in ORGANISERS:
        volunteer = await own_volunteer(session, principal)
        if volunteer.id != data.volunteer_id:
            raise Forbidden(messages.OWN_VISITS_ONLY)
    record_id = await pairings.record_visit(
        session,
        await configuration.rules_in_force(session, settings),
        pairing,
        data,
        principal.subject,
    )
    record = await session.get(ServiceRecord, record_id)
    assert record is not None
    return public_record(record)


@router.post("/pairings/{pairing_id}/visits/{record_id}/confirm", response_model=RecordPublic)
async def confirm_visit(
    pairing_id: str, record_id: str, principal: CurrentPrincipal, session: SessionDep
) -> RecordPublic:
    """The beneficiary (their own account), or a worker on their behalf, confirms a visit.

    Four eyes as at `/records/{id}/confirm`: not the visiting volunteer, not whoever
    recorded the visit (unless a district admin).
    """
    pairing = await _pairing(session, principal, pairing_id)
    record = await session.get(ServiceRecord, record_id)
    if record is None or record.pairing_id != pairing.id:
        raise NotFound(messages.VISIT_NOT_FOUND)
    is_beneficiary = (
        pairing.beneficiary_account_id is not None
        and pairing.beneficiary_account_id == principal.subject
    )
    if not is_beneficiary:
        authorize(principal, pairing.community_id, *ORGANISERS)
    return public_record(await ledger.confirm(session, record, actor_of(principal)))


@router.post("/pairings/{pairing_id}/end", response_model=PairingPublic)
async def end(
    pairing_id: str, body: Reason, principal: CurrentPrincipal, session: SessionDep
) -> PairingPublic:
    """End the pairing."""
    pairing = await _pairing(session, principal, pairing_id)
    authorize(principal, pairing.community_id, *ORGANISERS)
    return await _public(session, await pairings.end_pairing(session, pairing, body.reason))
