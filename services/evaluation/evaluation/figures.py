"""District-wide figures: the per-community charts summed by community or by street.

Each figure is a flat table (one row per street or community, or per team and month),
so the same rows answer as JSON, CSV and XLSX. A community the registry never told us
about (or one with no street) still counts: its street is empty.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import ColumnElement, case, func, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation import star_thresholds
from evaluation.domain.stars import LEVELS
from evaluation.four_ones import FOUR
from evaluation.models import (
    NOT_VOLUNTEERS,
    CountedRecord,
    FourOnesMark,
    KnownVolunteer,
    VolunteerLedger,
)
from shared.projections.communities import KnownCommunity


class GroupBy(StrEnum):
    """What a district-wide row sums over."""

    STREET = "street"
    COMMUNITY = "community"


class Scope(BaseModel):
    """Which communities a figure covers (None: every community of the district)."""

    communities: list[str] | None = None
    street_id: str | None = None


class Place(BaseModel):
    """Where a row belongs: its street, and its community unless summed by street."""

    street_id: str | None
    street_name: str | None
    community_id: str | None
    community_name: str | None


class StarsRow(Place):
    """Volunteers at each star level (every registered volunteer; no hours is no star)."""

    volunteers: int
    star_0: int
    star_1: int
    star_2: int
    star_3: int
    star_4: int
    star_5: int


class FourOnesRow(Place):
    """Party members who did all four ones in the month."""

    month: str
    members: int
    complete: int
    completion_rate: float | None


class HoursRow(Place):
    """Confirmed hours and the volunteers who served them."""

    volunteers: int
    hours: float


class TeamMonthRow(Place):
    """Confirmed hours of a team (none: served outside a team) in a month."""

    team_id: str | None
    month: str
    hours: float


class _Places:
    """The street of each community, as the registry's events told it."""

    def __init__(self, communities: Iterable[KnownCommunity]) -> None:
        self.known = {c.id: c for c in communities}

    def of(self, community_id: str, group_by: GroupBy) -> Place:
        known = self.known.get(community_id)
        street_id = known.street_id if known else None
        street_name = known.street_name if known else None
        if group_by is GroupBy.STREET:
            return Place(
                street_id=street_id, street_name=street_name, community_id=None, community_name=None
            )
        return Place(
            street_id=street_id,
            street_name=street_name,
            community_id=community_id,
            community_name=known.name if known else None,
        )

    def street_of(self, community_id: str) -> str | None:
        known = self.known.get(community_id)
        return known.street_id if known else None


def _key(place: Place) -> tuple[str, str]:
    # By id: stable, where names sort by code point, which is no order a reader knows.
    return (place.street_id or "", place.community_id or "")


async def _places(session: AsyncSession) -> _Places:
    return _Places((await session.exec(select(KnownCommunity))).all())


def _covers(scope: Scope, places: _Places, community_id: str) -> bool:
    if scope.communities is not None and community_id not in scope.communities:
        return False
    return scope.street_id is None or places.street_of(community_id) == scope.street_id


def _where_communities(scope: Scope, column: Any) -> list[ColumnElement[bool]]:
    if scope.communities is None:
        return []
    return [col(column).in_(scope.communities)]


async def stars(session: AsyncSession, scope: Scope, group_by: GroupBy) -> list[StarsRow]:
    """The star distribution per street or community."""
    places = await _places(session)
    level = star_thresholds.level_of(
        VolunteerLedger.total_hours, await star_thresholds.current(session)
    )
    rows = await session.exec(
        select(KnownVolunteer.community_id, level, func.count())
        .select_from(KnownVolunteer)
        .outerjoin(VolunteerLedger, col(VolunteerLedger.volunteer_id) == KnownVolunteer.id)
        .where(
            col(KnownVolunteer.status).not_in(NOT_VOLUNTEERS),
            *_where_communities(scope, KnownVolunteer.community_id),
        )
        .group_by(col(KnownVolunteer.community_id), level)
    )
    counts: dict[tuple[str, str], list[int]] = {}
    where: dict[tuple[str, str], Place] = {}
    for community_id, star, volunteers in rows.all():
        if not _covers(scope, places, community_id):
            continue
        place = places.of(community_id, group_by)
        key = _key(place)
        where[key] = place
        counts.setdefault(key, [0] * (LEVELS + 1))[min(int(star), LEVELS)] += int(volunteers)
    return [
        StarsRow(
            **where[key].model_dump(),
            volunteers=sum(levels),
            **{f"star_{n}": levels[n] for n in range(LEVELS + 1)},
        )
        for key, levels in sorted(counts.items())
    ]


