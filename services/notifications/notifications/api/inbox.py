"""The in-app inbox: list, unread count, mark read, language preference."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Request, status
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, EmailStr, Field, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import func
from sqlmodel import col, select
from sse_starlette import EventSourceResponse

from notifications import inbox as inbox_
from notifications import messages, preferences
from notifications.inbox import addressed_to, unread
from notifications.models import InboxEntry, InboxRead, Preference
from notifications.templates import Action, action, render
from shared.auth import CurrentPrincipal
from shared.deps import SessionDep
from shared.messages import Message
from shared.paging import Page, PageParams, paginate
from shared.types import Input, Integer

router = APIRouter(tags=["inbox"])


class Notification(BaseModel):
    """One inbox entry, in the reader's language."""

    id: str
    title: str
    body: str
    event_type: str
    created_at: datetime
    read: bool
    action: Action | None = Field(
        default=None, description="the call the reader is asked to make, e.g. confirm a visit"
    )


class PreferenceUpdate(Input):
    """Input of `PUT /me/preferences`: the whole set of choices."""

    language: str = Field(default="zh", pattern=r"^(zh|en)$")
    email: EmailStr | None = None
    phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    channels: list[Literal["email", "sms"]] = Field(default_factory=list)
    # `false` is not an hour (lax validation read it as 0).
    quiet_from_hour: Integer | None = Field(default=None, ge=0, le=23)
    quiet_to_hour: Integer | None = Field(default=None, ge=0, le=23)

    @model_validator(mode="after")
    def _addresses(self) -> PreferenceUpdate:
        if "email" in self.channels and not self.email:
            raise _refused(messages.EMAIL_NEEDS_ADDRESS)
        if "sms" in self.channels and not self.phone:
            raise _refused(messages.SMS_NEEDS_PHONE)
        if (self.quiet_from_hour is None) != (self.quiet_to_hour is None):
            raise _refused(messages.QUIET_HOURS_NEED_BOTH)
        return self


def _refused(message: Message) -> PydanticCustomError:
    # Raised by its code, so the 422 says it in the caller's language.
    return PydanticCustomError(message.code, message.en)


def _zone(request: Request) -> ZoneInfo:
    """The district's time zone, in which the texts write their times."""
    zone: ZoneInfo = request.app.state.settings.zone
    return zone


@router.get("/inbox", response_model=Page[Notification])
async def inbox(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    unread_only: bool = False,
) -> Page[Notification]:
    """The caller's notifications, newest first."""
    preference = await session.get(Preference, principal.subject)
    language = preference.language if preference else "zh"
    zone = _zone(request)
    query = select(InboxEntry).where(addressed_to(principal))
    if unread_only:
        query = query.where(unread(principal))
    page = await paginate(
        session,
        query,
        order=[col(InboxEntry.created_at), col(InboxEntry.id)],
        paging=paging,
        descending=True,
    )
    entries: list[InboxEntry] = page.items
    read = set(
        (
            await session.exec(
                select(InboxRead.entry_id).where(
                    col(InboxRead.account_id) == principal.subject,
                    col(InboxRead.entry_id).in_([e.id for e in entries]),
                )
            )
        ).all()
    )
    items = []
    for entry in entries:
        params = orjson.loads(entry.params)
        title, body = render(entry.template, language, params, zone)
        items.append(
            Notification(
                id=entry.id,
                title=title,
                body=body,
                event_type=entry.event_type,
                created_at=entry.created_at,
                read=entry.id in read,
                action=action(entry.template, params),
            )
        )
    return Page[Notification](items=items, total=page.total, next_cursor=page.next_cursor)


@router.get("/inbox/unread-count")
async def unread_count(principal: CurrentPrincipal, session: SessionDep) -> dict[str, int]:
    """How many of the caller's notifications are unread."""
    count = await session.exec(
        select(func.count())
        .select_from(InboxEntry)
        .where(addressed_to(principal), unread(principal))
    )
    return {"unread": int(count.one())}


@router.post("/inbox/{entry_id}/read", status_code=status.HTTP_204_NO_CONTENT)
async def mark_read(entry_id: str, principal: CurrentPrincipal, session: SessionDep) -> None:
    """Mark one notification read (for the caller only)."""
    await inbox_.mark_read(session, principal, entry_id)


@router.put("/me/preferences", response_model=Preference)
async def set_preferences(
    body: PreferenceUpdate, principal: CurrentPrincipal, session: SessionDep
) -> Preference:
    """Choose the language of notifications, and e-mail or SMS beside the inbox (with
    quiet hours): personal notifications and announcements to the caller go out on them."""
    return await preferences.choose(
        session,
        principal,
        language=body.language,
        email=str(body.email) if body.email else None,
        phone=body.phone,
        channels=body.channels,
        quiet_from_hour=body.quiet_from_hour,
        quiet_to_hour=body.quiet_to_hour,
    )


POLL_SECONDS = 0.5


@router.get("/inbox/stream", response_class=EventSourceResponse)
async def live(request: Request, principal: CurrentPrincipal) -> EventSourceResponse:
    """New notifications as server-sent events, for an open page (resumes from Last-Event-ID)."""
    db = request.app.state.runtime.db
    async with db.session() as session:
        newest = (
            await session.exec(select(func.max(InboxEntry.id)).where(addressed_to(principal)))
        ).one()
    cursor: str = request.headers.get("last-event-id") or newest or ""
    zone = _zone(request)

    async def events() -> AsyncIterator[dict[str, str]]:
        nonlocal cursor
        while not await request.is_disconnected():
            async with db.session() as session:
                preference = await session.get(Preference, principal.subject)
                language = preference.language if preference else "zh"
                fresh = (
                    await session.exec(
                        select(InboxEntry)
                        .where(addressed_to(principal), col(InboxEntry.id) > cursor)
                        .order_by(col(InboxEntry.id))
                        .limit(100)
                    )
                ).all()
            for entry in fresh:
                params = orjson.loads(entry.params)
                title, body = render(entry.template, language, params, zone)
                found = action(entry.template, params)
                cursor = entry.id
                pushed = {"id": entry.id, "title": title, "body": body, "action": found}
                yield {
                    "id": entry.id,
                    "event": "notification",
                    # The same call the inbox offers (a visit to confirm), so a page that
                    # shows the pushed notification can offer it at once.
                    "data": orjson.dumps(jsonable_encoder(pushed)).decode(),
                }
            await asyncio.sleep(POLL_SECONDS)

    return EventSourceResponse(events(), ping=15)
