"""The district office's own view: the district-wide figures (by street and by community),
the queues of what needs a person in each community, and the activities that completed by
themselves, all read from the public APIs as the district admin."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from simulator.client import Caller, Platform

Row = dict[str, Any]
GROUPS = ("street", "community")
ACTIVITY_QUEUES = (
    "records_to_confirm",
    "check_outs_to_resolve",
    "overdue_pairings",
    "overdue_requests",
)
REGISTRY_QUEUES = ("applications_to_approve",)


@dataclass
class DistrictFigures:
    """Each dashboard's rows as evaluation answered them, and the queues' counts."""

    month: str = ""  # of the four ones: last month
    stars: dict[str, list[Row]] = field(default_factory=dict)  # group_by -> rows
    four_ones: dict[str, list[Row]] = field(default_factory=dict)
    hours: dict[str, list[Row]] = field(default_factory=dict)
    team_months: list[Row] = field(default_factory=list)
    team_names: dict[str, str] = field(default_factory=dict)  # team id -> name
    queues: dict[str, dict[str, int]] = field(default_factory=dict)  # community -> queue -> n
    district_queues: dict[str, int] = field(default_factory=dict)
    completed_by_hand: dict[str, int] = field(default_factory=dict)  # community -> n
    completed_by_themselves: dict[str, int] = field(default_factory=dict)


def last_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def gather_figures(
    platform: Platform,
    admin: Caller,
    today: date,
    communities: list[tuple[str, str]],
    completed_by_hand: set[str],
) -> DistrictFigures:
    """The district's figures; the queues and completions of `communities` (id, name),
    of which the simulator completed `completed_by_hand` itself."""
    figures = DistrictFigures(month=last_month(today))
    for group in GROUPS:
        by = {"group_by": group}
        figures.stars[group] = platform.get("evaluation", "/dashboards/stars", admin, params=by)
        figures.four_ones[group] = platform.get(
            "evaluation", "/dashboards/four-ones", admin, params={**by, "month": figures.month}
        )
        figures.hours[group] = platform.get("evaluation", "/dashboards/hours", admin, params=by)
    figures.team_months = platform.get("evaluation", "/dashboards/hours-by-team-month", admin)
    for community_id in sorted({r["community_id"] for r in figures.team_months if r["team_id"]}):
        for team in platform.walk("registry", f"/communities/{community_id}/teams", admin):
            figures.team_names[team["id"]] = team["name"]
    for community_id, name in communities:
        figures.queues[name] = queue_counts(platform, admin, community_id)
        completed = [
            a["id"]
            for a in platform.walk(
                "activities",
                f"/communities/{community_id}/activities",
                admin,
                params={"status": "completed"},
            )
        ]
        figures.completed_by_hand[name] = sum(a in completed_by_hand for a in completed)
        figures.completed_by_themselves[name] = len(completed) - figures.completed_by_hand[name]
    figures.district_queues = queue_counts(platform, admin, None)
    return figures


def queue_counts(platform: Platform, admin: Caller, community_id: str | None) -> dict[str, int]:
    """Every queue's count of activities and the registry, for one community or all."""
    params = {"community_id": community_id} if community_id else {}
    counts = platform.get("activities", "/queues", admin, params=params)
    counts |= platform.get("registry", "/queues", admin, params=params)
    return {queue: counts[queue] for queue in ACTIVITY_QUEUES + REGISTRY_QUEUES}


def _place(row: Row, group: str) -> list[str]:
    street = row["street_name"] or "(no street)"
    return [street] if group == "street" else [street, row["community_name"] or "(unnamed)"]


def _places(table: Table, group: str) -> None:
    table.add_column("street (街道)")
    if group == "community":
        table.add_column("community (社区)")


def render_figures(figures: DistrictFigures, console: Console) -> None:
    """Print the district's tables, street by street, then community by community."""
    for group in GROUPS:
        stars = Table(title=f"Volunteers by star level (星级), district by {group}")
        _places(stars, group)
        for column in ("volunteers", "no star", "★", "★★", "★★★", "★★★★", "★★★★★"):
            stars.add_column(column, justify="right")
        for row in figures.stars[group]:
            levels = [str(row[f"star_{level}"]) for level in range(6)]
            stars.add_row(*_place(row, group), str(row["volunteers"]), *levels)
        console.print(stars)

    for group in GROUPS:
        four = Table(
            title=f"Four ones (四个一) completed by party members, {figures.month}, by {group}"
        )
        _places(four, group)
        for column in ("complete", "members", "rate"):
            four.add_column(column, justify="right")
        for row in figures.four_ones[group]:
            rate = row["completion_rate"]
            four.add_row(
                *_place(row, group),
                str(row["complete"]),
                str(row["members"]),
                "-" if rate is None else f"{rate:.0%}",
            )
        console.print(four)

    for group in GROUPS:
        hours = Table(title=f"Confirmed hours (服务时长), district by {group}")
        _places(hours, group)
        for column in ("volunteers who served", "hours"):
            hours.add_column(column, justify="right")
        for row in figures.hours[group]:
            hours.add_row(*_place(row, group), str(row["volunteers"]), f"{row['hours']:g}")
        console.print(hours)

    months = sorted({row["month"] for row in figures.team_months})[-6:]
    cells: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    for row in figures.team_months:
        team = (
            figures.team_names.get(row["team_id"], "(no team)") if row["team_id"] else "(no team)"
        )
        key = (row["street_name"] or "", row["community_name"] or "", team)
        cells[key][row["month"]] = cells[key].get(row["month"], 0.0) + row["hours"]
    by_team = Table(title="Confirmed hours by team and month, district-wide")
    for column in ("street", "community", "team"):
        by_team.add_column(column)
    for month in months:
        by_team.add_column(month, justify="right")
    for key in sorted(cells):
        by_team.add_row(*key, *(f"{cells[key].get(m, 0):g}" for m in months))
    console.print(by_team)

    queues = Table(title="What needs attention (queues), the run's communities")
    queues.add_column("community")
    for queue in ACTIVITY_QUEUES + REGISTRY_QUEUES:
        queues.add_column(queue.replace("_", " "), justify="right")
    for name, counts in [*figures.queues.items(), ("whole district", figures.district_queues)]:
        queues.add_row(name, *(str(counts[q]) for q in ACTIVITY_QUEUES + REGISTRY_QUEUES))
    console.print(queues)

    done = ", ".join(
        f"{name} {n} by themselves, {figures.completed_by_hand[name]} by their organiser"
        for name, n in figures.completed_by_themselves.items()
    )
    console.print(f"Activities completed after they ended: {done or 'none'}")
