"""Pairings (结对帮扶): volunteers visiting a vulnerable resident on a cadence."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field, StrictBool, field_validator
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities import messages
from activities.ledger import NewRecord, Rules, record_service
from activities.messages import invalid
from activities.models import (
    BeneficiaryCategory,
    FourOnes,
    KnownVolunteer,
    Pairing,
    PairingKind,
    PairingMember,
    RecordSource,
    ServiceKind,
)
from activities.signups import aware
from shared.clock import now
from shared.contracts.activities import (
    PairingCreated,
    PairingEnded,
    PairingVisitOverdue,
    VisitRecorded,
)
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events.outbox import add_event
from shared.ids import new_id
from shared.messages import VOLUNTEER_NOT_FOUND
from shared.types import Id, Input, Integer, Timestamp


class _NewPairing(Input):
    beneficiary_label: str = Field(min_length=1, max_length=50, description="e.g. 王奶奶")
    beneficiary_category: BeneficiaryCategory
    beneficiary_account_id: Id | None = Field(default=None, description="lets them confirm visits")
    cadence_days: Integer = Field(ge=1, le=90)


class OneHelpsOne(_NewPairing):
    """Input of `POST /communities/{id}/pairings` for one helps one (一帮一)."""

    kind: Literal[PairingKind.ONE_HELPS_ONE]
    volunteer_ids: list[Id] = Field(min_length=1, max_length=1, description="the one volunteer")


class ManyHelpOne(_NewPairing):
    """Input of `POST /communities/{id}/pairings` for many help one (多帮一)."""

    kind: Literal[PairingKind.MANY_HELP_ONE]
    volunteer_ids: list[Id] = Field(
        min_length=2, max_length=20, json_schema_extra={"uniqueItems": True}
    )

    @field_validator("volunteer_ids")
    @classmethod
    def _different(cls, ids: list[Id]) -> list[Id]:
        if len(set(ids)) != len(ids):
            raise invalid(messages.MANY_HELP_ONE_DIFFERENT_VOLUNTEERS)
        return ids


# The kind decides how many volunteers are paired: the document says so (oneOf on kind).
PairingCreate = Annotated[OneHelpsOne | ManyHelpOne, Field(discriminator="kind")]


class VisitCreate(Input):
    """Input of `POST /pairings/{id}/visits`."""

    volunteer_id: Id
    started_at: Timestamp
    ended_at: Timestamp
    conversation: StrictBool = Field(
        default=True, description="counts as a conversation with residents"
    )


async def create_pairing(session: AsyncSession, community_id: str, data: PairingCreate) -> Pairing:
    """Pair registered volunteers of the community with a beneficiary."""
    ids = list(dict.fromkeys(data.volunteer_ids))
    for volunteer_id in ids:
        volunteer = await session.get(KnownVolunteer, volunteer_id)
        if volunteer is None or volunteer.community_id != community_id:
            # Another community's volunteer answers as an unknown one would.
            raise NotFound(messages.PAIRED_VOLUNTEER_NOT_FOUND, volunteer_id=volunteer_id)
        if volunteer.status != "registered":
            raise Unprocessable(
                messages.PAIRED_VOLUNTEER_NOT_REGISTERED,
                volunteer_id=volunteer_id,
                status=messages.standing(volunteer.status),
            )
    created = now()
    pairing = Pairing(
        id=new_id(),
        community_id=community_id,
        kind=data.kind,
        beneficiary_label=data.beneficiary_label,
        beneficiary_category=data.beneficiary_category,
        beneficiary_account_id=data.beneficiary_account_id,
        cadence_days=data.cadence_days,
        created_at=created,
        next_visit_due_at=created + timedelta(days=data.cadence_days),
    )
    session.add(pairing)
    session.add_all(PairingMember(pairing_id=pairing.id, volunteer_id=v) for v in ids)
    add_event(
        session,
        PairingCreated(
            pairing_id=pairing.id,
            community_id=community_id,
            kind=data.kind.value,
            beneficiary_category=data.beneficiary_category.value,
            volunteer_ids=ids,
            cadence_days=data.cadence_days,
            beneficiary_account_id=data.beneficiary_account_id,
        ),
        subject=pairing.id,
        community=community_id,
    )
    await session.commit()
    return pairing


async def members(session: AsyncSession, pairing_id: str) -> list[str]:
    """The pairing's volunteers."""
    rows = await session.exec(
        select(PairingMember.volunteer_id).where(col(PairingMember.pairing_id) == pairing_id)
    )
    return sorted(rows.all())


