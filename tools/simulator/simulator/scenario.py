"""A district's half-year, played through the public HTTP APIs.

The district office sets up streets and communities; each community's worker imports
the roster, approves volunteers who applied online, forms teams, and enters the
half-year's service; volunteers sign up for today's activity, check in and out,
visit their paired residents, answer residents' requests and review each other; the
community nominates its best and the district commends them. An integration listens
on a webhook throughout.

Deterministic for a seed: the same seed makes the same people, choices and times
(relative to the day it runs). The simulator never reads a database or imports the
services' code; it waits, as any client must, for facts to travel between services.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from simulator.client import ApiError, Caller, NotYet, Platform, eventually
from simulator.people import SERVICE_AREAS, Census, Person, roster_csv
from simulator.selfservice import SelfService, read_own
from simulator.webhooks import Receiver

ZONE = ZoneInfo("Asia/Shanghai")
# Every simulated account shares it: they are made-up people on a test system.
PASSWORD = "Linli-sim-2026!"  # noqa: S105
TEAMS = (
    ("敬老助老服务队", "elderly_care"),
    ("社区事务服务队", "community_work"),
    ("医疗保健服务队", "healthcare"),
)
WEBHOOK_TYPES = (
    "org.linli.activities.service_confirmed.v1",
    "org.linli.evaluation.star_reached.v1",
    "org.linli.evaluation.nomination_decided.v1",
    "org.linli.evaluation.honour_roll_published.v1",
)
FOUR_ONES = ("good_deed", "public_welfare", "conversation", "problem_solved")


@dataclass(frozen=True)
class Scale:
    """How big the simulated district is."""

    communities: int = 2
    volunteers: int = 40  # per community, imported from the roster
    applicants: int = 8  # per community, applying online: they get accounts and sign in
    months: int = 6  # of history before today
    veterans: int = 2  # per community, with enough hours for star levels
    quota: int = 2  # nominations per community
    # How far back activities accepts a record when it is entered (its `backfill_days`
    # setting): the half-year's service is entered afterwards, so it is played inside
    # this window however many months the period spans.
    backfill_days: int = 90

    @classmethod
    def named(cls, name: str) -> Scale:
        """The sizes the issue names: `small` (tests, demo), `community` (one community of
        1,510), `district` (20 communities)."""
        sizes = {
            "small": cls(),
            "community": cls(communities=1, volunteers=1510, applicants=30, veterans=10),
            "district": cls(communities=20, volunteers=150, applicants=12, veterans=3),
        }
        if name not in sizes:
            raise ValueError(f"scale is one of {', '.join(sizes)}")
        return sizes[name]


@dataclass
class Volunteer:
    """A registered volunteer as the simulator knows them."""

    id: str
    number: str
    name: str
    party_member: bool
    account: Caller | None = None


@dataclass
class Community:
    """One community and the people acting in it."""

    id: str
    name: str
    admin: Caller
    leader: Caller
    resident: Caller
    volunteers: list[Volunteer] = field(default_factory=list)
    teams: dict[str, str] = field(default_factory=dict)  # service area -> team id
    activities: list[str] = field(default_factory=list)
    period_id: str = ""
    nominations: list[str] = field(default_factory=list)

    @property
    def members(self) -> list[Volunteer]:
        """Volunteers with an account, who act for themselves."""
        return [v for v in self.volunteers if v.account is not None]


@dataclass
class Outcome:
    """What the run did, to check the system against and to report."""

    seed: int
    today: date
    communities: list[Community] = field(default_factory=list)
    confirmed_hours: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    records: int = 0
    corrected: int = 0
    voided: int = 0
    sign_ups: int = 0
    waitlisted: int = 0
    check_ins: int = 0
    visits: int = 0
    requests: int = 0
    reviews: int = 0
    nominations: int = 0
    commended: list[str] = field(default_factory=list)
    webhook_id: str = ""
    password_resets: int = 0
    came_back: int = 0
    transferred: int = 0
    series_changed: int = 0  # occurrences of weekly series moved from a day on
    series_cancelled: int = 0  # occurrences of weekly series called off from a day on
    # Completed by an organiser's call; any other completed activity completed itself.
    completed_by_hand: set[str] = field(default_factory=set)
    self_service: SelfService = field(default_factory=SelfService)
    requests_sent: int = 0
    seconds: float = 0.0


Progress = Callable[[str, int], None]


def _noop(_step: str, _advance: int) -> None:
    return None


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class District:
    """Plays the scenario for one seed and scale against a running system."""

    def __init__(
        self,
        platform: Platform,
        district_admin: Caller,
        seed: int,
        scale: Scale,
        receiver: Receiver | None = None,
        progress: Progress = _noop,
        before_step: Callable[[str], None] = lambda _name: None,
    ) -> None:
        self.platform = platform
        self.admin = district_admin
        self.seed = seed
        self.scale = scale
        self.random = random.Random(seed)
        self.census = Census(seed)
        self.receiver = receiver
        self.progress = progress
        # Called with each step's name before it runs, and with "" at the end: the
        # fault tests use it to know what the simulator is doing.
        self.before_step = before_step
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.today = self.now.astimezone(ZONE).date()
        self.outcome = Outcome(seed=seed, today=self.today)
        self.tag = f"S{seed}"

    # The whole run -----------------------------------------------------------------

    def steps(self) -> list[tuple[str, int, Callable[[], None]]]:
        """(name, units of progress, action) for each step, in order."""
        n = self.scale.communities
        return [
            ("district set up", n + 1, self.set_up),
            ("rosters imported", n, self.import_rosters),
            ("online applications", n, self.applications),
            ("teams formed", n, self.teams),
            ("half-year of service", n, self.history),
            ("today's activities", n, self.today_activities),
            ("pairings and visits", n, self.pairings),
            ("residents' requests", n, self.requests),
            ("ledger caught up", 1, self.wait_for_ledger),
            ("peer review and nominations", n, self.evaluation),
            ("district review", 1, self.district_review),
            ("announcements", 1, self.announcements),
            ("people move", 1, self.people_move),
            ("volunteers read their own", n, self.self_service),
        ]

    def run(self) -> Outcome:
        """Play every step; the outcome says what was done."""
        started = datetime.now(UTC)
        for name, _, action in self.steps():
            self.before_step(name)
            with self._step(name):
                action()
        self.before_step("")
        self.outcome.requests_sent = self.platform.requests
        self.outcome.seconds = (datetime.now(UTC) - started).total_seconds()
        return self.outcome

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        try:
            yield
        except (ApiError, NotYet) as exc:
            raise RuntimeError(f"{name}: {exc}") from exc

    # Steps --------------------------------------------------------------------------

    def set_up(self) -> None:
        """Streets, communities, and each community's worker, team leader and a resident."""
        p = self.platform
        if self.receiver is not None:
            subscription = p.post(
                "notifications",
                "/webhooks",
                self.admin,
                json={"url": self.receiver.url, "event_types": list(WEBHOOK_TYPES)},
            )
            self.receiver.secret = subscription["secret"]
            self.outcome.webhook_id = subscription["id"]
        streets = [
            p.post("registry", "/streets", self.admin, json={"name": f"{name}街道{self.tag}"})
            for name in ("东城", "西城", "朝阳", "和平")[: max(1, min(4, self.scale.communities))]
        ]
        self.progress("district set up", 1)
        for index in range(self.scale.communities):
            street = streets[index % len(streets)]
            created = p.post(
                "registry",
                "/communities",
                self.admin,
                json={"name": f"{self.tag}第{index + 1}社区", "street_id": street["id"]},
            )
            accounts = {}
            for role in ("community_admin", "team_leader", "resident"):
                username = f"{self.tag.lower()}-c{index + 1}-{role.replace('_', '-')}"
                p.post(
                    "registry",
                    "/accounts",
                    self.admin,
                    json={
                        "username": username,
                        "password": PASSWORD,
                        "role": role,
                        "community_id": created["id"],
                    },
                )
                accounts[role] = p.login(username, PASSWORD)
            self.outcome.communities.append(
                Community(
                    id=created["id"],
                    name=created["name"],
                    admin=accounts["community_admin"],
                    leader=accounts["team_leader"],
                    resident=accounts["resident"],
                )
            )
            self.progress("district set up", 1)

    def import_rosters(self) -> None:
        """Each worker uploads the community's roster spreadsheet."""
        for community in self.outcome.communities:
            people = [self.census.person() for _ in range(self.scale.volunteers)]
            report = self.platform.post(
                "registry",
                f"/communities/{community.id}/roster",
                community.admin,
                files={"file": ("roster.csv", roster_csv(people), "text/csv")},
            )
            if report["invalid"] or report["imported"] != len(people):
                raise RuntimeError(f"roster of {community.name} not imported: {report}")
            community.volunteers.extend(self._registered(community))
            self.progress("rosters imported", 1)

    def _registered(self, community: Community) -> list[Volunteer]:
        found = [
            Volunteer(v["id"], v["volunteer_number"], v["name"], v["party_member"])
            for v in self.platform.walk(
                "registry", "/volunteers", community.admin, params={"community_id": community.id}
            )
        ]
        return sorted(found, key=lambda v: v.number)

    def applications(self) -> None:
        """Some apply online; the worker approves them; they sign in as volunteers."""
        p = self.platform
        for index, community in enumerate(self.outcome.communities):
            known = {v.id for v in community.volunteers}
            for number in range(self.scale.applicants):
                person = self.census.person()
                username = f"{self.tag.lower()}-c{index + 1}-v{number + 1}"
                applied = p.post(
                    "registry",
                    "/applications",
                    json={**self._application(person), "community_id": community.id}
                    | {"username": username, "password": PASSWORD},
                )
                approved = p.post(
                    "registry", f"/volunteers/{applied['id']}/approve", community.admin
                )
                volunteer = Volunteer(
                    approved["id"],
                    approved["volunteer_number"],
                    approved["name"],
                    approved["party_member"],
                    account=p.login(username, PASSWORD),
                )
                if volunteer.id not in known:
                    community.volunteers.append(volunteer)
            self.progress("online applications", 1)

    @staticmethod
    def _application(person: Person) -> dict[str, Any]:
        return {
            "name": person.name,
            "gender": person.gender,
            "birth_date": person.born.isoformat(),
            "phone": person.phone,
            "national_id": person.national_id,
            "party_member": person.party_member,
            "category": person.category,
            "skills": person.skills,
            "availability": person.availability,
            "service_area_codes": list(person.service_areas),
        }

    def teams(self) -> None:
        """Three teams per community; every volunteer joins one, applicants spread over all."""
        p = self.platform
        for community in self.outcome.communities:
            for name, area in TEAMS:
                team = p.post(
                    "registry",
                    f"/communities/{community.id}/teams",
                    community.admin,
                    json={"name": name, "service_area_code": area},
                )
                community.teams[area] = team["id"]
            team_ids = list(community.teams.values())
            for position, volunteer in enumerate(community.volunteers):
                p.post(
                    "registry",
                    f"/teams/{team_ids[position % len(team_ids)]}/members",
                    community.admin,
                    json={"volunteer_id": volunteer.id},
                )
            for team_id in team_ids:
                leader = community.volunteers[team_ids.index(team_id)]
                p.call(
                    "PUT",
                    "registry",
                    f"/teams/{team_id}/leader",
                    community.admin,
                    json={"volunteer_id": leader.id},
                )
            self.progress("teams formed", 1)

    # The half-year ------------------------------------------------------------------

    def history(self) -> None:
        """Past activities with their attendance entered afterwards, veterans' long
        service, and party members' four ones last month, all entered by the worker;
        then confirmed by the team leader (four eyes: whoever entered hours does not
        confirm them), with a few corrections and voids."""
        for community in self.outcome.communities:
            pending: list[dict[str, Any]] = []
            for days_ago in self._activity_days():
                pending += self._past_activity(community, days_ago)
            pending += self._veterans(community)
            pending += self._four_ones(community)
            self._confirm(community, pending)
            self.progress("half-year of service", 1)

    def _reach(self) -> int:
        """The furthest a record entered now may start, in whole days back: a day short
        of the backfill window, as a run takes a while and days begin at local midnight."""
        return self.scale.backfill_days - 2

    def _activity_days(self) -> list[int]:
        """Days ago of the past activities: on the 5th and 20th day of each month of the
        half-year, spread evenly over the backfill window when the half-year reaches
        further back than it does."""
        days = [month * 30 + day for month in range(self.scale.months) for day in (5, 20)]
        reach = self._reach()
        if days[-1] <= reach:
            return days
        return [5 + round((day - 5) * (reach - 5) / (days[-1] - 5)) for day in days]

    def _record(self, community: Community, body: dict[str, Any]) -> dict[str, Any]:
        def post() -> dict[str, Any]:
            answer: dict[str, Any] = self.platform.post(
                "activities", f"/communities/{community.id}/records", community.admin, json=body
            )
            return answer

        def not_known_yet(error: ApiError) -> bool:
            return error.status == 404 and error.code == "volunteer_not_found"

        record = eventually(post, "a service record", retry_if=not_known_yet)
        self.outcome.records += 1
        return record

    def _past_activity(self, community: Community, days_ago: int) -> list[dict[str, Any]]:
        area = self.random.choice(list(community.teams))
        day = self.today - timedelta(days=days_ago)
        starts = datetime(day.year, day.month, day.day, 9, 0, tzinfo=ZONE)
        body = {
            "title": f"{day:%m月%d日}志愿服务",
            "kind": "community_service",
            "service_area_code": area,
            "scope": "team",
            "team_id": community.teams[area],
            "place": "社区广场",
            "starts_at": _iso(starts),
            "ends_at": _iso(starts + timedelta(hours=3)),
            "capacity": 200,
        }

        activity = self._publish(community, community.admin, body)
        # Members (with accounts) come often, so each has colleagues to review later.
        attendees = community.members + self.random.sample(
            community.volunteers, k=min(len(community.volunteers), 10)
        )
        records = []
        for volunteer in {v.id: v for v in attendees}.values():
            if self.random.random() < 0.2:
                continue  # did not come this time
            hours = self.random.choice((2.0, 2.5, 3.0))
            tags = ["public_welfare"] if volunteer.party_member else []
            records.append(
                self._record(
                    community,
                    {
                        "volunteer_id": volunteer.id,
                        "kind": "activity",
                        "activity_id": activity["id"],
                        "started_at": _iso(starts),
                        "ended_at": _iso(starts + timedelta(hours=hours)),
                        "tags": tags,
                    },
                )
            )
        return records

    def _veterans(self, community: Community) -> list[dict[str, Any]]:
        """Long-serving volunteers: enough hours for the first star level, one for the second."""
        records = []
        # Days with a community activity are left out: a veteran may have been there.
        activity_days = set(self._activity_days())
        free = [d for d in range(7, self._reach() + 1) if d not in activity_days]
        for rank, volunteer in enumerate(community.volunteers[: self.scale.veterans]):
            count = min(len(free), 55 if rank == 0 else 18)
            for index in range(count):
                day = self.today - timedelta(days=free[index * len(free) // count])
                # 6 h, so with a one-hour good deed and a visit the day stays within 8 h.
                starts = datetime(day.year, day.month, day.day, 8, 0, tzinfo=ZONE)
                records.append(
                    self._record(
                        community,
                        {
                            "volunteer_id": volunteer.id,
                            "kind": "other",
                            "service_area_code": self.random.choice(SERVICE_AREAS),
                            "place": "社区服务站",
                            "started_at": _iso(starts),
                            "ended_at": _iso(starts + timedelta(hours=6)),
                        },
                    )
                )
        return records

    def _four_ones(self, community: Community) -> list[dict[str, Any]]:
        """Last month, two in three party members did all four ones; the rest missed one."""
        first = self.today.replace(day=1)
        last_month = (first - timedelta(days=1)).replace(day=1)
        records = []
        for volunteer in (v for v in community.volunteers if v.party_member):
            done = FOUR_ONES if self.random.random() < 0.67 else FOUR_ONES[:3]
            for offset, tag in enumerate(done):
                day = last_month + timedelta(days=1 + offset * 7)
                starts = datetime(day.year, day.month, day.day, 18, 0, tzinfo=ZONE)
                records.append(
                    self._record(
                        community,
                        {
                            "volunteer_id": volunteer.id,
                            "kind": "good_deed" if tag == "good_deed" else "other",
                            "service_area_code": "community_work",
                            "place": "社区",
                            "started_at": _iso(starts),
                            "ended_at": _iso(starts + timedelta(hours=1)),
                            "tags": [tag],
                        },
                    )
                )
        return records

    def _confirm(self, community: Community, records: list[dict[str, Any]]) -> None:
        """The team leader confirms each record the worker entered; about one in forty is
        corrected by the worker afterwards (and confirmed again by the leader), one in
        sixty voided."""
        p = self.platform
        for record in records:
            confirmed = self._confirmed(community, record["id"], by=community.leader)
            counted = self.outcome.confirmed_hours
            roll = self.random.random()
            if roll < 1 / 40:
                starts = datetime.fromisoformat(confirmed["started_at"])
                corrected = p.post(
                    "activities",
                    f"/records/{record['id']}/correct",
                    community.admin,
                    json={
                        "started_at": _iso(starts),
                        "ended_at": _iso(starts + timedelta(hours=1)),
                        "reason": "签到表核对后更正",
                    },
                )
                # The correction is a new entry the worker recorded: the old hours stop
                # counting, and the new ones count once the leader has confirmed them.
                counted[confirmed["volunteer_id"]] -= confirmed["hours"]
                self._confirmed(community, corrected["id"], by=community.leader)
                self.outcome.corrected += 1
            elif roll < 1 / 40 + 1 / 60:
                p.post(
                    "activities",
                    f"/records/{record['id']}/void",
                    community.admin,
                    json={"reason": "重复登记"},
                )
                counted[confirmed["volunteer_id"]] -= confirmed["hours"]
                self.outcome.voided += 1

    def _confirmed(self, community: Community, record_id: str, by: Caller) -> dict[str, Any]:
        """`by` confirms a pending record someone else recorded; its hours count from now on."""
        confirmed: dict[str, Any] = self.platform.post(
            "activities", f"/records/{record_id}/confirm", by
        )
        self.outcome.confirmed_hours[confirmed["volunteer_id"]] += confirmed["hours"]
        return confirmed

    def _publish(
        self, community: Community, organiser: Caller | None, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Create and publish an activity, once activities knows the team it names."""

        def create() -> dict[str, Any]:
            [created] = self.platform.post(
                "activities",
                f"/communities/{community.id}/activities",
                organiser,
                params={"publish": "true"},
                json=body,
            )
            return dict(created)

        def team_not_known_yet(error: ApiError) -> bool:
            return error.status == 404 and error.code == "team_not_found"

        # Activities learns of a new team from the registry's events, a moment later.
        activity = eventually(create, "an activity", retry_if=team_not_known_yet)
        community.activities.append(activity["id"])
        return activity

    def _attend(
        self,
        action: str,
        community: Community,
        activity: dict[str, Any],
        volunteer: Volunteer,
        *,
        scanned: bool,
    ) -> None:
        """Check in or out: the volunteer with the activity's code, or the team leader
        scanning the volunteer's card."""
        body: dict[str, str] = {"code": activity["check_in_code"]}
        caller = volunteer.account
        if scanned:
            body, caller = {"volunteer_number": volunteer.number}, community.leader
        self.platform.post(
            "activities", f"/activities/{activity['id']}/{action}", caller, json=body
        )

    # Today ----------------------------------------------------------------------------

    def today_activities(self) -> None:
        """Today's activity in every community, starting in a few seconds: members sign up
        (the last ones waitlisted), one cancels and the first on the waitlist takes the
        place, everyone checks in (one by the team leader scanning the card), the
        activity starts, they check out, the leader completes it and the worker confirms
        the hours. Tomorrow's activity is announced and then cancelled."""
        p = self.platform
        everyone = sum(len(c.members) for c in self.outcome.communities)
        # Sign-ups close at the start: leave time for every member to sign up first.
        starts = datetime.now(UTC) + timedelta(seconds=10 + 0.5 * everyone)
        present: dict[str, list[Volunteer]] = {}
        activities: dict[str, dict[str, Any]] = {}
        for community in self.outcome.communities:
            activity = self._publish(
                community,
                community.leader,
                {
                    "title": "今日为老服务",
                    "kind": "elderly_visit",
                    "service_area_code": "elderly_care",
                    "place": "社区日间照料中心",
                    "starts_at": _iso(starts),
                    "ends_at": _iso(starts + timedelta(hours=3)),
                    "capacity": max(1, len(community.members) - 2),
                },
            )
            activities[community.id] = activity
            present[community.id] = self._sign_ups_and_check_ins(community, activity)
        # Check-out before the start would record nothing: wait until it has begun.
        time.sleep(max(0.0, (starts - datetime.now(UTC)).total_seconds() + 2))
        for community in self.outcome.communities:
            activity = activities[community.id]
            for position, volunteer in enumerate(present[community.id]):
                self._attend("check-out", community, activity, volunteer, scanned=position == 0)
            p.post("activities", f"/activities/{activity['id']}/complete", community.leader)
            self.outcome.completed_by_hand.add(activity["id"])
            # Every page, read before any is confirmed (confirming changes the list).
            pending = list(
                p.walk(
                    "activities",
                    f"/communities/{community.id}/records",
                    community.admin,
                    params={"status": "pending"},
                )
            )
            # Check-out recorded these (the clock, not a person); the worker confirms them.
            for record in pending:
                self._confirmed(community, record["id"], by=community.admin)
                self.outcome.records += 1
            self._tomorrow(community)
            self.progress("today's activities", 1)

    def _sign_ups_and_check_ins(
        self, community: Community, activity: dict[str, Any]
    ) -> list[Volunteer]:
        """Members sign up; one leaves and the waitlist moves; the rest check in."""
        p = self.platform
        members = community.members
        signups = {}
        for volunteer in members:
            signup = self._sign_up(activity["id"], volunteer)
            signups[volunteer.id] = signup
            self.outcome.sign_ups += 1
            self.outcome.waitlisted += signup["status"] == "waitlisted"
        leaving = members[0]
        p.post(
            "activities",
            f"/activities/{activity['id']}/sign-ups/{signups[leaving.id]['id']}/cancel",
            leaving.account,
        )
        offered = next(v for v in members if signups[v.id]["status"] == "waitlisted")
        p.post(
            "activities",
            f"/activities/{activity['id']}/sign-ups/{signups[offered.id]['id']}/confirm",
            offered.account,
        )
        # Everyone with a place comes; the one still waitlisted does not.
        present = [v for v in members if v.id != leaving.id][: len(members) - 2]
        for position, volunteer in enumerate(present):
            self._attend("check-in", community, activity, volunteer, scanned=position == 0)
            self.outcome.check_ins += 1
        return present

    def _sign_up(self, activity_id: str, volunteer: Volunteer) -> dict[str, Any]:
        """Sign up as the volunteer, once activities has heard they are registered."""

        def post() -> dict[str, Any]:
            answer: dict[str, Any] = self.platform.post(
                "activities", f"/activities/{activity_id}/sign-ups", volunteer.account
            )
            return answer

        return eventually(post, "a sign-up", retry_if=lambda error: error.status == 403)

    def _tomorrow(self, community: Community) -> None:
        p = self.platform
        starts = self.now + timedelta(days=1, hours=2)
        activity = self._publish(
            community,
            community.admin,
            {
                "title": "明日健康义诊",
                "kind": "health_check",
                "service_area_code": "healthcare",
                "place": "社区卫生站",
                "starts_at": _iso(starts),
                "ends_at": _iso(starts + timedelta(hours=2)),
                "capacity": 20,
            },
        )
        for volunteer in community.members[:3]:
            self._sign_up(activity["id"], volunteer)
            self.outcome.sign_ups += 1
        p.post(
            "activities",
            f"/activities/{activity['id']}/cancel",
            community.admin,
            json={"reason": "天气原因取消"},
        )
        self._weekly(community)

    def _weekly(self, community: Community) -> None:
        """A weekly patrol for four weeks from next week, a freed place promoted at once:
        from its second week it moves to the evening at another gate, and from its last
        week it is called off (the first stays as announced)."""
        p = self.platform
        first = (self.now + timedelta(days=7)).astimezone(ZONE).replace(hour=9, minute=0)
        made = p.post(
            "activities",
            f"/communities/{community.id}/activities",
            community.admin,
            params={"publish": "true"},
            json={
                "title": "每周治安巡逻",
                "kind": "patrol",
                "service_area_code": "community_work",
                "place": "社区东门",
                "starts_at": _iso(first),
                "ends_at": _iso(first + timedelta(hours=2)),
                "capacity": 2,
                "repeat_weekly": 4,
                "waitlist_policy": "promote",
            },
        )
        series_id = made[0]["series_id"]
        community.activities.extend(a["id"] for a in made)
        for volunteer in community.members[:2]:
            self._sign_up(made[-1]["id"], volunteer)
            self.outcome.sign_ups += 1
        day = (first + timedelta(weeks=1)).date().isoformat()
        moved = p.call(
            "PATCH",
            "activities",
            f"/series/{series_id}",
            community.admin,
            params={"from": day},
            json={"start_time": "18:30", "end_time": "20:30", "place": "社区西门"},
        )
        self.outcome.series_changed += len(moved)
        last = (first + timedelta(weeks=3)).date().isoformat()
        cancelled = p.post(
            "activities",
            f"/series/{series_id}/cancel",
            community.admin,
            params={"from": last},
            json={"reason": "场地施工，巡逻暂停"},
        )
        self.outcome.series_cancelled += len(cancelled)

    # Pairings and requests -----------------------------------------------------------

    def pairings(self) -> None:
        """A one-helps-one pairing with a resident who has an account (they confirm the
        visits) and a many-help-one pairing the worker confirms."""
        p = self.platform
        for community in self.outcome.communities:
            members = community.members
            kinds = [
                ("one_helps_one", "empty_nest_elder", community.resident, members[1:2]),
                ("many_help_one", "disabled", None, members[2:4]),
            ]
            for kind, category, beneficiary, helpers in kinds:
                pairing = p.post(
                    "activities",
                    f"/communities/{community.id}/pairings",
                    community.admin,
                    json={
                        "kind": kind,
                        "beneficiary_label": f"{category}-{community.name}",
                        "beneficiary_category": category,
                        "beneficiary_account_id": beneficiary.account_id if beneficiary else None,
                        "volunteer_ids": [v.id for v in helpers],
                        "cadence_days": 14,
                    },
                )
                for week, volunteer in enumerate(helpers * 2):
                    day = self.today - timedelta(days=3 + 14 * week)
                    starts = datetime(day.year, day.month, day.day, 15, 30, tzinfo=ZONE)
                    visit = p.post(
                        "activities",
                        f"/pairings/{pairing['id']}/visits",
                        volunteer.account,
                        json={
                            "volunteer_id": volunteer.id,
                            "started_at": _iso(starts),
                            "ended_at": _iso(starts + timedelta(hours=1)),
                        },
                    )
                    confirmer = beneficiary or community.admin
                    confirmed = p.post(
                        "activities",
                        f"/pairings/{pairing['id']}/visits/{visit['id']}/confirm",
                        confirmer,
                    )
                    self.outcome.confirmed_hours[volunteer.id] += confirmed["hours"]
                    self.outcome.visits += 1
                    self.outcome.records += 1
            self.progress("pairings and visits", 1)

    def requests(self) -> None:
        """The resident asks for help three times; the worker assigns a member, who
        solves two; the third turns out to be a duplicate and is closed."""
        p = self.platform
        for community in self.outcome.communities:
            for category, text in (
                ("housekeeping", "厨房水管漏水,需要上门维修"),
                ("policy_consultation", "想了解高龄津贴的申领办法"),
                ("housekeeping", "水管漏水(重复提交)"),
            ):
                opened = p.post(
                    "activities",
                    f"/communities/{community.id}/requests",
                    community.resident,
                    json={"category": category, "description": text},
                )
                if "重复" in text:
                    p.post(
                        "activities",
                        f"/requests/{opened['id']}/close",
                        community.admin,
                        json={"reason": "与上一条重复"},
                    )
                    continue
                solver = self.random.choice(community.members)
                p.post(
                    "activities",
                    f"/requests/{opened['id']}/assign",
                    community.admin,
                    json={"volunteer_id": solver.id},
                )
                p.post(
                    "activities",
                    f"/requests/{opened['id']}/resolve",
                    community.admin,
                    json={"resolution": "已上门解决", "volunteer_id": solver.id},
                )
                # The resident follows it: opened, assigned to the member, resolved.
                followed = p.get(
                    "activities", f"/requests/{opened['id']}/progress", community.resident
                )
                steps = [step["status"] for step in followed["steps"]]
                if steps[0] != "open" or steps[-1] != "resolved":
                    raise AssertionError(f"request {opened['id']} shows the steps {steps}")
                self.outcome.requests += 1
            # ... and lists their own: the two solved and the duplicate closed.
            mine = p.get("activities", "/me/requests", community.resident, params={"limit": 200})
            if mine["total"] < 3:
                raise AssertionError(f"the resident lists {mine['total']} requests, not 3")
            self.progress("residents' requests", 1)

    # Evaluation ---------------------------------------------------------------------

    def wait_for_ledger(self) -> None:
        """Every confirmed hour has reached the evaluation ledger."""
        expected = dict(self.outcome.confirmed_hours)
        by_volunteer = {
            v.id: community for community in self.outcome.communities for v in community.volunteers
        }

        def caught_up() -> None:
            for volunteer_id, hours in sorted(expected.items()):
                seen = self.platform.get(
                    "evaluation",
                    f"/volunteers/{volunteer_id}/hours",
                    by_volunteer[volunteer_id].admin,
                )["total_hours"]
                if abs(seen - hours) > 0.01:
                    raise NotYet(
                        f"volunteer {volunteer_id}: {seen} h in the ledger, {hours} h confirmed"
                    )
                expected.pop(volunteer_id)

        eventually(caught_up, "the evaluation ledger", timeout=120)
        self.progress("ledger caught up", 1)

    def evaluation(self) -> None:
        """The half-year period: open, peer review among members, nominations by score."""
        p = self.platform
        for community in self.outcome.communities:
            period = p.post(
                "evaluation",
                f"/communities/{community.id}/periods",
                community.admin,
                json={
                    "label": f"{self.today.year}年{'上' if self.today.month <= 6 else '下'}半年",
                    "starts_on": (self.today - timedelta(days=30 * self.scale.months)).isoformat(),
                    "ends_on": self.today.isoformat(),
                    "quota": self.scale.quota,
                },
            )
            community.period_id = period["id"]
            p.post("evaluation", f"/periods/{period['id']}/advance", community.admin)
            members = community.members
            for reviewer in members:
                others = [v for v in members if v.id != reviewer.id]
                for reviewed in self.random.sample(others, k=min(3, len(others))):
                    try:
                        p.post(
                            "evaluation",
                            f"/periods/{period['id']}/reviews",
                            reviewer.account,
                            json={
                                "reviewed_volunteer_id": reviewed.id,
                                "rating": self.random.choice((3, 4, 4, 5, 5)),
                                "comment": "服务认真",
                            },
                        )
                        self.outcome.reviews += 1
                    except ApiError as exc:
                        # Never served together this half-year: the service says so.
                        if exc.status != 422:
                            raise
            p.post("evaluation", f"/periods/{period['id']}/advance", community.admin)
            # Best first: the first page holds the quota's worth.
            ranking = p.get(
                "evaluation",
                f"/periods/{period['id']}/ranking",
                community.admin,
                params={"limit": self.scale.quota},
            )
            for entry in ranking["items"]:
                nomination = p.post(
                    "evaluation",
                    f"/periods/{period['id']}/nominations",
                    community.admin,
                    json={
                        "volunteer_id": entry["volunteer_id"],
                        "reason": "服务时长与评议均居前列",
                    },
                )
                community.nominations.append(nomination["id"])
                self.outcome.nominations += 1
            p.post("evaluation", f"/periods/{period['id']}/advance", community.admin)
            self.progress("peer review and nominations", 1)

    def district_review(self) -> None:
        """The district office approves every nomination but the last, then publishes."""
        p = self.platform
        for community in self.outcome.communities:
            nominations = community.nominations
            for position, nomination in enumerate(nominations):
                approved = position < len(nominations) - 1 or len(nominations) == 1
                p.post(
                    "evaluation",
                    f"/nominations/{nomination}/decision",
                    self.admin,
                    json={"approved": approved, "reason": "事迹突出" if approved else "名额调整"},
                )
            p.post("evaluation", f"/periods/{community.period_id}/advance", self.admin)
            roll = p.walk("evaluation", f"/periods/{community.period_id}/honour-roll")
            self.outcome.commended += [entry["volunteer_id"] for entry in roll]
        self.progress("district review", 1)

    def announcements(self) -> None:
        """The district office tells everyone; each worker tells their community."""
        p = self.platform
        p.post(
            "notifications",
            "/announcements",
            self.admin,
            json={
                "audience": "district",
                "title": "表彰公告",
                "body": "半年度优秀志愿者名单已公布",
            },
        )
        for community in self.outcome.communities:
            p.post(
                "notifications",
                "/announcements",
                community.admin,
                json={
                    "audience": "community",
                    "community_id": community.id,
                    "title": "感谢大家",
                    "body": "感谢各位志愿者半年来的付出",
                },
            )
        self.progress("announcements", 1)

    def people_move(self) -> None:
        """Last, as it changes who is where: a worker resets a forgotten password and the
        volunteer chooses a new one and updates their own profile; someone who withdrew
        comes back with their number; the district moves a volunteer who moved house."""
        p = self.platform
        first = self.outcome.communities[0]
        member = first.members[0]
        if member.account is None:  # members are the volunteers with an account
            raise AssertionError("no member to sign in")
        account = p.get("registry", f"/accounts/{member.account.account_id}", first.admin)
        reset = p.post(
            "registry", f"/accounts/{member.account.account_id}/password-reset", first.admin
        )
        credentials = {"username": account["username"], "password": reset["temporary_password"]}
        refused = p.call("POST", "registry", "/auth/login", json=credentials, expect=(403,))
        if not refused.get("password_change_required"):
            raise AssertionError(f"a reset password logged in: {refused}")
        p.post(
            "registry",
            "/auth/password",
            json={
                "username": account["username"],
                "current_password": reset["temporary_password"],
                "new_password": PASSWORD,
            },
        )
        member.account = p.login(account["username"], PASSWORD)
        p.call("PATCH", "registry", "/me/volunteer", member.account, json={"availability": "周末"})
        self.outcome.password_resets += 1

        roster = [v for v in first.volunteers if v.account is None]
        leaver = roster[-1]
        p.post(
            "registry",
            f"/volunteers/{leaver.id}/withdraw",
            first.admin,
            json={"reason": "外出务工"},
        )
        back = p.post("registry", f"/volunteers/{leaver.id}/come-back", first.admin)
        if back["volunteer_number"] != leaver.number:
            raise AssertionError(f"{leaver.id} came back as {back['volunteer_number']}")
        self.outcome.came_back += 1

        if len(self.outcome.communities) > 1:
            target = self.outcome.communities[1]
            for mover in roster[:-1]:
                # A team's leader is refused (409) until the team has another.
                moved = p.call(
                    "POST",
                    "registry",
                    f"/volunteers/{mover.id}/transfer",
                    self.admin,
                    json={"community_id": target.id},
                    expect=(200, 409),
                )
                if moved.get("community_id") == target.id:
                    first.volunteers.remove(mover)
                    target.volunteers.append(mover)
                    self.outcome.transferred += 1
                    break
        self.progress("people move", 1)

    def self_service(self) -> None:
        """Half the members of each community (at least two) read their own hours and
        star progress, records, certificates (asking for one) and the period's
        colleagues, each set against what the community's worker reads of them."""
        for community in self.outcome.communities:
            members = community.members
            sample = self.random.sample(members, k=min(len(members), max(2, len(members) // 2)))
            read_own(
                self.platform,
                community,
                sorted(sample, key=lambda v: v.number),
                self.today,
                self.outcome.confirmed_hours,
                self.outcome.self_service,
            )
            self.progress("volunteers read their own", 1)
