"""E-mail and SMS: each notification for a person goes out on the channels they chose.

A channel that fails is retried with back-off on its own and never holds up another
channel or another person. Quiet hours hold a message until they end. SMS goes through
a provider interface; the default provider appends JSON lines to a file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import aiosmtplib
import anyio
import orjson
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.domain.channels import ANNOUNCEMENT, chosen_channels
from notifications.models import ChannelDelivery, InboxEntry, Preference, Recipient, TeamMember
from notifications.templates import render
from shared import clock
from shared.db import Database, insert_new
from shared.ids import new_id

MAX_ATTEMPTS = 10
# An entry about a volunteer the registry has not announced yet is retried this long.
WAIT_FOR_RECIPIENT = timedelta(hours=1)


class SmsProvider(Protocol):
    """Sends one text message."""

    async def send(self, phone: str, text: str) -> None:
        """Send `text` to `phone`; raise on failure."""


class FileSmsProvider:
    """The default SMS provider: one JSON line per message in a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, phone: str, text: str) -> None:
        """Append the message to the file."""
        line = json.dumps(
            {"to": phone, "text": text, "at": clock.now().isoformat()}, ensure_ascii=False
        )
        await anyio.to_thread.run_sync(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")


class SmtpMailer:
    """Sends e-mail over SMTP."""

    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host, self.port, self.sender = host, port, sender

    async def send(self, to: str, subject: str, text: str) -> None:
        """Send one plain-text message."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        await aiosmtplib.send(message, hostname=self.host, port=self.port, timeout=10)


def quiet_until(preference: Preference, moment: datetime, zone: ZoneInfo) -> datetime | None:
    """When the person's quiet hours end, if `moment` falls inside them."""
    start, end = preference.quiet_from_hour, preference.quiet_to_hour
    if start is None or end is None or start == end:
        return None
    local = moment.astimezone(zone)
    inside = (
        (start <= local.hour < end) if start < end else (local.hour >= start or local.hour < end)
    )
    if not inside:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until.astimezone(UTC)


async def _audience(session: AsyncSession, entry: InboxEntry) -> list[Preference]:
    """Who, of those who chose a channel, an announcement's group entry reaches: the
    people of a role in a community, or a team's members."""
    with_channels = select(Preference).where(
        col(Preference.channels) != "", col(Preference.disabled).is_(False)
    )
    if entry.role is not None and entry.community_id is not None:
        query = with_channels.where(
            col(Preference.community_id) == entry.community_id,
            col(Preference.role) == entry.role,
        )
    elif entry.team_id is not None:
        members = select(Recipient.account_id).where(
            col(Recipient.volunteer_id).in_(
                select(TeamMember.volunteer_id).where(col(TeamMember.team_id) == entry.team_id)
            )
        )
        query = with_channels.where(col(Preference.account_id).in_(members))
    else:
        return []
    return list((await session.exec(query.order_by(col(Preference.account_id)))).all())


async def fan_out(session: AsyncSession, zone: ZoneInfo) -> int:
    """Create channel deliveries for new notifications to a person, and for announcements
    to a group (a role of a community, a team): `domain/channels.py`; returns how many."""
    personal = (col(InboxEntry.account_id).is_not(None)) | (
        col(InboxEntry.volunteer_id).is_not(None)
    )
    announced = (col(InboxEntry.event_type) == ANNOUNCEMENT) & (
        (col(InboxEntry.role).is_not(None)) | (col(InboxEntry.team_id).is_not(None))
    )
    entries = (
        await session.exec(
            select(InboxEntry)
            .where(col(InboxEntry.channels_done).is_(False), personal | announced)
            .limit(200)
        )
    ).all()
    created = 0
    now = clock.now()
    for entry in entries:
        if entry.account_id is None and entry.volunteer_id is None:
            people = await _audience(session, entry)
        else:
            account = entry.account_id
            if account is None and entry.volunteer_id is not None:
                recipient = await session.get(Recipient, entry.volunteer_id)
                account = recipient.account_id if recipient else None
                created_at = (
                    entry.created_at
                    if entry.created_at.tzinfo
                    else entry.created_at.replace(tzinfo=UTC)
                )
                if account is None and now - created_at < WAIT_FOR_RECIPIENT:
                    continue  # the registration may still be on its way
            preference = await session.get(Preference, account) if account else None
            people = [preference] if preference is not None and not preference.disabled else []
        entry.channels_done = True
        session.add(entry)
        params = orjson.loads(entry.params)
        rows = []
        for preference in people:
            subject, text = render(entry.template, preference.language, params, zone)
            rows += [
                {
                    "id": new_id(),
                    "entry_id": entry.id,
                    "account_id": preference.account_id,
                    "channel": channel,
                    "address": address,
                    "subject": subject,
                    "text": text,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": None,
                    "sent_at": None,
                }
                for channel, address in chosen_channels(
                    preference.channels, preference.email, preference.phone
                )
            ]
        # Once per entry, person and channel, whoever else fans the same entry out.
        created += len(
            await insert_new(
                session, ChannelDelivery, rows, key=["entry_id", "account_id", "channel"]
            )
        )
    await session.commit()
    return created


async def send_due(db: Database, mailer: SmtpMailer, sms: SmsProvider, zone: ZoneInfo) -> int:
    """Send the channel deliveries that are due; returns how many went out."""
    now = clock.now()
    async with db.session() as session:
        due = (
            await session.exec(
                select(ChannelDelivery)
                .where(
                    col(ChannelDelivery.status) == "pending",
                    col(ChannelDelivery.next_attempt_at) <= now,
                )
                .limit(100)
            )
        ).all()
        sent = 0
        for delivery in due:
            # Claim it first, so that another replica skips it.
            claim = await session.exec(
                update(ChannelDelivery)
                .where(
                    col(ChannelDelivery.id) == delivery.id,
                    col(ChannelDelivery.next_attempt_at) == delivery.next_attempt_at,
                )
                .values(next_attempt_at=now + timedelta(seconds=60))
            )
            await session.commit()
            if claim.rowcount != 1:
                continue
            await session.refresh(delivery)
            preference = await session.get(Preference, delivery.account_id)
            held = quiet_until(preference, now, zone) if preference else None
            if held is not None:
                delivery.next_attempt_at = held
                session.add(delivery)
                continue
            try:
                if delivery.channel == "email":
                    await mailer.send(delivery.address, delivery.subject, delivery.text)
                else:
                    await sms.send(delivery.address, f"【邻里】{delivery.subject}：{delivery.text}")
            except Exception as exc:  # one failing channel must not stop the others
                delivery.attempts += 1
                delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
                delivery.status = "dead" if delivery.attempts >= MAX_ATTEMPTS else "pending"
                delivery.next_attempt_at = now + timedelta(seconds=min(2**delivery.attempts, 3600))
            else:
                delivery.attempts += 1
                delivery.status = "sent"
                delivery.sent_at = clock.now()
                sent += 1
            session.add(delivery)
            # Commit each outcome: a crash after sending repeats at most this one message.
            await session.commit()
        await session.commit()
        return sent
