"""The audit trail's recording, through a real app on a real database and Redis.

A small service built with `create_service_app` (so it has the audit middleware and
`GET /audit` as every service has) whose routes change state in the ways the services
do: objects and events committed once, twice, a create, a bare upsert, a refusal after
staging, a rollback, a GET that writes. What the trail holds afterwards is read back
through `GET /audit` and, for the refusal of UPDATE and DELETE, through the migrations'
triggers on the registry's own schema.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, status
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Field, select

from shared import clock
from shared.app import create_service_app
from shared.audit.recording import StagedEvent, acted_on, leave_out_of_trail
from shared.audit.tables import AuditEntry
from shared.auth import CurrentPrincipal, Role, TokenIssuer, generate_keypair
from shared.contracts.registry import CommunityCreated
from shared.db import Database, upsert
from shared.deps import SessionDep
from shared.errors import Conflict
from shared.events.handlers import EventContext, HandlerRegistry
from shared.events.outbox import add_event
from shared.ids import new_id
from shared.messages import Message
from shared.migrations import upgrade_to_head
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import ServiceSettings
from tests.kit.support import (
    Effect,
    community_event,
    create_tables,
    effect_counts,
    eventually,
    xadd_events,
)
from tests.kit.support import (
    TestModel as KitTestModel,
)

REGISTRY_MIGRATIONS = Path(__file__).parents[2] / "services/registry/registry/migrations"
COMMUNITY = "01JCOMMVNITY0000000000000A"
OTHER_COMMUNITY = "01JCOMMVNITY0000000000000B"
ADDRESS = "203.0.113.7"
REFUSED = Message("audit_test_refused", "测试：拒绝", "test: refused")

router = APIRouter()


class Draft(KitTestModel, table=True):
    """A row made without an event, as a draft activity is."""

    __tablename__ = "test_audit_draft"

    id: str = Field(primary_key=True)


def _stage(session: SessionDep, subject: str, community: str | None = COMMUNITY) -> None:
    session.add(Effect(event_id=new_id(), name=subject, handled_by="audit-test"))
    add_event(
        session,
        CommunityCreated(community_id=subject, name="张三丰"),  # a name: must stay out
        subject=subject,
        community=community,
    )


@router.post("/things/{thing_id}/touch")
async def touch(thing_id: str, _principal: CurrentPrincipal, session: SessionDep) -> None:
    _stage(session, thing_id)
    await session.commit()


@router.post("/things", status_code=status.HTTP_201_CREATED)
async def create(body: dict[str, Any], _principal: CurrentPrincipal, session: SessionDep) -> str:
    created = new_id()
    _stage(session, created)
    await session.commit()
    return created


@router.post("/things/{thing_id}/drafts", status_code=status.HTTP_201_CREATED)
async def draft(thing_id: str, _principal: CurrentPrincipal, session: SessionDep) -> str:
    made = Draft(id=new_id())
    session.add(made)
    await session.flush()  # flushed before the commit: still named
    await session.commit()
    return made.id


@router.post("/things/{thing_id}/twice")
async def twice(thing_id: str, _principal: CurrentPrincipal, session: SessionDep) -> None:
    _stage(session, thing_id)
    await session.commit()
    _stage(session, thing_id, OTHER_COMMUNITY)
    await session.commit()


@router.post("/things/{thing_id}/refused")
async def refused(thing_id: str, _principal: CurrentPrincipal, session: SessionDep) -> None:
    _stage(session, thing_id)
    await session.flush()  # written, not committed: the refusal rolls it back
    raise Conflict(REFUSED)


@router.post("/things/{thing_id}/rolled-back")
async def rolled_back(thing_id: str, _principal: CurrentPrincipal, session: SessionDep) -> None:
    _stage(session, thing_id)
    await session.flush()
    await session.rollback()


@router.post("/things/{thing_id}/unchanged")
async def unchanged(thing_id: str, _principal: CurrentPrincipal, session: SessionDep) -> None:
    await session.exec(select(Effect))
    await session.commit()


@router.post("/things/{thing_id}/upserted")
async def upserted(thing_id: str, _principal: CurrentPrincipal, session: SessionDep) -> None:
    await upsert(
        session,
        Effect,
        {"id": 1_000_000 + len(thing_id), "event_id": thing_id, "name": "x", "handled_by": "u"},
        key=["id"],
    )
    await session.commit()


@router.post("/things/{thing_id}/left-out")
async def left_out(thing_id: str, _principal: CurrentPrincipal, session: SessionDep) -> None:
    _stage(session, thing_id)
    leave_out_of_trail(session.sync_session)
    await session.commit()


@router.post("/open/{thing_id}")
async def anonymous(thing_id: str, session: SessionDep) -> None:
    _stage(session, thing_id)
    await session.commit()


@router.get("/things/{thing_id}")
async def read(thing_id: str, _principal: CurrentPrincipal, session: SessionDep) -> None:
    _stage(session, thing_id)  # a GET that writes (none should) is still not a write request
    await session.commit()


@dataclass
class Service:
    app: FastAPI
    http: httpx.AsyncClient
    runtime: ServiceRuntime
    issuer: TokenIssuer
    redis: Redis
    namespace: str

    def headers(
        self, role: Role = Role.DISTRICT_ADMIN, community: str | None = None, subject: str = ""
    ) -> dict[str, str]:
        token = self.issuer.issue_access(subject or new_id(), role, community)
        return {"Authorization": f"Bearer {token}"}

    async def trail(self, **query: str) -> list[dict[str, Any]]:
        """Every entry `GET /audit` shows the district admin, newest first."""
        response = await self.http.get("/audit", params=query, headers=self.headers())
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


async def _record_effect(ctx: EventContext, event: CommunityCreated) -> None:
    ctx.session.add(Effect(event_id=ctx.envelope.id, name=event.name, handled_by="consumer"))


@contextlib.asynccontextmanager
async def audited_service(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> AsyncIterator[Service]:
    private_pem, public_pem = generate_keypair()
    handlers = HandlerRegistry()
    handlers.on(CommunityCreated)(_record_effect)
    settings = ServiceSettings(
        service_name="kit",
        database_url=database_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        migrate_on_start=False,
        consume_block_ms=100,
        log_json=False,
        jwt_public_key=public_pem,
    )
    definition = ServiceDefinition(
        name="kit",
        title="kit",
        description="the audit trail's test service",
        migrations_dir=Path("unused"),
        handlers=handlers,
    )
    app = create_service_app(definition, settings, routers=[router])
    runtime: ServiceRuntime = app.state.runtime
    await create_tables(runtime.db)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(ADDRESS, 40123))
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as http:
            yield Service(
                app,
                http,
                runtime,
                TokenIssuer(private_pem, issuer="linli-registry", audience="linli"),
                redis,
                namespace,
            )


@pytest.fixture
async def service(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> AsyncIterator[Service]:
    async with audited_service(database_url, redis_url, redis, namespace) as running:
        yield running


async def test_a_change_over_http_is_one_entry_with_who_what_where_and_the_correlation_id(
    service: Service,
) -> None:
    actor = new_id()
    answer = await service.http.post(
        "/things/T-1/touch",
        headers={
            **service.headers(Role.COMMUNITY_ADMIN, COMMUNITY, subject=actor),
            "X-Correlation-ID": "audit-corr-1",
        },
    )
    assert answer.status_code == 200, answer.text

    [entry] = await service.trail()
    assert entry["actor_id"] == actor
    assert entry["actor_role"] == "community_admin"
    assert entry["community_id"] == COMMUNITY
    assert entry["action"] == "POST /things/{thing_id}/touch"
    assert (entry["object_type"], entry["object_id"]) == ("thing", "T-1")
    assert entry["status_code"] == 200
    assert entry["address"] == ADDRESS
    assert entry["correlation_id"] == "audit-corr-1"
    assert entry["details"] == {
        "path": {"thing_id": "T-1"},
        "events": [{"type": "org.linli.registry.community_created.v1", "subject": "T-1"}],
    }
    # The payload (a name) and the body never reach the trail.
    assert "张三丰" not in answer.text + str(entry)


async def test_a_create_acts_on_what_it_created_and_answers_201(service: Service) -> None:
    answer = await service.http.post(
        "/things", json={"name": "李四", "phone": "13900000000"}, headers=service.headers()
    )
    assert answer.status_code == 201, answer.text

    [entry] = await service.trail()
    assert (entry["object_type"], entry["object_id"]) == ("thing", answer.json())
    assert entry["status_code"] == 201
    assert entry["actor_role"] == "district_admin"
    assert "李四" not in str(entry)
    assert "13900000000" not in str(entry)


async def test_a_create_without_an_event_acts_on_the_first_row_it_added(
    service: Service,
) -> None:
    answer = await service.http.post("/things/T-9/drafts", headers=service.headers())
    assert answer.status_code == 201, answer.text

    [entry] = await service.trail()
    assert (entry["object_type"], entry["object_id"]) == ("draft", answer.json())
    assert entry["details"] == {"path": {"thing_id": "T-9"}, "events": []}


async def test_each_committing_transaction_of_a_request_is_its_own_entry(
    service: Service,
) -> None:
    answer = await service.http.post("/things/T-2/twice", headers=service.headers())
    assert answer.status_code == 200, answer.text

    newest, first = await service.trail()
    assert {newest["community_id"], first["community_id"]} == {COMMUNITY, OTHER_COMMUNITY}
    assert newest["correlation_id"] == first["correlation_id"] is not None
    assert (newest["at"], newest["id"]) > (first["at"], first["id"])
    for entry in (newest, first):
        assert len(entry["details"]["events"]) == 1


async def test_a_refused_request_a_rollback_a_get_and_an_empty_commit_write_nothing(
    service: Service,
) -> None:
    refused = await service.http.post("/things/T-3/refused", headers=service.headers())
    assert refused.status_code == 409, refused.text
    rolled_back = await service.http.post("/things/T-3/rolled-back", headers=service.headers())
    assert rolled_back.status_code == 200, rolled_back.text
    read = await service.http.get("/things/T-3", headers=service.headers())
    assert read.status_code == 200, read.text
    unchanged = await service.http.post("/things/T-3/unchanged", headers=service.headers())
    assert unchanged.status_code == 200, unchanged.text
    left_out = await service.http.post("/things/T-3/left-out", headers=service.headers())
    assert left_out.status_code == 200, left_out.text
    forbidden = await service.http.post("/things/T-3/touch")
    assert forbidden.status_code == 401, forbidden.text

    # The GET and the left-out commit did change something: only the trail is silent.
    async with service.runtime.db.session() as session:
        made = (await session.exec(select(Effect).where(Effect.handled_by == "audit-test"))).all()
    assert len(made) == 2
    assert await service.trail() == []


async def test_a_bare_upsert_is_a_change(service: Service) -> None:
    answer = await service.http.post("/things/T-4/upserted", headers=service.headers())
    assert answer.status_code == 200, answer.text

    [entry] = await service.trail()
    assert entry["action"] == "POST /things/{thing_id}/upserted"
    assert entry["details"]["events"] == []
    assert entry["community_id"] is None  # a district admin, and no event to say where


async def test_an_anonymous_change_has_no_actor_and_the_event_s_community(
    service: Service,
) -> None:
    answer = await service.http.post("/open/T-5")
    assert answer.status_code == 200, answer.text

    [entry] = await service.trail()
    assert entry["actor_id"] is None
    assert entry["actor_role"] is None
    assert entry["community_id"] == COMMUNITY


async def test_an_event_handler_records_nothing(service: Service) -> None:
    envelope = community_event("handled")
    await xadd_events(service.redis, service.namespace, [envelope])

    async def handled() -> bool:
        """the consumer applied the event"""
        return envelope.id in await effect_counts(service.runtime.db)

    await eventually(handled, timeout=30)
    assert await service.trail() == []


async def test_the_trail_is_read_newest_first_a_page_at_a_time_and_filtered(
    service: Service,
) -> None:
    actor = new_id()
    for thing in ("P-1", "P-2", "P-3"):
        answer = await service.http.post(
            f"/things/{thing}/touch", headers=service.headers(subject=actor)
        )
        assert answer.status_code == 200, answer.text
    await service.http.post("/things/P-9/twice", headers=service.headers())

    first = await service.http.get(
        "/audit", params={"actor_id": actor, "limit": 2}, headers=service.headers()
    )
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["total"] == 3
    assert [e["object_id"] for e in page["items"]] == ["P-3", "P-2"]
    second = await service.http.get(
        "/audit",
        params={"actor_id": actor, "limit": 2, "cursor": page["next_cursor"]},
        headers=service.headers(),
    )
    assert [e["object_id"] for e in second.json()["items"]] == ["P-1"]
    assert second.json()["next_cursor"] is None

    assert [e["object_id"] for e in await service.trail(object_id="P-2")] == ["P-2"]
    twice = await service.trail(action="POST /things/{thing_id}/twice")
    assert [e["object_id"] for e in twice] == ["P-9", "P-9"]
    [other] = await service.trail(community_id=OTHER_COMMUNITY)
    assert other["object_id"] == "P-9"
    everything = await service.trail()
    oldest, newest = everything[-1]["at"], everything[0]["at"]
    assert [e["at"] for e in await service.trail(since=newest)] == [newest]
    assert len(await service.trail(until=oldest)) == 0
    assert len(await service.trail(since=oldest)) == 5


async def test_a_community_admin_reads_their_own_community_only(service: Service) -> None:
    await service.http.post("/things/C-1/twice", headers=service.headers())
    own = service.headers(Role.COMMUNITY_ADMIN, COMMUNITY)

    mine = await service.http.get("/audit", headers=own)
    assert mine.status_code == 200, mine.text
    assert [e["community_id"] for e in mine.json()["items"]] == [COMMUNITY]
    named = await service.http.get("/audit", params={"community_id": COMMUNITY}, headers=own)
    assert named.json()["items"] == mine.json()["items"]

    other = await service.http.get("/audit", params={"community_id": OTHER_COMMUNITY}, headers=own)
    unknown = await service.http.get("/audit", params={"community_id": new_id()}, headers=own)
    assert other.status_code == unknown.status_code == 404
    assert other.json()["code"] == unknown.json()["code"] == "community_not_found"
    for role in (Role.TEAM_LEADER, Role.VOLUNTEER, Role.RESIDENT):
        refused = await service.http.get("/audit", headers=service.headers(role, COMMUNITY))
        assert refused.status_code == 403, refused.text
    assert (await service.http.get("/audit")).status_code == 401


async def test_the_database_refuses_to_change_or_delete_an_entry(database_url: str) -> None:
    await _upgrade(database_url)
    database = Database(database_url)
    try:
        async with database.session() as session:
            session.add(
                AuditEntry(
                    id=new_id(),
                    at=clock.now(),
                    action="POST /streets",
                    details="{}",
                    status_code=201,
                )
            )
            await session.commit()
        for statement in (
            "UPDATE audit_entry SET action = 'POST /nothing'",
            "DELETE FROM audit_entry",
        ):
            async with database.session() as session:
                with pytest.raises(DBAPIError, match="append-only"):
                    await session.exec(text(statement))
        async with database.session() as session:
            [kept] = (await session.exec(select(AuditEntry))).all()
            assert kept.action == "POST /streets"
    finally:
        await database.dispose()


async def _upgrade(database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, REGISTRY_MIGRATIONS, database_url)


@pytest.mark.parametrize(
    ("method", "template", "status_code", "params", "expected"),
    [
        ("POST", "/activities/{activity_id}/publish", 200, {"activity_id": "A"}, ("activity", "A")),
        ("DELETE", "/teams/{team_id}/members/{volunteer_id}", 204, {"team_id": "T", "volunteer_id": "V"}, ("volunteer", "V")),
        ("POST", "/activities/{activity_id}/sign-ups", 201, {"activity_id": "A"}, ("sign_up", "S")),
        ("POST", "/communities", 201, {}, ("community", "S")),
        ("PUT", "/star-thresholds", 200, {}, ("star_threshold", "S")),
        ("POST", "/series/{series_id}/cancel", 200, {"series_id": "X"}, ("series", "X")),
        ("PATCH", "/me/volunteer", 200, {}, ("volunteer", "S")),
    ],
)  # fmt: skip
def test_the_object_acted_on_is_named_by_the_path_or_by_what_was_created(
    method: str,
    template: str,
    status_code: int,
    params: dict[str, str],
    expected: tuple[str, str],
) -> None:
    events = [StagedEvent("org.linli.x.y.v1", "S", None)]
    assert acted_on(method, template, status_code, params, events) == expected
    if not params:
        assert acted_on(method, template, status_code, params, []) == (None, None)


async def test_overlong_values_are_cut_to_fit_and_never_fail_the_change(
    service: Service,
) -> None:
    thing = "T" * 100
    answer = await service.http.post(
        f"/things/{thing}/touch",
        headers={
            **service.headers(Role.COMMUNITY_ADMIN, "c" * 40, subject="s" * 40),
            "X-Correlation-ID": "k" * 128,
        },
    )
    assert answer.status_code == 200, answer.text

    [entry] = await service.trail()
    assert entry["actor_id"] == "s" * 26
    assert entry["object_id"] == "T" * 64
    assert entry["correlation_id"] == "k" * 128
    assert entry["details"]["path"] == {"thing_id": thing}
