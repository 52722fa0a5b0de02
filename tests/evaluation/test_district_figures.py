"""District-wide figures by street and by community, as JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from shared.auth import Role
from shared.contracts.activities import ServiceConfirmed
from shared.contracts.registry import CommunityCreated, VolunteerRegistered
from tests.evaluation.conftest import IN_PERIOD, Evaluation, registered, served, settle

FOUR = ["good_deed", "public_welfare", "conversation", "problem_solved"]


def member(volunteer: str, community: str) -> VolunteerRegistered:
    return registered(volunteer, community).model_copy(update={"party_member": True})


def tagged(
    volunteer: str, community: str, tags: list[str], team: str | None = None
) -> ServiceConfirmed:
    return served(volunteer, community, f"act-{volunteer}", 1).model_copy(
        update={"tags": tags, "team_id": team}
    )


async def district(evaluation: Evaluation) -> None:
    """Street s1 (c1, c2) and street s2 (c3), volunteers at several levels, party members."""
    await evaluation.publish(
        "registry.events",
        [
            CommunityCreated(
                community_id="c1", name="甲社区", street_id="s1", street_name="东华门街道"
            ),
            CommunityCreated(
                community_id="c2", name="乙社区", street_id="s1", street_name="东华门街道"
            ),
            CommunityCreated(
                community_id="c3", name="丙社区", street_id="s2", street_name="景山街道"
            ),
            *[registered(v, "c1") for v in ("v1", "v2", "v3")],
            member("p1", "c1"),
            member("p2", "c1"),
            registered("w1", "c2"),
            registered("z1", "c3"),
            member("p3", "c3"),
        ],
    )
    await evaluation.publish(
        "activities.events",
        [
            served("v1", "c1", "a", 120).model_copy(update={"team_id": "t1"}),
            served("v2", "c1", "a", 3).model_copy(
                update={"team_id": "t1", "started_at": IN_PERIOD + timedelta(days=31)}
            ),
            served("w1", "c2", "b", 350),
            tagged("p1", "c1", FOUR),
            tagged("p2", "c1", FOUR[:2]),
            tagged("p3", "c3", FOUR, team="t3"),
        ],
    )
    await settle(evaluation)


async def test_the_star_distribution_by_community_and_by_street(evaluation_db: Evaluation) -> None:
    evaluation = evaluation_db
    await district(evaluation)
    as_district = evaluation.headers(Role.DISTRICT_ADMIN, None)

    by_community = await evaluation.client.get("/dashboards/stars", headers=as_district)
    assert by_community.status_code == 200, by_community.text
    levels = {
        row["community_id"]: (
            row["street_name"],
            row["volunteers"],
            row["star_0"],
            row["star_1"],
            row["star_2"],
        )
        for row in by_community.json()
    }
    assert levels == {
        "c1": ("东华门街道", 5, 4, 1, 0),
        "c2": ("东华门街道", 1, 0, 0, 1),
        "c3": ("景山街道", 2, 2, 0, 0),
    }
    by_street = await evaluation.client.get(
        "/dashboards/stars", params={"group_by": "street"}, headers=as_district
    )
    assert [
        (r["street_id"], r["community_id"], r["volunteers"], r["star_0"], r["star_1"], r["star_2"])
        for r in by_street.json()
    ] == [("s1", None, 6, 4, 1, 1), ("s2", None, 2, 2, 0, 0)]
    one_street = await evaluation.client.get(
        "/dashboards/stars", params={"street_id": "s2"}, headers=as_district
    )
    assert [r["community_id"] for r in one_street.json()] == ["c3"]

    # A community admin's street row holds only their own community.
    as_c1 = evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    own = await evaluation.client.get(
        "/dashboards/stars", params={"group_by": "street"}, headers=as_c1
    )
    assert [(r["street_id"], r["volunteers"]) for r in own.json()] == [("s1", 5)]
    foreign = await evaluation.client.get(
        "/dashboards/stars", params={"community_id": "c2"}, headers=as_c1
    )
    unknown = await evaluation.client.get(
        "/dashboards/stars", params={"community_id": "nosuch"}, headers=as_c1
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    leader = await evaluation.client.get(
        "/dashboards/stars", headers=evaluation.headers(Role.TEAM_LEADER, "c1")
    )
    assert leader.status_code == 403


async def test_four_ones_completion_and_hours_by_street_and_by_team_and_month(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await district(evaluation)
    as_district = evaluation.headers(Role.DISTRICT_ADMIN, None)

    four_ones = await evaluation.client.get(
        "/dashboards/four-ones",
        params={"month": "2026-03", "group_by": "street"},
        headers=as_district,
    )
    assert four_ones.status_code == 200, four_ones.text
    assert [
        (r["street_id"], r["members"], r["complete"], r["completion_rate"])
        for r in four_ones.json()
    ] == [("s1", 2, 1, 0.5), ("s2", 1, 1, 1.0)]
    later = await evaluation.client.get(
        "/dashboards/four-ones", params={"month": "2026-04"}, headers=as_district
    )
    assert [(r["community_id"], r["complete"]) for r in later.json()] == [("c1", 0), ("c3", 0)]

    hours = await evaluation.client.get(
        "/dashboards/hours", params={"group_by": "street"}, headers=as_district
    )
    assert [(r["street_id"], r["volunteers"], r["hours"]) for r in hours.json()] == [
        ("s1", 5, 475.0),
        ("s2", 1, 1.0),
    ]
    march = await evaluation.client.get(
        "/dashboards/hours",
        params={"since": "2026-03-01T00:00:00+08:00", "until": "2026-04-01T00:00:00+08:00"},
        headers=as_district,
    )
    assert [(r["community_id"], r["volunteers"], r["hours"]) for r in march.json()] == [
        ("c1", 3, 122.0),
        ("c2", 1, 350.0),
        ("c3", 1, 1.0),
    ]

    teams = await evaluation.client.get("/dashboards/hours-by-team-month", headers=as_district)
    assert [
        (r["month"], r["street_id"], r["community_id"], r["team_id"], r["hours"])
        for r in teams.json()
    ] == [
        ("2026-03", "s1", "c1", None, 2.0),
        ("2026-03", "s1", "c1", "t1", 120.0),
        ("2026-03", "s1", "c2", None, 350.0),
        ("2026-03", "s2", "c3", "t3", 1.0),
        ("2026-04", "s1", "c1", "t1", 3.0),
    ]
    only_march = await evaluation.client.get(
        "/dashboards/hours-by-team-month",
        params={"until": "2026-04-01T00:00:00+08:00", "street_id": "s1"},
        headers=as_district,
    )
    assert [(r["month"], r["team_id"], r["hours"]) for r in only_march.json()] == [
        ("2026-03", None, 2.0),
        ("2026-03", "t1", 120.0),
        ("2026-03", None, 350.0),
    ]


async def test_each_table_is_also_csv_with_a_bom_and_xlsx_by_parameter_or_accept(
    evaluation_db: Evaluation,
) -> None:
    evaluation = evaluation_db
    await district(evaluation)
    as_district = evaluation.headers(Role.DISTRICT_ADMIN, None)
    rows = (
        await evaluation.client.get(
            "/dashboards/hours", params={"group_by": "street"}, headers=as_district
        )
    ).json()

    as_csv = await evaluation.client.get(
        "/dashboards/hours", params={"group_by": "street", "format": "csv"}, headers=as_district
    )
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="hours-by-street.csv"' in as_csv.headers["content-disposition"]
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[0] == [
        "street_id",
        "street_name",
        "community_id",
        "community_name",
        "volunteers",
        "hours",
    ]
    assert table[1:] == [
        [r["street_id"], r["street_name"], "", "", str(r["volunteers"]), str(r["hours"])]
        for r in rows
    ]
    assert table[1][1] == "东华门街道"

    by_accept = await evaluation.client.get(
        "/dashboards/hours",
        params={"group_by": "street"},
        headers={**as_district, "Accept": "text/csv"},
    )
    assert by_accept.content == as_csv.content

    as_xlsx = await evaluation.client.get(
        "/dashboards/stars",
        headers={
            **as_district,
            "Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    )
    assert as_xlsx.status_code == 200
    assert as_xlsx.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    stars = (await evaluation.client.get("/dashboards/stars", headers=as_district)).json()
    assert cells[0] == list(stars[0])
    assert cells[1:] == [[r[k] if r[k] is not None else None for k in r] for r in stars]

    # The parameter wins over the header.
    as_json = await evaluation.client.get(
        "/dashboards/stars",
        params={"format": "json"},
        headers={**as_district, "Accept": "text/csv"},
    )
    assert as_json.json() == stars
