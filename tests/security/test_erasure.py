"""Erasure leaves nothing behind (docs/decisions/0011-erasure-across-services.md).

A volunteer who has been through everything (service records, a pairing, peer
reviews, a certificate, e-mail and SMS deliveries, webhook deliveries) is erased
through the registry's HTTP API. Then every text of every column of every table of
the four services' PostgreSQL databases, every Redis key under the deployment's
namespace (streams, hashes, whatever is there) and every log line are searched for
the person's name, phone number and e-mail address: nothing may be found outside
EXCEPTIONS. A rebuild of evaluation from the streams then finds no name either, and
equals what the live consumer built.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jwt
import pytest
from redis import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from evaluation.handlers import handlers as evaluation_handlers
from shared.auth import Role
from shared.contracts.registry import VolunteerErased, VolunteerRegistered
from shared.db import Database
from shared.events.envelope import Envelope
from shared.events.replay import replay
from shared.ids import new_id
from shared.migrations import upgrade_to_head
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.registry.conftest import application, national_id
from tests.security.conftest import SERVICES, System, eventually
from tests.security.world import _ok

#: Where the person's data may stay after erasure, and why (decision 0011).
EXCEPTIONS = {
    ("evaluation", "certificate", "name"): (
        "a certificate already issued keeps the name it printed, as a paper one would "
        "(decision 0005); it is a record the law requires the district to keep"
    ),
}
ERASED_TYPE = "org.linli.registry.volunteer_erased.v1"


@dataclass(frozen=True)
class Person:
    """What identifies the person to be erased, unique to this run."""

    name: str
    phone: str
    email: str

    def needles(self) -> dict[str, list[str]]:
        """Each datum and the forms it may take in text (JSON escapes the name)."""
        escaped = json.dumps(self.name)[1:-1]  # \\uXXXX, lowercase hex
        return {
            "name": [self.name, escaped, escaped.upper().replace("\\U", "\\u")],
            "phone": [self.phone],
            "email": [self.email.lower()],
        }


@dataclass(frozen=True)
class Hit:
    """A place where one of the person's data was found."""

    service: str  # a service, or "redis" or "log"
    where: str  # table, key or logger
    part: str  # column, field or level
    datum: str  # name, phone or email

    @property
    def place(self) -> tuple[str, str, str]:
        return (self.service, self.where, self.part)


def _found(value: str, person: Person) -> list[str]:
    lowered = value.lower()
    return [
        datum
        for datum, forms in person.needles().items()
        if any(form.lower() in lowered for form in forms)
    ]


def _new_person() -> Person:
    rng = random.Random(uuid.uuid4().int)
    given = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(3))
    return Person(
        name=f"欧阳{given}",
        phone=f"13{rng.randrange(10**9):09d}",
        email=f"erase.{uuid.uuid4().hex[:10]}@example.org",
    )


# -- searching ----------------------------------------------------------------------------


def _database_url(system: System, service: str) -> str:
    return str(system.apps[service].state.runtime.db.url)


async def _search_database(url: str, service: str, person: Person) -> list[Hit]:
    """Every column of every table, cast to text, searched row by row."""
    engine = create_async_engine(url)
    hits: set[Hit] = set()
    try:
        async with engine.connect() as connection:
            columns = (
                await connection.execute(
                    text(
                        "SELECT table_name, column_name FROM information_schema.columns "
                        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
                    )
                )
            ).all()
            tables: dict[str, list[str]] = {}
            for table, column in columns:
                tables.setdefault(table, []).append(column)
            for table, names in tables.items():
                listed = ", ".join(f'"{name}"::text' for name in names)
                # Names from the catalogue, quoted: no input reaches this statement.
                query = text(f'SELECT {listed} FROM "{table}"')  # noqa: S608
                rows = (await connection.execute(query)).all()
                for row in rows:
                    for column, value in zip(names, row, strict=True):
                        if value is not None:
                            hits.update(
                                Hit(service, table, column, datum)
                                for datum in _found(value, person)
                            )
    finally:
        await engine.dispose()
    return sorted(hits, key=lambda hit: (hit.place, hit.datum))


def _search_databases(system: System, person: Person) -> list[Hit]:
    async def search_all() -> list[Hit]:
        found: list[Hit] = []
        for service in SERVICES:
            found += await _search_database(_database_url(system, service), service, person)
        return found

    return asyncio.run(search_all())


