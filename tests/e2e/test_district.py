"""The district simulator's scenario across the four processes, then every invariant."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from rich.console import Console

from simulator.client import NotYet, Platform, eventually
from simulator.report import DistrictReport, gather, render
from simulator.scenario import Outcome
from tests.e2e.scenario import TEST_SCALE, Played, check_everything, district_admin, play
from tests.e2e.system import System


@pytest.mark.timeout(400)
def test_a_district_half_year_leaves_every_service_consistent(system: System) -> None:
    played = play(system, seed=11)
    outcome = played.outcome
    # The scenario did what it says: each kind of work happened.
    assert outcome.records > 50
    assert outcome.waitlisted >= 1
    assert outcome.check_ins >= 2
    assert outcome.visits >= 2
    assert outcome.reviews >= 1
    assert outcome.nominations == 4
    assert len(outcome.commended) == 2  # one of each community's two nominations approved
    # People moved last: a reset password changed, one came back, one moved house.
    assert (outcome.password_resets, outcome.came_back, outcome.transferred) == (1, 1, 1)
    # Each community's weekly series moved from its second week, called off from its last.
    communities = len(outcome.communities)
    assert (outcome.series_changed, outcome.series_cancelled) == (3 * communities, communities)
    checked = check_everything(system, played)
    assert checked["volunteers' ledgers"] >= 20
    assert checked["hours-confirmed notifications"] >= outcome.check_ins
    assert played.receiver.refused == 0 or played.receiver.deliveries > played.receiver.refused
    played.receiver.close()
    assert_self_service(outcome)
    assert_district_report(system, played)


def assert_self_service(outcome: Outcome) -> None:
    """Two members of each community read their own, and all of it agreed with the admins'."""
    own = outcome.self_service
    assert own.disagreements == []
    assert own.readers == 2 * len(outcome.communities)
    assert own.hours_agree == own.certificates == own.colleagues_agree == own.readers


def assert_district_report(system: System, played: Played) -> None:
    """The report's district-wide figures sum to what the run did, its queues are empty
    (all entered was confirmed, every application approved), and the past activities,
    never completed by hand, completed by themselves once ended past the grace."""
    outcome = played.outcome
    past = 2 * TEST_SCALE.months  # each community's activities on the 5th and the 20th
    ids = {c.id: c for c in outcome.communities}
    platform = Platform(system.urls)

    def completed() -> DistrictReport:
        # As `make demo` gathers it; the webhook's log was checked (and it disabled) above.
        report = gather(platform, district_admin(system), replace(outcome, webhook_id=""), None)
        done = report.figures.completed_by_themselves
        if sum(done.values()) < past * len(ids):
            raise NotYet(f"completed by themselves: {done}")
        return report

    try:
        report = eventually(completed, "automatic completion", timeout=120)
    finally:
        platform.close()
    figures = report.figures
    assert len(report.honour_roll) == len(outcome.commended)
    assert figures.completed_by_themselves == {c.name: past for c in outcome.communities}
    assert figures.completed_by_hand == {c.name: 1 for c in outcome.communities}

    confirmed = sum(outcome.confirmed_hours.values())
    mine = [r for r in figures.hours["community"] if r["community_id"] in ids]
    assert sum(r["hours"] for r in mine) == pytest.approx(confirmed)
    streets = {r["street_name"] for r in mine}
    by_street = [r for r in figures.hours["street"] if r["street_name"] in streets]
    assert sum(r["hours"] for r in by_street) == pytest.approx(confirmed)
    team_months = [r for r in figures.team_months if r["community_id"] in ids]
    assert sum(r["hours"] for r in team_months) == pytest.approx(confirmed)
    stars = {r["community_id"]: r for r in figures.stars["community"] if r["community_id"] in ids}
    assert {i: stars[i]["volunteers"] for i in ids} == {
        i: len(c.volunteers) for i, c in ids.items()
    }
    assert all(sum(r[f"star_{n}"] for n in range(6)) == r["volunteers"] for r in stars.values())
    four = [r for r in figures.four_ones["community"] if r["community_id"] in ids]
    assert len(four) == len(ids)
    assert all(0 <= r["complete"] <= r["members"] for r in four)
    four_streets = [r for r in figures.four_ones["street"] if r["street_name"] in streets]
    for part in ("complete", "members"):
        assert sum(r[part] for r in four) == sum(r[part] for r in four_streets) > 0
    for counts in figures.queues.values():
        assert counts["records_to_confirm"] == counts["applications_to_approve"] == 0

    console = Console(record=True, width=240, file=io.StringIO())
    render(report, outcome, console)
    text = console.export_text()
    for title in ("district by street", "district by community", "What needs attention"):
        assert title in text
    assert all(c.name in text for c in outcome.communities)
    assert f"{past} by themselves, 1 by their organiser" in text
    assert f"certificates issued and listed {outcome.self_service.readers}" in text
