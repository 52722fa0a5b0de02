"""Names published in plain before decision 0011 get sealed, or dropped for the erased."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

import orjson
from redis.asyncio import Redis
from sqlmodel import col, select

from registry.legacy_names import seal_plain_names
from shared.auth import Role
from shared.contracts.registry import VolunteerRegistered
from shared.events.envelope import Envelope
from shared.events.outbox import stream_of
from shared.events.shredding import SubjectKeys
from shared.events.tables import OutboxMessage
from tests.registry.conftest import Registry, application


def _plain(volunteer: str, community: str, name: str) -> Envelope:
    """A registration as the registry published it before names were sealed."""
    payload = VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number="110105260000001",
        community_id=community,
        service_area_codes=["elderly_care"],
        party_member=False,
        category="resident",
        registered_on=date(2026, 1, 5),
        display_name=name,
    )
    return Envelope.wrap(payload, subject=volunteer, community=community)


async def _drained_group(redis: Redis, key: str) -> None:
    await redis.xgroup_create(key, "evaluation", id="0")
    read = cast("list[Any]", await redis.xreadgroup("evaluation", "c1", {key: ">"}))
    await redis.xack(key, "evaluation", *[entry_id for entry_id, _ in read[0][1]])


async def test_plain_names_are_sealed_and_an_erased_persons_dropped(registry: Registry) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    ids = []
    for serial in (31, 32):
        applied = await registry.client.post(
            f"/communities/{community}/volunteers", json=application(serial), headers=admin
        )
        ids.append(applied.json()["id"])
    kept, erased = ids
    assert (
        await registry.client.delete(f"/volunteers/{erased}/personal-data", headers=admin)
    ).status_code == 200
    await registry.events()  # the relay has published what the requests staged
    key = registry.namespace + stream_of("registry")
    for volunteer, name in ((kept, "志愿者31"), (erased, "志愿者32")):
        await registry.redis.xadd(key, _plain(volunteer, community, name).to_fields())  # type: ignore[arg-type]
    kept_row = _plain(kept, community, "志愿者31")
    db = registry.app.state.runtime.db
    async with db.session() as session:
        session.add(
            OutboxMessage(
                event_id=kept_row.id,
                event_type=kept_row.type,
                stream=stream_of("registry"),
                fields=orjson.dumps(kept_row.to_fields()).decode(),
                created_at=datetime.now(UTC),
                sent_at=datetime.now(UTC),
            )
        )
        await session.commit()
    await _drained_group(registry.redis, key)
    before = [entry_id for entry_id, _ in await registry.redis.xrange(key)]

    keys = SubjectKeys(registry.redis, registry.namespace)
    report = await seal_plain_names(db, registry.redis, keys, registry.namespace)

    assert report.changed == 2
    entries = await registry.redis.xrange(key)
    assert [entry_id for entry_id, _ in entries] == before
    assert not any("志愿者3".encode() in value for _, f in entries for value in f.values())
    registrations = {
        data["volunteer_id"]: data
        for _, f in entries
        if f[b"type"] == VolunteerRegistered.event_type.encode()
        and (data := orjson.loads(f[b"data"]))["volunteer_id"] in ids
    }
    assert registrations[erased]["sealed_display_name"] is None
    assert await keys.open({kept: registrations[kept]["sealed_display_name"]}) == {kept: "志愿者31"}
    async with db.session() as session:
        [fields] = (
            await session.exec(
                select(OutboxMessage.fields).where(col(OutboxMessage.event_id) == kept_row.id)
            )
        ).all()
    assert "志愿者31" not in fields
    assert orjson.loads(orjson.loads(fields)["data"])["sealed_display_name"] is not None