def _redis_values(redis: Redis, key: bytes) -> list[tuple[str, bytes]]:
    """Every value of a key, whatever its type, with what part of the key it is."""
    kind = redis.type(key).decode()
    if kind == "string":
        return [("value", redis.get(key) or b"")]
    if kind == "hash":
        return [
            (f"field {k.decode(errors='replace')}", k + b"=" + v)
            for k, v in redis.hgetall(key).items()
        ]
    if kind == "list":
        return [("item", item) for item in redis.lrange(key, 0, -1)]
    if kind == "set":
        return [("member", item) for item in redis.smembers(key)]
    if kind == "zset":
        return [("member", item) for item in redis.zrange(key, 0, -1)]
    if kind == "stream":
        return [
            (f"entry field {field.decode()}", field + b"=" + value)
            for _, fields in redis.xrange(key)
            for field, value in fields.items()
        ]
    raise AssertionError(f"a Redis key of a type this search does not read: {key!r} ({kind})")


def _search_redis(redis: Redis, namespace: str, person: Person) -> list[Hit]:
    hits: set[Hit] = set()
    for key in redis.scan_iter(match=f"{namespace}*"):
        name = key.decode()[len(namespace) :]
        for part, value in _redis_values(redis, key):
            hits.update(
                Hit("redis", name, part.split(" ", 2)[0] if part.startswith("field") else part, d)
                for d in _found(value.decode(errors="replace"), person)
            )
    return sorted(hits, key=lambda hit: (hit.place, hit.datum))


def _search_logs(records: list[logging.LogRecord], person: Person) -> list[Hit]:
    hits: set[Hit] = set()
    for record in records:
        line = record.getMessage() + (record.exc_text or "")
        hits.update(Hit("log", record.name, record.levelname, d) for d in _found(line, person))
    return sorted(hits, key=lambda hit: (hit.place, hit.datum))


def _outside_exceptions(hits: list[Hit]) -> list[Hit]:
    return [hit for hit in hits if hit.place not in EXCEPTIONS]


# -- the person's life, through the four services' HTTP APIs --------------------------------


def _self_applied(
    system: System, community: str, admin: dict[str, str], form: dict[str, Any], username: str
) -> tuple[str, dict[str, str], str]:
    """A volunteer who applied themself and was approved: id, own headers, account id."""
    registry = system.clients["registry"]
    password = "a long passphrase"
    body = {**form, "community_id": community, "username": username, "password": password}
    volunteer = _ok(registry.post("/applications", json=body))["id"]
    _ok(registry.post(f"/volunteers/{volunteer}/approve", headers=admin), 200)
    login = _ok(
        registry.post("/auth/login", json={"username": username, "password": password}), 200
    )
    token = login["access_token"]
    account = jwt.decode(token, options={"verify_signature": False})["sub"]
    return volunteer, {"Authorization": f"Bearer {token}"}, account


