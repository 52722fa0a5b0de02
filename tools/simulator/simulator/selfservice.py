"""Volunteers read their own: hours and star progress, records, certificates (requesting
one), the colleagues of the period; each read set against what an admin reads of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from simulator.client import Caller, Platform

if TYPE_CHECKING:
    from simulator.scenario import Community, Volunteer


@dataclass
class SelfService:
    """What the sample of volunteers read for themselves, and where it disagreed."""

    readers: int = 0  # volunteers who read their hours, records, certificates, colleagues
    hours_agree: int = 0  # whose own hours equal the ledger's (the admin's) and their records'
    certificates: int = 0  # certificates requested and then listed as theirs
    colleagues_agree: int = 0  # whose reviews received equal the period's ranking
    disagreements: list[str] = field(default_factory=list)


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 0.01


def read_own(
    platform: Platform,
    community: Community,
    sample: list[Volunteer],
    today: date,
    confirmed: dict[str, float],
    found: SelfService,
) -> None:
    """Each of `sample` reads their own; an admin of `community` reads the same of them;
    `confirmed` is the hours the simulator had confirmed for each."""
    admin = community.admin
    ranking = {
        entry["volunteer_id"]: entry
        for entry in platform.walk("evaluation", f"/periods/{community.period_id}/ranking", admin)
    }
    for volunteer in sample:
        me = volunteer.account
        if me is None:
            continue
        found.readers += 1
        problems: list[str] = []
        own = platform.get("evaluation", "/me/hours", me)
        ledger = platform.get("evaluation", f"/volunteers/{volunteer.id}/hours", admin)
        records = list(platform.walk("activities", "/me/records", me))
        counted = sum(r["hours"] for r in records if r["status"] == "confirmed")
        if not (
            _same(own["total_hours"], ledger["total_hours"]) and _same(counted, own["total_hours"])
        ):
            problems.append(
                f"{own['total_hours']} h own, {ledger['total_hours']} h in the ledger, "
                f"{counted} h in their confirmed records"
            )
        if not _same(own["total_hours"], confirmed.get(volunteer.id, 0.0)):
            problems.append(
                f"{own['total_hours']} h own, {confirmed.get(volunteer.id, 0.0)} h confirmed"
            )
        if own["star_level"] != ledger["star_level"]:
            problems.append(f"star {own['star_level']} own, {ledger['star_level']} in the ledger")
        if own["next_star_at_hours"] is not None and not _same(
            own["hours_to_next_star"], own["next_star_at_hours"] - own["total_hours"]
        ):
            problems.append(
                f"{own['hours_to_next_star']} h to the next star at {own['next_star_at_hours']}"
            )
        if not problems:
            found.hours_agree += 1
        if own["total_hours"] > 0:
            certificate = _certificate(platform, me, today)
            mine = {c["number"] for c in platform.walk("evaluation", "/me/certificates", me)}
            if certificate["number"] in mine and _same(certificate["hours"], own["total_hours"]):
                found.certificates += 1
            else:
                problems.append(f"certificate {certificate['number']} of {certificate['hours']} h")
        sheet = platform.get("evaluation", f"/me/periods/{community.period_id}/colleagues", me)
        received = ranking.get(volunteer.id, {}).get("reviews", 0)
        if sheet["reviews_received"] == received and not sheet["reviewing_open"]:
            found.colleagues_agree += 1
        else:
            problems.append(
                f"{sheet['reviews_received']} reviews received, ranking says {received}"
            )
        found.disagreements += [f"{volunteer.number}: {problem}" for problem in problems]


def _certificate(platform: Platform, me: Caller, today: date) -> Any:
    """A certificate of the last year's service, as a volunteer asks for one."""
    span = {"date_from": (today - timedelta(days=365)).isoformat(), "date_to": today.isoformat()}
    return platform.post("evaluation", "/me/certificates", me, json=span)
