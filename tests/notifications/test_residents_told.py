"""Residents and beneficiaries are told: activities' HTTP API stages the request and
pairing events with whom to tell, Redis carries them, notifications' handlers put the
entry in the resident's own inbox (and on their channels), and the beneficiary's entry
carries the call that confirms the visit. Events written before the new fields change
nothing and fail nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlmodel import select

from activities.models import KnownTeam
from activities.settings import Settings as ActivitiesSettings
from notifications.app import create_app
from notifications.models import ChannelDelivery, InboxEntry
from notifications.settings import Settings
from shared.auth import Role, generate_keypair
from shared.contracts.activities import (
    PairingCreated,
    RequestAssigned,
    RequestClosed,
    RequestResolved,
    VisitRecorded,
)
from shared.contracts.base import EventPayload
from shared.events.deadletters import dead_letter_stream
from shared.events.envelope import Envelope
from tests.activities.conftest import Activities, eventually, running
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.notifications.conftest import Inbox, subject_of


@dataclass
class World:
    """Activities and notifications on one stream namespace, trusting the same keys."""

    activities: Activities
    notifications: FastAPI
    inbox_client: httpx.AsyncClient
    smtp: Inbox

    def resident(self, account: str, community: str = "c1") -> dict[str, str]:
        return self.activities.headers(Role.RESIDENT, community, subject=account)

    async def inbox(self, headers: dict[str, str]) -> list[dict[str, Any]]:
        response = await self.inbox_client.get("/inbox", headers=headers)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def inbox_holds(self, headers: dict[str, str], count: int) -> list[dict[str, Any]]:
        """The inbox once it holds `count` entries (newest first)."""
        seen: list[dict[str, Any]] = []

        async def enough() -> bool:
            nonlocal seen
            seen = await self.inbox(headers)
            return len(seen) >= count

        await eventually(enough)
        return seen

    async def entries(self) -> list[InboxEntry]:
        async with self.notifications.state.runtime.db.session() as session:
            return list((await session.exec(select(InboxEntry))).all())


@pytest.fixture
async def world(
    tmp_path: Path,
    redis_url: str,
    redis: Redis,
    namespace: str,
    database_url: str,
    smtp: tuple[Inbox, int],
    request: pytest.FixtureRequest,
) -> AsyncIterator[World]:
    private_pem, public_pem = generate_keypair()
    # Both services on the kind of database `database_url` is (a database each).
    admin_url = ""
    activities_url = f"sqlite+aiosqlite:///{tmp_path / 'activities.db'}"
    if database_url.startswith("postgresql"):
        admin_url = request.getfixturevalue("postgres_admin_url")
        activities_url = await create_postgres_database(admin_url)
    handler, port = smtp
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        consume_block_ms=100,
        jwt_public_key=public_pem,
        smtp_port=port,
        channel_interval_seconds=0.1,
        sms_outbox_file=tmp_path / "sms.jsonl",
    )
    app = create_app(settings)
    activities_settings = ActivitiesSettings(
        database_url=activities_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        jwt_public_key=public_pem,
        relay_poll_ms=50,
        consume_block_ms=100,
    )
    try:
        async with (
            running(activities_settings, redis, (private_pem, public_pem)) as activities,
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://notifications"
            ) as client,
        ):
            yield World(activities, app, client, handler)
    finally:
        if admin_url:
            await drop_postgres_database(admin_url, activities_url)


async def test_a_resident_is_told_when_their_request_is_assigned_resolved_or_closed(
    world: World,
) -> None:
    service = world.activities
    [helper] = await service.volunteers("c1", 1)
    async with service.app.state.runtime.db.session() as session:
        session.add(KnownTeam(id="team-h", community_id="c1", service_area_code="healthcare"))
        await session.commit()
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    resident = world.resident("resident-1")
    neighbour = world.resident("resident-2")
    # The resident reads English and chose e-mail as well as the inbox.
    chosen = await world.inbox_client.put(
        "/me/preferences",
        json={"language": "en", "email": "resident@example.org", "channels": ["email"]},
        headers=resident,
    )
    assert chosen.status_code == 200, chosen.text

    # Filed, and routed at once to the community's healthcare team.
    opened = await service.client.post(
        "/communities/c1/requests",
        json={"category": "medical_care", "description": "需要陪同就医"},
        headers=resident,
    )
    assert opened.status_code == 201, opened.text
    request_id = opened.json()["id"]
    [routed] = await world.inbox_holds(resident, 1)
    assert routed["title"] == "Request assigned"
    assert routed["body"] == (
        "Your medical care request was assigned to a volunteer team of your community."
    )
    assert routed["event_type"] == "org.linli.activities.request_assigned.v1"
    assert routed["action"] is None

    # Given to one volunteer: the resident learns that, not who.
    assigned = await service.client.post(
        f"/requests/{request_id}/assign", json={"volunteer_id": helper.id}, headers=admin
    )
    assert assigned.status_code == 200, assigned.text
    given, _ = await world.inbox_holds(resident, 2)
    assert given["body"] == "Your medical care request was assigned to a volunteer."
    private = [helper.id, helper.volunteer_number, helper.account_id, "team-h"]
    assert not any(value and value in given["body"] for value in private)

    resolved = await service.client.post(
        f"/requests/{request_id}/resolve",
        json={"resolution": "已陪同去社区医院"},
        headers=service.as_volunteer(helper),
    )
    assert resolved.status_code == 200, resolved.text
    done = (await world.inbox_holds(resident, 3))[0]
    assert done["title"] == "Request resolved"
    assert done["body"] == (
        "Your medical care request was resolved; its progress is under your requests."
    )

    # Another request, closed without resolution: the reason reaches the resident.
    other = await service.client.post(
        "/communities/c1/requests",
        json={"category": "telecom", "description": "家里宽带故障"},
        headers=resident,
    )
    assert other.status_code == 201, other.text
    closed = await service.client.post(
        f"/requests/{other.json()['id']}/close",
        json={"reason": "已转交运营商处理"},
        headers=admin,
    )
    assert closed.status_code == 200, closed.text
    last = (await world.inbox_holds(resident, 4))[0]
    assert (last["title"], last["body"]) == (
        "Request closed",
        "Your request was closed: 已转交运营商处理",
    )
    assert [n["title"] for n in await world.inbox(resident)] == [
        "Request closed",
        "Request resolved",
        "Request assigned",
        "Request assigned",
    ]

    # Each went out by e-mail too, once, in the resident's language.
    async def mailed() -> bool:
        return len(world.smtp.messages) >= 4

    await eventually(mailed)
    assert sorted(subject_of(m) for m in world.smtp.messages) == [
        "Request assigned",
        "Request assigned",
        "Request closed",
        "Request resolved",
    ]
    assert {m["To"] for m in world.smtp.messages} == {"resident@example.org"}
    # A neighbour of the same community hears nothing of it; a Chinese reader reads Chinese.
    assert await world.inbox(neighbour) == []
    chinese = await world.inbox_client.put(
        "/me/preferences", json={"language": "zh"}, headers=resident
    )
    assert chinese.status_code == 200, chinese.text
    titles = [(n["title"], n["body"]) for n in await world.inbox(resident)]
    assert titles[0] == ("诉求已关闭", "您的诉求已关闭：已转交运营商处理")
    assert titles[-1] == ("诉求已分派", "您的医疗诉求已交由社区志愿服务队处理。")


async def test_the_beneficiary_is_asked_to_confirm_a_visit_and_confirms_it_from_the_entry(
    world: World,
) -> None:
    service = world.activities
    [visitor] = await service.volunteers("c1", 1)
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    beneficiary = world.resident("elder-1")
    paired = await service.client.post(
        "/communities/c1/pairings",
        json={
            "kind": "one_helps_one",
            "beneficiary_label": "王奶奶",
            "beneficiary_category": "empty_nest_elder",
            "beneficiary_account_id": "elder-1",
            "volunteer_ids": [visitor.id],
            "cadence_days": 7,
        },
        headers=admin,
    )
    assert paired.status_code == 201, paired.text
    pairing_id = paired.json()["id"]
    [told] = await world.inbox_holds(beneficiary, 1)
    assert (told["title"], told["body"]) == (
        "结对帮扶",
        "社区已为您安排结对志愿者，约每 7 天上门走访一次。",
    )

    visited = datetime.now(UTC) - timedelta(hours=3)
    visit = await service.client.post(
        f"/pairings/{pairing_id}/visits",
        json={
            "volunteer_id": visitor.id,
            "started_at": visited.isoformat(),
            "ended_at": (visited + timedelta(hours=1)).isoformat(),
        },
        headers=service.as_volunteer(visitor),
    )
    assert visit.status_code == 201, visit.text
    record_id = visit.json()["id"]
    asked = (await world.inbox_holds(beneficiary, 2))[0]
    assert asked["title"] == "请确认走访"
    assert asked["body"] == f"志愿者于 {visited:%Y-%m-%d} 上门走访，请确认这次走访。"
    assert asked["event_type"] == "org.linli.activities.visit_recorded.v1"
    assert asked["action"] == {
        "service": "activities",
        "method": "POST",
        "path": f"/pairings/{pairing_id}/visits/{record_id}/confirm",
    }

    # The call the entry names is the one that confirms, and only for the beneficiary.
    stranger = await service.client.post(asked["action"]["path"], headers=world.resident("elder-2"))
    assert stranger.status_code == 403, stranger.text
    elsewhere = await service.client.post(
        asked["action"]["path"], headers=world.resident("elder-1", community="c2")
    )
    assert elsewhere.status_code == 404, elsewhere.text
    confirmed = await service.client.post(asked["action"]["path"], headers=beneficiary)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    # The visiting volunteer is not asked (they are no beneficiary).
    assert await world.inbox(service.as_volunteer(visitor)) == []


def _old(payload: EventPayload, *missing: str) -> dict[str, str]:
    """The stream entry of `payload` as a producer before the new fields wrote it."""
    envelope = Envelope.wrap(payload, subject=None, community="c1")
    for name in missing:
        envelope.data.pop(name)
    fields: dict[str, str] = envelope.to_fields()
    return fields


async def test_events_written_before_the_new_fields_change_nothing_and_fail_nothing(
    world: World, redis: Redis, namespace: str
) -> None:
    now = datetime.now(UTC)
    old = [
        _old(
            RequestAssigned(
                request_id="r-old", community_id="c1", category="housekeeping", team_id="t-old"
            ),
            "resident_account_id",
        ),
        _old(
            RequestResolved(
                request_id="r-old", community_id="c1", category="housekeeping", resolved_at=now
            ),
            "resident_account_id",
        ),
        _old(
            RequestClosed(request_id="r-old2", community_id="c1", reason="撤回"),
            "resident_account_id",
        ),
        _old(
            PairingCreated(
                pairing_id="p-old",
                community_id="c1",
                kind="one_helps_one",
                beneficiary_category="empty_nest_elder",
                volunteer_ids=["v-old"],
                cadence_days=7,
            ),
            "beneficiary_account_id",
        ),
        _old(
            VisitRecorded(
                pairing_id="p-old",
                community_id="c1",
                record_id="rec-old",
                volunteer_id="v-old",
                visited_at=now,
            ),
            "beneficiary_account_id",
        ),
    ]
    for fields in old:
        assert "resident_account_id" not in fields["data"]
        assert "beneficiary_account_id" not in fields["data"]
        await redis.xadd(namespace + "activities.events", fields)  # type: ignore[arg-type]

    # Handled: the group read them all and none is pending or dead.
    async def handled() -> bool:
        groups = {g["name"]: g for g in await redis.xinfo_groups(namespace + "activities.events")}
        group = groups.get(b"notifications")
        newest = await redis.xrevrange(namespace + "activities.events", count=1) or []
        return (
            group is not None
            and not group["pending"]
            and bool(newest)
            and group["last-delivered-id"] == newest[0][0]
        )

    await eventually(handled)
    assert await redis.xlen(namespace + dead_letter_stream("notifications")) == 0
    # What an old assignment did before, it still does (its team is told); nothing else.
    entries = await world.entries()
    assert [(e.template, e.team_id, e.account_id) for e in entries] == [
        ("request_assigned", "t-old", None)
    ]
    async with world.notifications.state.runtime.db.session() as session:
        assert (await session.exec(select(ChannelDelivery))).all() == []
