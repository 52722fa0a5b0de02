"""Half-year periods: peer review rules and the two-round commendation flow."""

from __future__ import annotations

from shared.auth import Role
from shared.contracts.activities import PairingCreated
from tests.evaluation.conftest import Evaluation, registered, served, settle


async def open_period(evaluation: Evaluation, community: str, quota: int = 2) -> str:
    admin = evaluation.headers(Role.COMMUNITY_ADMIN, community)
    response = await evaluation.client.post(
        f"/communities/{community}/periods",
        json={
            "label": "2026H1",
            "starts_on": "2026-01-01",
            "ends_on": "2026-06-30",
            "quota": quota,
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def advance(evaluation: Evaluation, period: str, headers: dict[str, str], phase: str) -> None:
    response = await evaluation.client.post(f"/periods/{period}/advance", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["phase"] == phase


async def test_peer_review_refuses_self_strangers_duplicates_and_the_wrong_window(
    evaluation: Evaluation,
) -> None:
    await evaluation.publish("registry.events", [registered(v, "c1") for v in ("a", "b", "c", "d")])
    await evaluation.publish(
        "activities.events",
        [
            served("a", "c1", "patrol-1", 2),
            served("b", "c1", "patrol-1", 2),
            served("c", "c1", "visit-9", 1),
        ],
    )
    await evaluation.publish(
        "activities.events",
        [
            PairingCreated(
                pairing_id="p1",
                community_id="c1",
                kind="many_help_one",
                beneficiary_category="empty_nest_elder",
                volunteer_ids=["a", "d"],
                cadence_days=7,
            ),
        ],
    )
    await settle(evaluation)
    period = await open_period(evaluation, "c1")
    url = f"/periods/{period}/reviews"
    as_a = evaluation.volunteer("a", "c1")

    early = await evaluation.client.post(
        url, json={"reviewed_volunteer_id": "b", "rating": 5}, headers=as_a
    )
    assert early.status_code == 409
    assert early.json() == {
        "code": "review_not_open",
        "detail": "互评只在“同行互评”阶段进行，本周期目前处于“开放”阶段",
    }
    await advance(evaluation, period, evaluation.headers(Role.COMMUNITY_ADMIN, "c1"), "peer_review")

    own = await evaluation.client.post(
        url, json={"reviewed_volunteer_id": "a", "rating": 5}, headers=as_a
    )
    assert (own.status_code, own.json()) == (
        422,
        {"code": "review_of_oneself", "detail": "不能评价自己"},
    )
    stranger = await evaluation.client.post(
        url, json={"reviewed_volunteer_id": "c", "rating": 4}, headers=as_a
    )
    assert stranger.status_code == 422
    assert stranger.json()["code"] == "review_not_a_colleague"
    colleague = await evaluation.client.post(
        url, json={"reviewed_volunteer_id": "b", "rating": 4, "comment": "认真负责"}, headers=as_a
    )
    assert colleague.status_code == 201, colleague.text
    paired = await evaluation.client.post(
        url, json={"reviewed_volunteer_id": "d", "rating": 5}, headers=as_a
    )
    assert paired.status_code == 201
    again = await evaluation.client.post(
        url, json={"reviewed_volunteer_id": "b", "rating": 1}, headers=as_a
    )
    assert again.status_code == 409
    assert again.json()["code"] == "review_already_given"
    out_of_range = await evaluation.client.post(
        url, json={"reviewed_volunteer_id": "b", "rating": 9}, headers=as_a
    )
    assert out_of_range.status_code == 422

    # The reviewed person sees an aggregate only; admins see the reviews.
    mine = await evaluation.client.get(
        f"/periods/{period}/reviews/me", headers=evaluation.volunteer("b", "c1")
    )
    assert mine.json() == {"reviews": 1, "average_rating": 4.0}
    assert (
        await evaluation.client.get(
            f"/periods/{period}/reviews", headers=evaluation.volunteer("b", "c1")
        )
    ).status_code == 403
    everything = await evaluation.client.get(
        f"/periods/{period}/reviews", headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    )
    assert {r["comment"] for r in everything.json()["items"]} == {"认真负责", ""}

    await advance(evaluation, period, evaluation.headers(Role.COMMUNITY_ADMIN, "c1"), "nomination")
    late = await evaluation.client.post(
        url,
        json={"reviewed_volunteer_id": "d", "rating": 3},
        headers=evaluation.volunteer("d", "c1"),
    )
    assert late.status_code == 409


async def test_two_rounds_with_quotas_across_two_communities_end_in_a_published_roll(
    evaluation: Evaluation,
) -> None:
    people = {"c1": ["a1", "a2", "a3"], "c2": ["b1", "b2"]}
    await evaluation.publish(
        "registry.events", [registered(v, c) for c, vs in people.items() for v in vs]
    )
    await evaluation.publish(
        "activities.events",
        [
            served(v, c, f"act-{c}", 10.0 * (i + 1), day=i)
            for c, vs in people.items()
            for i, v in enumerate(vs)
        ],
    )
    await settle(evaluation)
    district = evaluation.headers(Role.DISTRICT_ADMIN, None)
    rolls = {}
    for community, quota in (("c1", 2), ("c2", 1)):
        admin = evaluation.headers(Role.COMMUNITY_ADMIN, community)
        period = await open_period(evaluation, community, quota=quota)
        await advance(evaluation, period, admin, "peer_review")
        await advance(evaluation, period, admin, "nomination")
        page = (await evaluation.client.get(f"/periods/{period}/ranking", headers=admin)).json()
        ranking = page["items"]
        assert [r["volunteer_id"] for r in ranking] == list(reversed(people[community]))
        assert (page["total"], page["next_cursor"]) == (len(people[community]), None)
        best = ranking[0]
        assert (
            best["score"] == best["hours"] + 2 * best["activities"]
        )  # too few reviews: no rating points
        nominated = []
        for entry in ranking[:quota]:
            response = await evaluation.client.post(
                f"/periods/{period}/nominations",
                json={"volunteer_id": entry["volunteer_id"], "reason": "服务时长居前"},
                headers=admin,
            )
            assert response.status_code == 201, response.text
            nominated.append(response.json()["id"])
        over = await evaluation.client.post(
            f"/periods/{period}/nominations",
            json={"volunteer_id": ranking[-1]["volunteer_id"], "reason": "再推荐一位"},
            headers=admin,
        )
        assert over.status_code == 409
        assert over.json() == {
            "code": "nomination_quota_reached",
            "detail": f"本社区的 {quota} 个推荐名额已用完",
        }
        await advance(evaluation, period, admin, "district_review")
        # The community admin cannot decide or publish: that is the district's round.
        assert (
            await evaluation.client.post(f"/periods/{period}/advance", headers=admin)
        ).status_code == 403
        assert (
            await evaluation.client.post(
                f"/nominations/{nominated[0]}/decision",
                json={"approved": True, "reason": "同意"},
                headers=admin,
            )
        ).status_code == 403
        blocked = await evaluation.client.post(f"/periods/{period}/advance", headers=district)
        assert blocked.status_code == 409  # undecided nominations
        for index, nomination in enumerate(nominated):
            approve = index == 0
            decided = await evaluation.client.post(
                f"/nominations/{nomination}/decision",
                json={"approved": approve, "reason": "事迹突出" if approve else "材料不足"},
                headers=district,
            )
            assert decided.json()["status"] == ("approved" if approve else "rejected")
        unpublished = await evaluation.client.get(f"/periods/{period}/honour-roll")
        assert (unpublished.status_code, unpublished.json()["code"]) == (
            404,
            "honour_roll_not_published",
        )
        await advance(evaluation, period, district, "published")
        # Public; one page holds the whole roll here.
        roll = (await evaluation.client.get(f"/periods/{period}/honour-roll")).json()["items"]
        rolls[community] = [entry["volunteer_id"] for entry in roll]
        assert roll[0]["name"] == f"志愿者{roll[0]['volunteer_id']}"
        assert (
            await evaluation.client.post(f"/periods/{period}/advance", headers=district)
        ).status_code == 409
    assert rolls == {"c1": ["a3"], "c2": ["b2"]}
    published = [
        f
        for _, f in await evaluation.redis.xrange(evaluation.namespace + "evaluation.events")
        if f[b"type"] == b"org.linli.evaluation.honour_roll_published.v1"
    ]
    assert len(published) == 2


async def walk(
    evaluation: Evaluation, url: str, headers: dict[str, str]
) -> list[dict[str, object]]:
    """Every item of a paged list, two at a time, checking each page's total."""
    items: list[dict[str, object]] = []
    params: dict[str, str | int] = {"limit": 2}
    while True:
        page = await evaluation.client.get(url, params=params, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        if body["next_cursor"] is None:
            assert body["total"] == len(items)
            return items
        params = {**params, "cursor": body["next_cursor"]}


async def test_the_ranking_and_the_honour_roll_page_best_first_ties_by_id(
    evaluation: Evaluation,
) -> None:
    hours = {"v1": 5.0, "v2": 9.0, "v3": 5.0, "v4": 12.0, "v5": 5.0}
    await evaluation.publish("registry.events", [registered(v, "c1") for v in hours])
    await evaluation.publish(
        "activities.events", [served(v, "c1", f"act-{v}", h) for v, h in hours.items()]
    )
    await settle(evaluation)
    admin = evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    period = await open_period(evaluation, "c1", quota=5)
    await advance(evaluation, period, admin, "peer_review")
    await advance(evaluation, period, admin, "nomination")

    ranking = await walk(evaluation, f"/periods/{period}/ranking", admin)
    assert [r["volunteer_id"] for r in ranking] == ["v4", "v2", "v1", "v3", "v5"]
    bad = await evaluation.client.get(
        f"/periods/{period}/ranking", params={"cursor": "bm90IGpzb24"}, headers=admin
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "bad_cursor")

    district = evaluation.headers(Role.DISTRICT_ADMIN, None)
    nominated = []
    for volunteer in hours:
        response = await evaluation.client.post(
            f"/periods/{period}/nominations",
            json={"volunteer_id": volunteer, "reason": "服务时长居前"},
            headers=admin,
        )
        assert response.status_code == 201, response.text
        nominated.append(response.json()["id"])
    await advance(evaluation, period, admin, "district_review")
    for nomination in nominated:
        decided = await evaluation.client.post(
            f"/nominations/{nomination}/decision",
            json={"approved": True, "reason": "事迹突出"},
            headers=district,
        )
        assert decided.status_code == 200, decided.text
    await advance(evaluation, period, district, "published")

    roll = await walk(evaluation, f"/periods/{period}/honour-roll", {})
    assert [(e["volunteer_id"], e["score"]) for e in roll] == [
        (r["volunteer_id"], r["score"]) for r in ranking
    ]
    assert roll[0]["name"] == "志愿者v4"