def _live_a_full_life(system: System, person: Person) -> dict[str, Any]:
    """Register `person` and a colleague and take them through every service."""
    registry, activities = system.clients["registry"], system.clients["activities"]
    evaluation, notifications = system.clients["evaluation"], system.clients["notifications"]
    district = system.district
    tag = uuid.uuid4().hex[:6]
    street = _ok(registry.post("/streets", json={"name": f"抹除{tag}街道"}, headers=district))
    community = _ok(
        registry.post(
            "/communities",
            json={"name": f"抹除{tag}社区", "street_id": street["id"]},
            headers=district,
        )
    )["id"]
    admin = system.headers(Role.COMMUNITY_ADMIN, community, subject=new_id())
    confirmer = system.headers(Role.COMMUNITY_ADMIN, community, subject=new_id())  # four eyes

    # A webhook subscription sees every event of the community from the start.
    webhook = _ok(
        notifications.post(
            "/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "community_id": community},
            headers=admin,
        )
    )["id"]

    serials = random.Random(uuid.uuid4().int).sample(range(200_000, 2_000_000), 2)
    form = {
        **application(serials[0], name=person.name, phone=person.phone),
        "national_id": national_id(serials[0]),
        "skills": f"联系我：{person.email}",  # people write their contacts in free text
    }
    # Many people log in with their phone number.
    volunteer, as_person, account = _self_applied(system, community, admin, form, person.phone)
    colleague_form = {
        **application(serials[1]),
        "national_id": national_id(serials[1]),
    }
    colleague, as_colleague, _ = _self_applied(
        system, community, admin, colleague_form, f"colleague{tag}"
    )
    # A mistyped password leaves a failed-login record under the username.
    wrong = registry.post(
        "/auth/login", json={"username": person.phone, "password": "not it at all"}
    )
    assert wrong.status_code == 401, wrong.text

    _ok(
        notifications.put(
            "/me/preferences",
            json={
                "language": "zh",
                "email": person.email,
                "phone": person.phone,
                "channels": ["email", "sms"],
            },
            headers=as_person,
        ),
        200,
    )
    team = _ok(
        registry.post(
            f"/communities/{community}/teams",
            json={"name": f"抹除{tag}巡逻队", "service_area_code": "community_work"},
            headers=admin,
        )
    )["id"]
    for member in (volunteer, colleague):
        _ok(
            registry.post(f"/teams/{team}/members", json={"volunteer_id": member}, headers=admin),
            204,
        )

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    made: list[str] = []

    def record_made() -> bool:
        response = activities.post(
            f"/communities/{community}/records",
            json={
                "volunteer_id": volunteer,
                "kind": "good_deed",
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(hours=2)).isoformat(),
            },
            headers=admin,
        )
        if response.status_code == 201:
            made.append(response.json()["id"])
            return True
        assert response.status_code == 422, response.text
        return False

    eventually(record_made, "activities learns the volunteer", timeout=60)
    _ok(activities.post(f"/records/{made[0]}/confirm", headers=confirmer), 200)
    _ok(
        activities.post(
            f"/communities/{community}/pairings",
            json={
                "kind": "many_help_one",
                "beneficiary_label": "李爷爷",
                "beneficiary_category": "empty_nest_elder",
                "volunteer_ids": [volunteer, colleague],
                "cadence_days": 7,
            },
            headers=admin,
        )
    )

    today = date.today()
    period = _ok(
        evaluation.post(
            f"/communities/{community}/periods",
            json={
                "label": f"E{tag}",
                "starts_on": (today - timedelta(days=60)).isoformat(),
                "ends_on": (today + timedelta(days=60)).isoformat(),
                "quota": 3,
            },
            headers=admin,
        )
    )["id"]
    _ok(evaluation.post(f"/periods/{period}/advance", headers=admin), 200)  # peer review

    def reviewed(reviewer: dict[str, str], reviewed_id: str) -> bool:
        response = evaluation.post(
            f"/periods/{period}/reviews",
            json={"reviewed_volunteer_id": reviewed_id, "rating": 5, "comment": "认真负责"},
            headers=reviewer,
        )
        if response.status_code == 201:
            return True
        # Until evaluation has learnt the accounts and the pairing from events.
        assert response.status_code in (403, 422), response.text
        return False

    eventually(lambda: reviewed(as_colleague, volunteer), "the colleague reviews", timeout=60)
    eventually(lambda: reviewed(as_person, colleague), "the person reviews", timeout=60)
    _ok(evaluation.post(f"/periods/{period}/advance", headers=admin), 200)  # nomination
    _ok(
        evaluation.post(
            f"/periods/{period}/nominations",
            json={"volunteer_id": volunteer, "reason": "服务认真"},
            headers=admin,
        )
    )
    certificate: dict[str, Any] = {}

    def certificate_issued() -> bool:
        response = evaluation.post(
            f"/volunteers/{volunteer}/certificates",
            json={
                "date_from": (today - timedelta(days=30)).isoformat(),
                "date_to": today.isoformat(),
            },
            headers=admin,
        )
        if response.status_code == 201:
            certificate.update(response.json())
            return True
        assert response.status_code == 409, response.text  # the hours are on their way
        return False

    eventually(certificate_issued, "a certificate is issued", timeout=60)
    # The sealed name opened where it is printed.
    assert certificate["name"] == person.name
    return {
        "community": community,
        "admin": admin,
        "volunteer": volunteer,
        "account": account,
        "webhook": webhook,
    }


def _query(url: str, sql: str, **params: Any) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(text(sql), params)).all())
        finally:
            await engine.dispose()

    return asyncio.run(run())


# -- the test -------------------------------------------------------------------------------


