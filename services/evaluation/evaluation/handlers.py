"""Event handlers of the evaluation service: what it learns from registry and activities."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from evaluation import four_ones, ledger
from evaluation.models import KnownVolunteer, PairingMembership, VolunteerLedger
from evaluation.settings import Settings
from shared.contracts.activities import (
    PairingCreated,
    RequestResolved,
    ServiceConfirmed,
    ServiceCorrected,
    ServiceVoided,
)
from shared.contracts.registry import (
    VolunteerErased,
    VolunteerProfileChanged,
    VolunteerRegistered,
    VolunteerReinstated,
    VolunteerTransferred,
    VolunteerWithdrawn,
)
from shared.db import upsert, upsert_many
from shared.events.handlers import BatchContext, EventContext, HandlerRegistry
from shared.projections.communities import register_community_handlers

handlers = HandlerRegistry()
register_community_handlers(handlers)


def replay_key(event_type: str, data: Mapping[str, Any]) -> str:
    """What the rows an event touches belong to, for a rebuild in parallel shares.

    A volunteer's records, ledger, marks and profile; a pairing's members; a
    community's projection. No handler here reads another key's rows, so shares keep
    each key's events in order and need nothing from one another.
    """
    for field in ("volunteer_id", "credited_volunteer_id", "pairing_id", "community_id"):
        if value := data.get(field):
            return f"{field}:{value}"
    return event_type


async def _count(ctx: EventContext, event: ServiceConfirmed | ServiceCorrected) -> None:
    await ledger.count(ctx.session, event)
    await ledger.settle(ctx.session, event.volunteer_id, event.community_id)
    await four_ones.mark(ctx.session, [_shown(event)])


def _shown(event: ServiceConfirmed | ServiceCorrected) -> four_ones.Shown:
    """What a counted record shows of the four ones, in the month it was served."""
    return four_ones.Shown(
        volunteer_id=event.volunteer_id,
        community_id=event.community_id,
        month=four_ones.month_of(event.started_at, _zone()),
        tags=event.tags,
        source_id=event.record_id,
    )


@cache
def _zone() -> ZoneInfo:
    return Settings().zone


@handlers.on_batch(ServiceConfirmed)
async def service_confirmed(batch: BatchContext) -> None:
    # The busiest event by far (every confirmed record): a run of them is a few
    # statements, not a few per event; a rebuild replays mostly these.
    await ledger.count_confirmed(batch)
    await four_ones.mark(batch.session, [_shown(item.payload) for item in batch.items])


@handlers.on(ServiceCorrected)
async def service_corrected(ctx: EventContext, event: ServiceCorrected) -> None:
    # The corrected entry replaces the old one: the old hours stop counting.
    await ledger.stop_counting(ctx.session, event.corrects_record_id)
    await four_ones.unmark(ctx.session, event.corrects_record_id)
    await _count(ctx, event)


@handlers.on(ServiceVoided)
async def service_voided(ctx: EventContext, event: ServiceVoided) -> None:
    if not event.was_confirmed:
        return  # a pending record never counted
    await ledger.stop_counting(ctx.session, event.record_id)
    await four_ones.unmark(ctx.session, event.record_id)
    await ledger.settle(ctx.session, event.volunteer_id, event.community_id)


@handlers.on(RequestResolved)
async def request_resolved(ctx: EventContext, event: RequestResolved) -> None:
    if event.credited_volunteer_id is None:
        return
    await four_ones.mark(
        ctx.session,
        [
            four_ones.Shown(
                volunteer_id=event.credited_volunteer_id,
                community_id=event.community_id,
                month=four_ones.month_of(event.resolved_at, _zone()),
                tags=["problem_solved"],
                source_id=event.request_id,
            )
        ],
    )


@handlers.on_batch(VolunteerRegistered)
async def volunteer_registered(batch: BatchContext) -> None:
    await upsert_many(
        batch.session,
        KnownVolunteer,
        [
            {
                "id": item.payload.volunteer_id,
                "community_id": item.payload.community_id,
                "volunteer_number": item.payload.volunteer_number,
                "account_id": item.payload.account_id,
                "party_member": item.payload.party_member,
                "status": "registered",
                "display_name": item.payload.display_name,
                "sealed_name": item.payload.sealed_display_name,
                "national_id_masked": item.payload.national_id_masked,
            }
            for item in batch.items
        ],
        key=["id"],
    )


@handlers.on(VolunteerErased)
async def volunteer_erased(ctx: EventContext, event: VolunteerErased) -> None:
    # Hours and certificates already issued stay; the name goes (decisions 0005, 0011),
    # and so does the account link, the last thing tying the ledger to a person.
    volunteer = await ctx.session.get(KnownVolunteer, event.volunteer_id)
    if volunteer is not None:
        volunteer.display_name = None
        volunteer.sealed_name = None
        volunteer.national_id_masked = None
        volunteer.account_id = None
        volunteer.status = "erased"
        ctx.session.add(volunteer)


@handlers.on(VolunteerWithdrawn)
async def volunteer_withdrawn(ctx: EventContext, event: VolunteerWithdrawn) -> None:
    # No longer one of the community's volunteers (its star chart, its party members'
    # four ones); their hours, ledger and certificates stay theirs.
    volunteer = await ctx.session.get(KnownVolunteer, event.volunteer_id)
    if volunteer is not None and volunteer.status != "erased":
        volunteer.status = "withdrawn"
        ctx.session.add(volunteer)


@handlers.on(VolunteerReinstated)
async def volunteer_reinstated(ctx: EventContext, event: VolunteerReinstated) -> None:
    # Back after withdrawing (a suspension never changed the status here).
    volunteer = await ctx.session.get(KnownVolunteer, event.volunteer_id)
    if volunteer is not None and volunteer.status == "withdrawn":
        volunteer.status = "registered"
        ctx.session.add(volunteer)


@handlers.on(VolunteerTransferred)
async def volunteer_transferred(ctx: EventContext, event: VolunteerTransferred) -> None:
    # The person, their ledger and star go with them: their own reads and the new
    # community's admins see them. The hours stay counted where they were served (each
    # counted record keeps its community), so no community's figures change.
    volunteer = await ctx.session.get(KnownVolunteer, event.volunteer_id)
    if volunteer is not None:
        volunteer.community_id = event.to_community_id
        if event.account_id is not None:
            volunteer.account_id = event.account_id
        ctx.session.add(volunteer)
    ledger = await ctx.session.get(VolunteerLedger, event.volunteer_id)
    if ledger is not None:
        ledger.community_id = event.to_community_id
        ctx.session.add(ledger)


@handlers.on(VolunteerProfileChanged)
async def volunteer_profile_changed(ctx: EventContext, event: VolunteerProfileChanged) -> None:
    volunteer = await ctx.session.get(KnownVolunteer, event.volunteer_id)
    if volunteer is not None:
        volunteer.party_member = event.party_member
        ctx.session.add(volunteer)


@handlers.on(PairingCreated)
async def pairing_created(ctx: EventContext, event: PairingCreated) -> None:
    for volunteer_id in event.volunteer_ids:
        await upsert(
            ctx.session,
            PairingMembership,
            {"pairing_id": event.pairing_id, "volunteer_id": volunteer_id},
            key=["pairing_id", "volunteer_id"],
        )
