"""Moving people: a volunteer who moves to another community takes their ledger and
star along (the hours stay counted where they were served); one who withdraws leaves
the charts and comes back to them."""

from __future__ import annotations

from shared.auth import Role
from shared.contracts.registry import (
    VolunteerReinstated,
    VolunteerTransferred,
    VolunteerWithdrawn,
)
from tests.evaluation.conftest import Evaluation, registered, served, settle
from tests.evaluation.test_district_figures import FOUR, member, tagged


async def test_a_transferred_volunteer_reads_their_hours_and_the_new_community_sees_them(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish("registry.events", [registered("v1", "c1")])
    await evaluation.publish("activities.events", [served("v1", "c1", "a", 120)])
    await settle(evaluation)
    await evaluation.publish(
        "registry.events",
        [
            VolunteerTransferred(
                volunteer_id="v1",
                volunteer_number="N-v1",
                from_community_id="c1",
                to_community_id="c2",
                service_area_codes=["elderly_care"],
                account_id="acct-v1",
            )
        ],
    )
    await evaluation.publish("activities.events", [served("v1", "c2", "b", 10, day=2)])
    await settle(evaluation)

    mine = await evaluation.client.get("/me/hours", headers=evaluation.volunteer("v1", "c2"))
    assert mine.status_code == 200, mine.text
    assert (mine.json()["community_id"], mine.json()["total_hours"]) == ("c2", 130.0)
    assert mine.json()["star_level"] == 1
    # The old community's token no longer opens them; its admins see them no more.
    assert (
        await evaluation.client.get("/me/hours", headers=evaluation.volunteer("v1", "c1"))
    ).status_code == 403
    old = await evaluation.client.get(
        "/volunteers/v1/hours", headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    )
    assert old.status_code == 404
    new = await evaluation.client.get(
        "/volunteers/v1/hours", headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c2")
    )
    assert new.status_code == 200

    district = evaluation.headers(Role.DISTRICT_ADMIN, None)
    stars = (await evaluation.client.get("/dashboards/stars", headers=district)).json()
    assert [(r["community_id"], r["star_1"]) for r in stars] == [("c2", 1)]
    hours = (await evaluation.client.get("/dashboards/hours", headers=district)).json()
    assert [(r["community_id"], r["hours"]) for r in hours] == [("c1", 120.0), ("c2", 10.0)]


async def test_one_who_withdrew_leaves_the_charts_keeps_their_hours_and_comes_back(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish(
        "registry.events", [registered("v1", "c1"), member("p1", "c1"), member("p2", "c1")]
    )
    await evaluation.publish(
        "activities.events",
        [served("v1", "c1", "a", 120), tagged("p1", "c1", FOUR), tagged("p2", "c1", FOUR[:1])],
    )
    await settle(evaluation)
    await evaluation.publish(
        "registry.events",
        [
            VolunteerWithdrawn(volunteer_id="v1", community_id="c1", reason="搬离本区"),
            VolunteerWithdrawn(volunteer_id="p2", community_id="c1", reason="工作繁忙"),
        ],
    )
    await settle(evaluation)
    district = evaluation.headers(Role.DISTRICT_ADMIN, None)

    stars = (await evaluation.client.get("/communities/c1/stars", headers=district)).json()
    assert {r["level"]: r["volunteers"] for r in stars}[1] == 0
    four_ones = await evaluation.client.get(
        "/dashboards/four-ones", params={"month": "2026-03"}, headers=district
    )
    # p2, who withdrew, no longer lowers the community's completion.
    assert [(r["members"], r["complete"]) for r in four_ones.json()] == [(1, 1)]
    mine = await evaluation.client.get("/me/hours", headers=evaluation.volunteer("v1", "c1"))
    assert (mine.status_code, mine.json()["total_hours"]) == (200, 120.0)

    await evaluation.publish(
        "registry.events",
        [VolunteerReinstated(volunteer_id="v1", community_id="c1", returned=True)],
    )
    await settle(evaluation)
    stars = (await evaluation.client.get("/communities/c1/stars", headers=district)).json()
    assert {r["level"]: r["volunteers"] for r in stars}[1] == 1