def test_erasure_leaves_nothing_behind_in_any_service(
    system: System,
    redis_url: str,
    postgres_admin_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every line the services write, debug too
    person = _new_person()
    life = _live_a_full_life(system, person)
    notifications_db = _database_url(system, "notifications")

    def delivered_everywhere() -> bool:
        channels = _query(
            notifications_db,
            "SELECT channel, status FROM channel_delivery WHERE account_id = :account",
            account=life["account"],
        )
        webhooks = _query(
            notifications_db,
            "SELECT event_type FROM webhook_delivery WHERE subscription_id = :subscription",
            subscription=life["webhook"],
        )
        return {("email", "pending"), ("sms", "sent")} <= set(channels) and (
            "org.linli.registry.volunteer_registered.v1" in {t for (t,) in webhooks}
        )

    eventually(delivered_everywhere, "e-mail, SMS and webhook deliveries", timeout=60)

    redis = Redis.from_url(redis_url)
    try:
        # The search finds the person where they are, or its silence after proves nothing.
        before = {hit.place for hit in _search_databases(system, person)}
        assert {
            ("registry", "volunteer", "name"),
            ("registry", "volunteer", "phone"),
            ("registry", "volunteer", "skills"),
            ("registry", "account", "username"),
            ("registry", "login_throttle", "username"),
            ("evaluation", "certificate", "name"),
            ("notifications", "preference", "email"),
            ("notifications", "preference", "phone"),
            ("notifications", "channel_delivery", "address"),
        } <= before, before
        # The name travels sealed: no stream, dead letter or other key holds it readable.
        assert _search_redis(redis, system.namespace, person) == []

        erased = system.clients["registry"].delete(
            f"/volunteers/{life['volunteer']}/personal-data", headers=life["admin"]
        )
        assert erased.status_code == 200, erased.text
        event_id = _erased_event_id(redis, system.namespace, life["volunteer"])
        for service in ("activities", "evaluation", "notifications"):
            url = _database_url(system, service)
            eventually(
                lambda url=url: bool(
                    _query(url, "SELECT 1 FROM event_inbox WHERE event_id = :id", id=event_id)
                ),
                f"{service} handles volunteer_erased",
                timeout=60,
            )

        after = _search_databases(system, person) + _search_redis(redis, system.namespace, person)
        assert _outside_exceptions(after) == []
        # The exception is real (the certificate keeps its name), not an empty promise.
        assert {hit.place for hit in after} == set(EXCEPTIONS)
        # The services' lines reach the capture (a consumer logs each event it handles).
        assert any(r.name == "shared.events.consumer" for r in caplog.records), {
            r.name for r in caplog.records
        }
        assert _search_logs(caplog.records, person) == []

        rebuilt = asyncio.run(
            _rebuild_evaluation(
                postgres_admin_url, redis_url, system.namespace, life["volunteer"], person
            )
        )
        live = _query(
            _database_url(system, "evaluation"),
            "SELECT id, status, display_name, sealed_name, account_id, volunteer_number "
            "FROM known_volunteer WHERE id = :id",
            id=life["volunteer"],
        )
        assert rebuilt["row"] == [tuple(row) for row in live]
        assert rebuilt["hits"] == []
    finally:
        redis.close()


def _erased_event_id(redis: Redis, namespace: str, volunteer: str) -> str:
    found: list[str] = []

    def published() -> bool:
        for _, fields in redis.xrange(f"{namespace}registry.events"):
            if fields[b"type"].decode() == ERASED_TYPE and fields[b"subject"].decode() == volunteer:
                found.append(fields[b"id"].decode())
                return True
        return False

    eventually(published, "the registry publishes volunteer_erased", timeout=60)
    return found[0]


async def _rebuild_evaluation(
    admin_url: str, redis_url: str, namespace: str, volunteer: str, person: Person
) -> dict[str, Any]:
    """Evaluation rebuilt from the streams into an empty database: its row and hits."""
    from redis.asyncio import Redis as AsyncRedis

    from evaluation.app import DEFINITION

    url = await create_postgres_database(admin_url)
    db, redis = Database(url), AsyncRedis.from_url(redis_url)
    try:
        await asyncio.to_thread(upgrade_to_head, DEFINITION.migrations_dir, url)
        await replay(
            service="evaluation",
            db=db,
            redis=redis,
            handlers=evaluation_handlers,
            namespace=namespace,
        )
        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT id, status, display_name, sealed_name, account_id, "
                        "volunteer_number FROM known_volunteer WHERE id = :id"
                    ),
                    {"id": volunteer},
                )
            ).all()
        hits = await _search_database(url, "evaluation (rebuilt)", person)
    finally:
        await redis.aclose()
        await db.dispose()
        await drop_postgres_database(admin_url, url)
    return {"row": [tuple(row) for row in rows], "hits": hits}


