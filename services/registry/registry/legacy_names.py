"""Sealing the names that registrations published before decision 0011 carry in plain.

A one-off job for a maintenance window (`registry seal-plain-names`). Each plain
`display_name` in `registry.events` and in the outbox rows still kept is sealed under
its volunteer's key, or dropped for a person already erased (whose key is gone). The
stream is rewritten with every entry's id and every group's place kept
(shared.events.redaction), so consumers and rebuilds see the same events in the same
order, with the name sealed as if it had always been.
"""

from __future__ import annotations

from typing import Any

import orjson
from redis.asyncio import Redis
from sqlmodel import col, select

from registry.models import Volunteer
from shared.contracts.registry import VolunteerRegistered
from shared.db import Database
from shared.events.outbox import stream_of
from shared.events.redaction import RewriteReport, rewrite_stream
from shared.events.shredding import SubjectKeys
from shared.events.tables import OutboxMessage


class _Sealer:
    """Seals one registration's plain name, or drops it for an erased person."""

    def __init__(self, keys: SubjectKeys, erased: set[str]) -> None:
        self.keys = keys
        self.erased = erased

    async def data(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The registration's data with its name sealed; None when it has no plain name."""
        name = data.get("display_name")
        if name is None:
            return None
        volunteer = data["volunteer_id"]
        sealed = (
            None
            if volunteer in self.erased
            else (await self.keys.seal({volunteer: name})).get(volunteer)
        )
        return {**data, "display_name": None, "sealed_display_name": sealed}


async def _erased(db: Database) -> set[str]:
    async with db.session() as session:
        rows = await session.exec(select(Volunteer.id).where(col(Volunteer.erased_at).is_not(None)))
        return set(rows.all())


async def seal_plain_names(
    db: Database, redis: Redis, keys: SubjectKeys, namespace: str = ""
) -> RewriteReport:
    """Seal every plain name in the stream and the kept outbox rows; the stream must be drained."""
    sealer = _Sealer(keys, await _erased(db))

    async def in_entry(_entry_id: str, fields: dict[bytes, bytes]) -> dict[bytes, bytes] | None:
        if fields.get(b"type") != VolunteerRegistered.event_type.encode():
            return None
        data = await sealer.data(orjson.loads(fields[b"data"]))
        return None if data is None else {**fields, b"data": orjson.dumps(data)}

    report = await rewrite_stream(redis, namespace + stream_of("registry"), in_entry)
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.event_type) == VolunteerRegistered.event_type
            )
        )
        for row in rows.all():
            fields = orjson.loads(row.fields)
            data = await sealer.data(orjson.loads(fields["data"]))
            if data is not None:
                row.fields = orjson.dumps({**fields, "data": orjson.dumps(data).decode()}).decode()
                session.add(row)
        await session.commit()
    return report
