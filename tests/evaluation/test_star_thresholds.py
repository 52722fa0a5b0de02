"""Star thresholds the district sets: read and written over HTTP, used by every star
rule, and each change announced with who made it."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlmodel import select, update

from evaluation.app import DEFINITION
from evaluation.cli import rebuild_into
from evaluation.models import StarThresholdSetting, VolunteerLedger
from shared.auth import Role
from shared.db import Database
from shared.migrations import upgrade_to_head
from tests.evaluation.conftest import Evaluation, registered, served, settle

URL = "/configuration/star-thresholds"
REGIONAL = [50, 150, 300, 500, 800]


async def published(evaluation: Evaluation, event_type: str) -> list[dict[str, Any]]:
    entries = cast(
        "list[tuple[bytes, dict[bytes, bytes]]]",
        await evaluation.redis.xrange(evaluation.namespace + "evaluation.events"),
    )
    return [
        json.loads(fields[b"data"])
        for _, fields in entries
        if fields[b"type"] == f"org.linli.evaluation.{event_type}.v1".encode()
    ]


async def wait_published(
    evaluation: Evaluation, event_type: str, count: int
) -> list[dict[str, Any]]:
    """The events of a type once `count` of them reached the stream (the relay sends them)."""
    for _ in range(200):
        found = await published(evaluation, event_type)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} {event_type} published")


async def test_the_district_sets_thresholds_and_every_level_follows_with_an_audit(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish("registry.events", [registered(v, "c1") for v in ("v1", "v2", "v3")])
    await evaluation.publish(
        "activities.events",
        [served("v1", "c1", "a", 160), served("v2", "c1", "a", 20), served("v3", "c1", "a", 310)],
    )
    await settle(evaluation)
    district = evaluation.headers(Role.DISTRICT_ADMIN, None, subject="district-officer")
    national = await evaluation.client.get(URL, headers=evaluation.volunteer("v1", "c1"))
    assert national.json() == {
        "thresholds": [100, 300, 600, 1000, 1500],
        "national": True,
        "changed_by": None,
        "changed_at": None,
    }
    before = await wait_published(evaluation, "star_reached", 3)  # v1: 1; v3: 1 and 2

    changed = await evaluation.client.put(URL, json={"thresholds": REGIONAL}, headers=district)
    assert changed.status_code == 200, changed.text
    assert changed.json()["thresholds"] == REGIONAL
    assert (changed.json()["national"], changed.json()["changed_by"]) == (False, "district-officer")
    assert (await evaluation.client.get(URL, headers=district)).json() == changed.json()

    # Every level follows at once: v1 160 h is now level 2, v3 310 h level 3.
    mine = (
        await evaluation.client.get("/me/hours", headers=evaluation.volunteer("v1", "c1"))
    ).json()
    assert (mine["star_level"], mine["next_star_at_hours"], mine["hours_to_next_star"]) == (
        2,
        300,
        140,
    )
    assert mine["thresholds"] == REGIONAL
    stars = await evaluation.client.get(
        "/communities/c1/stars", headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    )
    assert {r["level"]: r["volunteers"] for r in stars.json()} == {
        0: 1,
        1: 0,
        2: 1,
        3: 1,
        4: 0,
        5: 0,
    }

    # Levels reached for the first time are announced, by the thresholds that gave them.
    reached = await wait_published(evaluation, "star_reached", len(before) + 2)
    new = [(e["volunteer_id"], e["level"], e["threshold_hours"]) for e in reached[len(before) :]]
    assert sorted(new) == [("v1", 2, 150), ("v3", 3, 300)]
    audit = await wait_published(evaluation, "star_thresholds_changed", 1)
    assert audit[0]["thresholds"] == REGIONAL
    assert audit[0]["previous"] == [100, 300, 600, 1000, 1500]
    assert audit[0]["changed_by"] == "district-officer"
    assert datetime.fromisoformat(audit[0]["changed_at"]) == datetime.fromisoformat(
        changed.json()["changed_at"]
    )
    assert audit[0]["levels_changed"] == 2

    # A confirmation afterwards counts by the district's thresholds: v2 reaches 50 h.
    await evaluation.publish("activities.events", [served("v2", "c1", "b", 30, day=1)])
    await settle(evaluation)
    reached = await wait_published(evaluation, "star_reached", len(before) + 3)
    assert (reached[-1]["volunteer_id"], reached[-1]["level"], reached[-1]["threshold_hours"]) == (
        "v2",
        1,
        50,
    )

    # Back to the national ones: levels fall with them, and nobody is congratulated again.
    back = await evaluation.client.put(
        URL, json={"thresholds": [100, 300, 600, 1000, 1500]}, headers=district
    )
    assert back.status_code == 200
    mine = (
        await evaluation.client.get("/me/hours", headers=evaluation.volunteer("v1", "c1"))
    ).json()
    assert mine["star_level"] == 1
    await wait_published(evaluation, "star_thresholds_changed", 2)
    assert len(await published(evaluation, "star_reached")) == len(before) + 3


async def test_only_the_district_admin_sets_thresholds_and_only_rising_ones(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    district = evaluation.headers(Role.DISTRICT_ADMIN, None)
    community = await evaluation.client.put(
        URL, json={"thresholds": REGIONAL}, headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    )
    assert community.status_code == 403
    falling = await evaluation.client.put(
        URL, json={"thresholds": [100, 90, 600, 1000, 1500]}, headers=district
    )
    assert (falling.status_code, falling.json()) == (
        422,
        {"code": "star_thresholds_not_rising", "detail": "每一星级所需的时长都应高于下一级"},
    )
    four = await evaluation.client.put(URL, json={"thresholds": [1, 2, 3, 4]}, headers=district)
    assert four.status_code == 422
    text = await evaluation.client.put(
        URL, json={"thresholds": ["50", 150, 300, 500, 800]}, headers=district
    )
    assert text.status_code == 422
    unchanged = await evaluation.client.get(URL, headers=district)
    assert unchanged.json()["national"] is True


async def test_a_rebuild_counts_by_the_thresholds_the_district_last_set(
    evaluation_db: Evaluation, tmp_path: Path, redis_url: str
) -> None:
    evaluation = evaluation_db
    await evaluation.publish("registry.events", [registered(v, "c1") for v in ("v1", "v2")])
    await evaluation.publish(
        "activities.events", [served("v1", "c1", "a", 160), served("v2", "c1", "a", 60)]
    )
    await settle(evaluation)
    district = evaluation.headers(Role.DISTRICT_ADMIN, None, subject="district-officer")
    for thresholds in ([40, 150, 300, 500, 800], REGIONAL):
        changed = await evaluation.client.put(
            URL, json={"thresholds": thresholds}, headers=district
        )
        assert changed.status_code == 200, changed.text
    await wait_published(evaluation, "star_thresholds_changed", 2)

    rebuilt = f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}"
    await asyncio.to_thread(upgrade_to_head, DEFINITION.migrations_dir, rebuilt)
    await rebuild_into(rebuilt, redis_url, evaluation.namespace, workers=1)

    db = Database(rebuilt)
    try:
        async with db.session() as session:
            setting = await session.get(StarThresholdSetting, "district")
            levels = {
                row.volunteer_id: (row.total_hours, row.star_level)
                for row in (await session.exec(select(VolunteerLedger))).all()
            }
    finally:
        await db.dispose()
    assert setting is not None
    assert (setting.hours, setting.changed_by) == (REGIONAL, "district-officer")
    assert levels == {"v1": (160.0, 2), "v2": (60.0, 1)}  # by 50/150, not the national 100


async def test_the_charts_count_levels_from_the_totals_by_the_thresholds_in_force(
    evaluation_db: Evaluation,
) -> None:
    # A batch of confirmations that read the thresholds just before a change stores its
    # volunteers' levels by the old ones; the charts must not show that stale level.
    evaluation = evaluation_db
    await evaluation.publish("registry.events", [registered(v, "c1") for v in ("v1", "v2")])
    await evaluation.publish("activities.events", [served("v1", "c1", "a", 160)])
    await settle(evaluation)
    district = evaluation.headers(Role.DISTRICT_ADMIN, None)
    changed = await evaluation.client.put(URL, json={"thresholds": REGIONAL}, headers=district)
    assert changed.status_code == 200
    async with evaluation.app.state.runtime.db.session() as session:
        await session.exec(update(VolunteerLedger).values(star_level=1))  # as by 100/300
        await session.commit()

    community = await evaluation.client.get("/communities/c1/stars", headers=district)
    assert {r["level"]: r["volunteers"] for r in community.json()} == {
        0: 1,
        1: 0,
        2: 1,
        3: 0,
        4: 0,
        5: 0,
    }
    dashboard = await evaluation.client.get("/dashboards/stars", headers=district)
    assert [(r["star_0"], r["star_1"], r["star_2"]) for r in dashboard.json()] == [(1, 0, 1)]
    mine = await evaluation.client.get("/me/hours", headers=evaluation.volunteer("v1", "c1"))
    assert mine.json()["star_level"] == 2