def test_an_applicant_erased_before_approval_loses_their_contact_choices(system: System) -> None:
    # Notifications never learnt this person as a recipient: only the account in
    # volunteer_erased tells it whose preferences to drop.
    registry, notifications = system.clients["registry"], system.clients["notifications"]
    district = system.district
    tag = uuid.uuid4().hex[:6]
    street = _ok(registry.post("/streets", json={"name": f"申请{tag}街道"}, headers=district))
    community = _ok(
        registry.post(
            "/communities",
            json={"name": f"申请{tag}社区", "street_id": street["id"]},
            headers=district,
        )
    )["id"]
    admin = system.headers(Role.COMMUNITY_ADMIN, community, subject=new_id())
    person = _new_person()
    serial = random.Random(uuid.uuid4().int).randrange(2_000_000, 3_000_000)
    password = "a long passphrase"
    applied = _ok(
        registry.post(
            "/applications",
            json={
                **application(serial, name=person.name, phone=person.phone),
                "national_id": national_id(serial),
                "community_id": community,
                "username": f"applicant{tag}",
                "password": password,
            },
        )
    )["id"]
    login = _ok(
        registry.post("/auth/login", json={"username": f"applicant{tag}", "password": password}),
        200,
    )
    as_applicant = {"Authorization": f"Bearer {login['access_token']}"}
    _ok(
        notifications.put(
            "/me/preferences",
            json={"email": person.email, "phone": person.phone, "channels": ["email", "sms"]},
            headers=as_applicant,
        ),
        200,
    )
    account = jwt.decode(login["access_token"], options={"verify_signature": False})["sub"]
    url = _database_url(system, "notifications")
    assert _query(url, "SELECT 1 FROM preference WHERE account_id = :a", a=account)

    _ok(registry.delete(f"/volunteers/{applied}/personal-data", headers=admin), 200)
    eventually(
        lambda: not _query(url, "SELECT 1 FROM preference WHERE account_id = :a", a=account),
        "notifications drops the applicant's preferences",
        timeout=60,
    )
    assert _search_database_sync(url, "notifications", person) == []


def test_a_plain_name_from_before_sealing_leaves_the_webhook_bodies_on_erasure(
    system: System, redis_url: str
) -> None:
    # Entries appended before decision 0011 carry display_name in plain; the stream keeps
    # them (the decision's one-off rewrite), but what notifications queued from them goes.
    registry, notifications = system.clients["registry"], system.clients["notifications"]
    tag = uuid.uuid4().hex[:6]
    street = _ok(
        registry.post("/streets", json={"name": f"旧名{tag}街道"}, headers=system.district)
    )
    community = _ok(
        registry.post(
            "/communities",
            json={"name": f"旧名{tag}社区", "street_id": street["id"]},
            headers=system.district,
        )
    )["id"]
    admin = system.headers(Role.COMMUNITY_ADMIN, community, subject=new_id())
    webhook = _ok(
        notifications.post(
            "/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "community_id": community},
            headers=admin,
        )
    )["id"]
    person, volunteer = _new_person(), new_id()
    old = VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number=f"1101{random.Random(uuid.uuid4().int).randrange(10**11):011d}",
        community_id=community,
        service_area_codes=["community_work"],
        party_member=False,
        category="resident",
        registered_on=date.today(),
        display_name=person.name,
    )
    erased = VolunteerErased(volunteer_id=volunteer, community_id=community)
    stream = f"{system.namespace}registry.events"
    url = _database_url(system, "notifications")
    redis = Redis.from_url(redis_url)
    try:
        redis.xadd(stream, Envelope.wrap(old, subject=volunteer, community=community).to_fields())
        eventually(
            lambda: bool(_search_database_sync(url, "notifications", person)),
            "the plain name reaches a webhook body",
            timeout=60,
        )
        envelope = Envelope.wrap(erased, subject=volunteer, community=community)
        redis.xadd(stream, envelope.to_fields())
        eventually(
            lambda: bool(
                _query(url, "SELECT 1 FROM event_inbox WHERE event_id = :id", id=envelope.id)
            ),
            "notifications handles volunteer_erased",
            timeout=60,
        )
    finally:
        redis.close()
    assert _search_database_sync(url, "notifications", person) == []
    [(body,)] = _query(
        url,
        "SELECT body FROM webhook_delivery WHERE subscription_id = :s AND event_type = :t",
        s=webhook,
        t=VolunteerRegistered.event_type,
    )
    # The rest of the body is the event as it was.
    assert json.loads(body)["data"] == {**old.model_dump(mode="json"), "display_name": None}


def _search_database_sync(url: str, service: str, person: Person) -> list[Hit]:
    return asyncio.run(_search_database(url, service, person))