async def four_ones(
    session: AsyncSession, scope: Scope, group_by: GroupBy, month: str
) -> list[FourOnesRow]:
    """The four ones' completion in a month per street or community, as the community
    view counts it: registered party members, all four done in their community."""
    places = await _places(session)
    members = await session.exec(
        select(KnownVolunteer.community_id, func.count())
        .where(
            col(KnownVolunteer.party_member),
            col(KnownVolunteer.status) == "registered",
            *_where_communities(scope, KnownVolunteer.community_id),
        )
        .group_by(col(KnownVolunteer.community_id))
    )
    done_all = (
        select(FourOnesMark.volunteer_id, FourOnesMark.community_id)
        .where(col(FourOnesMark.month) == month, col(FourOnesMark.tag).in_(FOUR))
        .group_by(col(FourOnesMark.volunteer_id), col(FourOnesMark.community_id))
        .having(func.count(func.distinct(FourOnesMark.tag)) == len(FOUR))
        .subquery()
    )
    complete = await session.exec(
        select(KnownVolunteer.community_id, func.count())
        .join(
            done_all,
            (done_all.c.volunteer_id == KnownVolunteer.id)
            & (done_all.c.community_id == KnownVolunteer.community_id),
        )
        .where(col(KnownVolunteer.party_member), col(KnownVolunteer.status) == "registered")
        .group_by(col(KnownVolunteer.community_id))
    )
    completed = {community: int(n) for community, n in complete.all()}
    totals: dict[tuple[str, str], list[int]] = {}
    where: dict[tuple[str, str], Place] = {}
    for community_id, n in members.all():
        if not _covers(scope, places, community_id):
            continue
        place = places.of(community_id, group_by)
        key = _key(place)
        where[key] = place
        sums = totals.setdefault(key, [0, 0])
        sums[0] += int(n)
        sums[1] += completed.get(community_id, 0)
    return [
        FourOnesRow(
            **where[key].model_dump(),
            month=month,
            members=people,
            complete=done,
            completion_rate=round(done / people, 3) if people else None,
        )
        for key, (people, done) in sorted(totals.items())
    ]


def _window(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    conditions = []
    if since is not None:
        conditions.append(col(CountedRecord.started_at) >= since)
    if until is not None:
        conditions.append(col(CountedRecord.started_at) < until)
    return conditions


async def hours(
    session: AsyncSession,
    scope: Scope,
    group_by: GroupBy,
    since: datetime | None,
    until: datetime | None,
) -> list[HoursRow]:
    """Confirmed hours per street or community; a volunteer counts once per row."""
    places = await _places(session)
    query = (
        select(
            CountedRecord.community_id,
            CountedRecord.volunteer_id,
            func.sum(CountedRecord.hours),
        )
        .where(
            col(CountedRecord.counts),
            *_where_communities(scope, CountedRecord.community_id),
            *_window(since, until),
        )
        .group_by(col(CountedRecord.community_id), col(CountedRecord.volunteer_id))
    )
    rows = await session.exec(query)
    people: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    sums: defaultdict[tuple[str, str], float] = defaultdict(float)
    where: dict[tuple[str, str], Place] = {}
    for community_id, volunteer_id, served in rows.all():
        if not _covers(scope, places, community_id):
            continue
        place = places.of(community_id, group_by)
        key = _key(place)
        where[key] = place
        people[key].add(volunteer_id)
        sums[key] += float(served or 0)
    return [
        HoursRow(**where[key].model_dump(), volunteers=len(people[key]), hours=round(sums[key], 2))
        for key in sorted(where)
    ]


def month_starts(first: datetime, last: datetime, zone: ZoneInfo) -> list[tuple[str, datetime]]:
    """Each month of the district's calendar from `first`'s to `last`'s, with the moment
    it starts (in UTC)."""
    local = first.astimezone(zone)
    year, month = local.year, local.month
    starts = []
    while True:
        start = datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
        if start > last:
            break
        starts.append((f"{year:04d}-{month:02d}", start))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive UTC datetimes.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def hours_by_team_month(
    session: AsyncSession,
    scope: Scope,
    zone: ZoneInfo,
    since: datetime | None,
    until: datetime | None,
) -> list[TeamMonthRow]:
    """Confirmed hours per team per month (the district's calendar), with each team's
    community and street.

    The database sums them: the month of a record is a CASE over the month starts
    between the first and last record (the district's months, computed here, exact
    for any time zone), so the rows read are the table's groups, not its records.
    """
    places = await _places(session)
    conditions = [
        col(CountedRecord.counts),
        *_where_communities(scope, CountedRecord.community_id),
        *_window(since, until),
    ]
    first, last = (
        await session.exec(
            select(func.min(CountedRecord.started_at), func.max(CountedRecord.started_at)).where(
                *conditions
            )
        )
    ).one()
    if first is None or last is None:
        return []
    starts = month_starts(_aware(first), _aware(last), zone)
    started_at = col(CountedRecord.started_at)
    whens = [(started_at < start, label) for (label, _), (_, start) in pairwise(starts)]
    month: ColumnElement[str] = (
        case(*whens, else_=starts[-1][0]) if whens else literal(starts[0][0])
    )
    rows = await session.exec(
        select(
            CountedRecord.community_id, CountedRecord.team_id, month, func.sum(CountedRecord.hours)
        )
        .where(*conditions)
        .group_by(col(CountedRecord.community_id), col(CountedRecord.team_id), month)
    )
    answer = [
        TeamMonthRow(
            **places.of(community_id, GroupBy.COMMUNITY).model_dump(),
            team_id=team_id,
            month=str(label),
            hours=round(float(total or 0), 2),
        )
        for community_id, team_id, label, total in rows.all()
        if _covers(scope, places, community_id)
    ]
    return sorted(answer, key=lambda row: (row.month, *_key(row), row.team_id or ""))
