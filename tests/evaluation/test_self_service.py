"""A volunteer's own reads: hours and star progress, certificates, whom to review."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.auth import Role
from tests.evaluation.conftest import Evaluation, registered, served, settle
from tests.evaluation.test_periods import advance, open_period


async def test_a_volunteer_sees_their_hours_star_and_the_hours_the_next_star_needs(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish("registry.events", [registered(v, "c1") for v in ("v1", "v2")])
    await evaluation.publish(
        "activities.events", [served("v1", "c1", "a", 100), served("v1", "c1", "b", 20.5, day=1)]
    )
    await settle(evaluation)

    mine = await evaluation.client.get("/me/hours", headers=evaluation.volunteer("v1", "c1"))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["volunteer_id"] == "v1"
    assert (body["total_hours"], body["star_level"]) == (120.5, 1)
    assert (body["next_star_at_hours"], body["hours_to_next_star"]) == (300, 179.5)
    assert body["thresholds"] == [100, 300, 600, 1000, 1500]

    # Registered but with no confirmed hour yet: no star, the whole first threshold to go.
    fresh = await evaluation.client.get("/me/hours", headers=evaluation.volunteer("v2", "c1"))
    assert fresh.status_code == 200, fresh.text
    assert (fresh.json()["total_hours"], fresh.json()["star_level"]) == (0.0, 0)
    assert fresh.json()["hours_to_next_star"] == 100

    # An account that is no volunteer has no hours of its own to read.
    admin = await evaluation.client.get(
        "/me/hours", headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    )
    assert admin.status_code == 403
    # A token of another community does not open this volunteer's figures.
    elsewhere = await evaluation.client.get(
        "/me/hours", headers=evaluation.headers(Role.VOLUNTEER, "c2", subject="acct-v1")
    )
    assert elsewhere.status_code == 403


async def test_a_volunteer_s_months_follow_the_district_calendar(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish("registry.events", [registered("v1", "c1")])
    late_march_utc = served("v1", "c1", "a", 2).model_copy(
        update={"started_at": datetime(2026, 3, 31, 20, tzinfo=UTC)}  # 1 April 04:00 in Beijing
    )
    await evaluation.publish(
        "activities.events",
        [late_march_utc, served("v1", "c1", "b", 1.5)],  # 10 March
    )
    await settle(evaluation)
    mine = await evaluation.client.get("/me/hours", headers=evaluation.volunteer("v1", "c1"))
    assert mine.json()["by_month"] == {"2026-03": 1.5, "2026-04": 2.0}
    theirs = await evaluation.client.get(
        "/volunteers/v1/hours", headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    )
    assert theirs.json()["by_month"] == mine.json()["by_month"]


async def test_a_volunteer_requests_certificates_and_pages_only_their_own_newest_first(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish("registry.events", [registered(v, "c1") for v in ("v1", "v2")])
    await evaluation.publish(
        "activities.events", [served("v1", "c1", "a", 3), served("v2", "c1", "a", 4)]
    )
    await settle(evaluation)
    as_v1 = evaluation.volunteer("v1", "c1")
    numbers = []
    for _ in range(3):
        issued = await evaluation.client.post(
            "/me/certificates",
            json={"date_from": "2026-01-01", "date_to": "2026-12-31"},
            headers=as_v1,
        )
        assert issued.status_code == 201, issued.text
        assert (issued.json()["volunteer_id"], issued.json()["hours"]) == ("v1", 3)
        numbers.append(issued.json()["number"])
    other = await evaluation.client.post(
        "/me/certificates",
        json={"date_from": "2026-01-01", "date_to": "2026-12-31"},
        headers=evaluation.volunteer("v2", "c1"),
    )
    assert other.status_code == 201

    seen, cursor = [], None
    while True:
        page = await evaluation.client.get(
            "/me/certificates",
            params={"limit": 2, **({"cursor": cursor} if cursor else {})},
            headers=as_v1,
        )
        assert page.status_code == 200, page.text
        assert page.json()["total"] == 3
        seen += [c["number"] for c in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(numbers, reverse=True)

    nothing = await evaluation.client.post(
        "/me/certificates",
        json={"date_from": "2025-01-01", "date_to": "2025-12-31"},
        headers=as_v1,
    )
    assert (nothing.status_code, nothing.json()["code"]) == (409, "no_service_in_range")


async def test_the_review_sheet_lists_the_colleagues_still_to_review_and_the_own_average(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await evaluation.publish(
        "registry.events",
        [registered(v, "c1") for v in ("a", "b", "c", "d")] + [registered("x", "c2")],
    )
    await evaluation.publish(
        "activities.events",
        [
            served("a", "c1", "patrol", 2),
            served("b", "c1", "patrol", 2),
            served("c", "c1", "patrol", 2),
            served("d", "c1", "visit", 1),
        ],
    )
    await settle(evaluation)
    period = await open_period(evaluation, "c1")
    admin = evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    sheet_url = f"/me/periods/{period}/colleagues"

    before = await evaluation.client.get(sheet_url, headers=evaluation.volunteer("a", "c1"))
    assert before.status_code == 200, before.text
    assert before.json()["reviewing_open"] is False
    assert [c["volunteer_id"] for c in before.json()["may_still_review"]] == ["b", "c"]

    await advance(evaluation, period, admin, "peer_review")
    for reviewer, reviewed, rating in (("a", "b", 5), ("c", "b", 4)):
        given = await evaluation.client.post(
            f"/periods/{period}/reviews",
            json={"reviewed_volunteer_id": reviewed, "rating": rating},
            headers=evaluation.volunteer(reviewer, "c1"),
        )
        assert given.status_code == 201, given.text

    as_a = (await evaluation.client.get(sheet_url, headers=evaluation.volunteer("a", "c1"))).json()
    assert as_a["reviewing_open"] is True
    assert [c["volunteer_id"] for c in as_a["may_still_review"]] == ["c"]
    assert as_a["may_still_review"][0] == {
        "volunteer_id": "c",
        "volunteer_number": "N-c",
        "name": "志愿者c",
    }
    assert (as_a["reviews_given"], as_a["reviews_received"], as_a["average_rating"]) == (1, 0, None)
    as_b = (await evaluation.client.get(sheet_url, headers=evaluation.volunteer("b", "c1"))).json()
    assert [c["volunteer_id"] for c in as_b["may_still_review"]] == ["a", "c"]
    assert (as_b["reviews_given"], as_b["reviews_received"], as_b["average_rating"]) == (0, 2, 4.5)

    # Another community's volunteer gets what an unknown period answers.
    foreign = await evaluation.client.get(sheet_url, headers=evaluation.volunteer("x", "c2"))
    unknown = await evaluation.client.get(
        "/me/periods/nosuchperiod/colleagues", headers=evaluation.volunteer("x", "c2")
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