async def members_of(session: AsyncSession, pairing_ids: list[str]) -> dict[str, list[str]]:
    """The volunteers of each of these pairings."""
    found: dict[str, list[str]] = {}
    if not pairing_ids:
        return found
    rows = await session.exec(
        select(PairingMember).where(col(PairingMember.pairing_id).in_(pairing_ids))
    )
    for member in rows.all():
        found.setdefault(member.pairing_id, []).append(member.volunteer_id)
    return {pairing: sorted(ids) for pairing, ids in found.items()}


async def record_visit(
    session: AsyncSession, rules: Rules, pairing: Pairing, data: VisitCreate, by: str
) -> str:
    """Record a visit as a pending home-visit record; returns the record id."""
    if not pairing.active:
        raise Conflict(messages.PAIRING_ENDED)
    if data.volunteer_id not in await members(session, pairing.id):
        volunteer = await session.get(KnownVolunteer, data.volunteer_id)
        if volunteer is None or volunteer.community_id != pairing.community_id:
            # Another community's volunteer answers as an unknown one would.
            raise NotFound(VOLUNTEER_NOT_FOUND)
        raise Unprocessable(messages.NOT_IN_PAIRING)
    tags = (FourOnes.GOOD_DEED.value,) + (
        (FourOnes.CONVERSATION.value,) if data.conversation else ()
    )
    record = await record_service(
        session,
        rules,
        NewRecord(
            volunteer_id=data.volunteer_id,
            community_id=pairing.community_id,
            kind=ServiceKind.HOME_VISIT,
            source=RecordSource.MANUAL,
            started_at=data.started_at,
            ended_at=data.ended_at,
            recorded_by=by,
            tags=tags,
        ),
        commit=False,
    )
    record.pairing_id = pairing.id
    session.add(record)
    visited = data.started_at
    if pairing.last_visit_at is None or visited > aware(pairing.last_visit_at):
        pairing.last_visit_at = visited
        pairing.next_visit_due_at = next_due(pairing)
    session.add(pairing)
    add_event(
        session,
        VisitRecorded(
            pairing_id=pairing.id,
            community_id=pairing.community_id,
            record_id=record.id,
            volunteer_id=data.volunteer_id,
            visited_at=visited,
            beneficiary_account_id=pairing.beneficiary_account_id,
        ),
        subject=pairing.id,
        community=pairing.community_id,
    )
    await session.commit()
    return record.id


def next_due(pairing: Pairing) -> datetime:
    """When the next visit is due: the cadence after the last visit, or after the start."""
    last = pairing.last_visit_at or pairing.created_at
    return aware(last) + timedelta(days=pairing.cadence_days)


def due_at(pairing: Pairing) -> datetime:
    """When the next visit is due, as kept on the pairing."""
    return aware(pairing.next_visit_due_at)


async def raise_overdue(session: AsyncSession) -> int:
    """Raise PairingVisitOverdue for each pairing newly overdue; once per lapse."""
    moment = now()
    rows = await session.exec(
        select(Pairing).where(col(Pairing.active), col(Pairing.next_visit_due_at) < moment)
    )
    raised = 0
    for pairing in rows.all():
        due = due_at(pairing)
        already = pairing.overdue_raised_for
        if due >= moment or (already is not None and aware(already) == due):
            continue
        # Claim this lapse with a conditional UPDATE so that replicas checking at the
        # same moment cannot both raise it.
        previous = col(Pairing.overdue_raised_for)
        claim = await session.exec(
            update(Pairing)
            .where(col(Pairing.id) == pairing.id)
            .where(previous.is_(None) if already is None else previous == already)
            .values(overdue_raised_for=due)
        )
        if claim.rowcount != 1:
            continue
        add_event(
            session,
            PairingVisitOverdue(
                pairing_id=pairing.id,
                community_id=pairing.community_id,
                volunteer_ids=await members(session, pairing.id),
                due_at=due,
            ),
            subject=pairing.id,
            community=pairing.community_id,
        )
        raised += 1
    await session.commit()
    return raised


async def end_pairing(session: AsyncSession, pairing: Pairing, reason: str) -> Pairing:
    """End a pairing; no more visits are expected."""
    if not pairing.active:
        raise Conflict(messages.PAIRING_ALREADY_ENDED)
    pairing.active = False
    session.add(pairing)
    add_event(
        session,
        PairingEnded(pairing_id=pairing.id, community_id=pairing.community_id, reason=reason),
        subject=pairing.id,
        community=pairing.community_id,
    )
    await session.commit()
    return pairing
