"""The evaluation lists, paged and filtered: periods, nominations, certificates."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.evaluation.conftest import Evaluation, registered, served, settle
from tests.evaluation.test_periods import advance


async def every_item(
    evaluation: Evaluation, path: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Page through a list two at a time; every page tells the same total."""
    items: list[dict[str, Any]] = []
    cursor = None
    totals = set()
    while True:
        page = await evaluation.client.get(
            path,
            params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})},
            headers=headers,
        )
        assert page.status_code == 200, page.text
        totals.add(page.json()["total"])
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            assert totals == {len(items)}
            return items


async def period(
    evaluation: Evaluation, community: str, label: str, starts_on: str, ends_on: str
) -> str:
    response = await evaluation.client.post(
        f"/communities/{community}/periods",
        json={"label": label, "starts_on": starts_on, "ends_on": ends_on, "quota": 3},
        headers=evaluation.headers(Role.COMMUNITY_ADMIN, community),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_periods_page_newest_first_by_community_phase_label_and_dates(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    first = await period(evaluation, "c1", "2025H1", "2025-01-01", "2025-06-30")
    second = await period(evaluation, "c1", "2025H2", "2025-07-01", "2025-12-31")
    third = await period(evaluation, "c1", "2026H1", "2026-01-01", "2026-06-30")
    other = await period(evaluation, "c2", "2026H1", "2026-01-01", "2026-06-30")
    await advance(evaluation, second, evaluation.headers(Role.COMMUNITY_ADMIN, "c1"), "peer_review")
    as_c1 = evaluation.headers(Role.VOLUNTEER, "c1", subject="someone")

    assert [p["id"] for p in await every_item(evaluation, "/periods", as_c1)] == [
        third,
        second,
        first,
    ]
    in_review = await every_item(evaluation, "/periods", as_c1, phase="peer_review")
    assert [p["id"] for p in in_review] == [second]
    labelled = await every_item(evaluation, "/periods", as_c1, q="2025")
    assert [p["id"] for p in labelled] == [second, first]
    dated = await every_item(
        evaluation, "/periods", as_c1, **{"from": "2025-07-01", "to": "2026-01-01"}
    )
    assert [p["id"] for p in dated] == [second]

    district = evaluation.headers(Role.DISTRICT_ADMIN, None)
    assert {p["id"] for p in await every_item(evaluation, "/periods", district)} == {
        first,
        second,
        third,
        other,
    }
    only_c2 = await every_item(evaluation, "/periods", district, community_id="c2")
    assert [p["id"] for p in only_c2] == [other]

    foreign = await evaluation.client.get("/periods", params={"community_id": "c2"}, headers=as_c1)
    unknown = await evaluation.client.get("/periods", params={"community_id": "c9"}, headers=as_c1)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    bad = await evaluation.client.get("/periods", params={"cursor": "bm90LW91cnM"}, headers=as_c1)
    assert bad.status_code == 422


async def nominations_in_review(
    evaluation: Evaluation, community: str, people: list[str]
) -> tuple[str, list[str]]:
    admin = evaluation.headers(Role.COMMUNITY_ADMIN, community)
    period_id = await period(evaluation, community, "2026H1", "2026-01-01", "2026-06-30")
    await advance(evaluation, period_id, admin, "peer_review")
    await advance(evaluation, period_id, admin, "nomination")
    made = []
    for volunteer in people:
        response = await evaluation.client.post(
            f"/periods/{period_id}/nominations",
            json={"volunteer_id": volunteer, "reason": "服务时长居前"},
            headers=admin,
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    await advance(evaluation, period_id, admin, "district_review")
    return period_id, made


async def test_the_district_lists_the_nominations_it_has_still_to_decide(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish(
        "registry.events",
        [registered(v, "c1") for v in ("a1", "a2", "a3")] + [registered("b1", "c2")],
    )
    await settle(evaluation)
    c1_period, c1_made = await nominations_in_review(evaluation, "c1", ["a1", "a2", "a3"])
    c2_period, c2_made = await nominations_in_review(evaluation, "c2", ["b1"])
    district = evaluation.headers(Role.DISTRICT_ADMIN, None)
    decided = await evaluation.client.post(
        f"/nominations/{c1_made[1]}/decision",
        json={"approved": True, "reason": "同意"},
        headers=district,
    )
    assert decided.status_code == 200

    to_decide = await every_item(evaluation, "/nominations", district, status="nominated")
    assert [n["id"] for n in to_decide] == [c1_made[0], c1_made[2], c2_made[0]]  # oldest first
    assert [(n["volunteer_number"], n["period_label"]) for n in to_decide] == [
        ("N-a1", "2026H1"),
        ("N-a3", "2026H1"),
        ("N-b1", "2026H1"),
    ]
    approved = await every_item(evaluation, "/nominations", district, status="approved")
    assert [n["id"] for n in approved] == [c1_made[1]]
    of_c2 = await every_item(evaluation, "/nominations", district, period_id=c2_period)
    assert [n["id"] for n in of_c2] == c2_made

    as_c2 = evaluation.headers(Role.COMMUNITY_ADMIN, "c2")
    assert [n["id"] for n in await every_item(evaluation, "/nominations", as_c2)] == c2_made
    foreign = await evaluation.client.get(
        "/nominations", params={"period_id": c1_period}, headers=as_c2
    )
    unknown = await evaluation.client.get(
        "/nominations", params={"period_id": "nosuch"}, headers=as_c2
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    volunteer = await evaluation.client.get(
        "/nominations", headers=evaluation.volunteer("b1", "c2")
    )
    assert volunteer.status_code == 403


async def test_admins_page_the_certificates_of_their_community_and_of_one_volunteer(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish(
        "registry.events", [registered(v, "c1") for v in ("v1", "v2")] + [registered("w1", "c2")]
    )
    await evaluation.publish(
        "activities.events",
        [served("v1", "c1", "a", 2), served("v2", "c1", "a", 3), served("w1", "c2", "b", 4)],
    )
    await settle(evaluation)
    numbers: dict[str, list[str]] = {}
    for volunteer, community in (("v1", "c1"), ("v2", "c1"), ("v1", "c1"), ("w1", "c2")):
        issued = await evaluation.client.post(
            "/me/certificates",
            json={"date_from": "2026-01-01", "date_to": "2026-12-31"},
            headers=evaluation.volunteer(volunteer, community),
        )
        assert issued.status_code == 201, issued.text
        numbers.setdefault(volunteer, []).append(issued.json()["number"])

    as_c1 = evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    mine = await every_item(evaluation, "/certificates", as_c1)
    assert [c["number"] for c in mine] == sorted(numbers["v1"] + numbers["v2"], reverse=True)
    of_v1 = await every_item(evaluation, "/certificates", as_c1, volunteer_id="v1")
    assert [c["number"] for c in of_v1] == sorted(numbers["v1"], reverse=True)
    everyone = await every_item(
        evaluation, "/certificates", evaluation.headers(Role.DISTRICT_ADMIN, None)
    )
    assert len(everyone) == 4
    later = await every_item(evaluation, "/certificates", as_c1, **{"from": "2999-01-01"})
    assert later == []

    foreign = await evaluation.client.get(
        "/certificates", params={"volunteer_id": "w1"}, headers=as_c1
    )
    unknown = await evaluation.client.get(
        "/certificates", params={"volunteer_id": "nobody"}, headers=as_c1
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    leader = await evaluation.client.get(
        "/certificates", headers=evaluation.headers(Role.TEAM_LEADER, "c1")
    )
    assert leader.status_code == 403
