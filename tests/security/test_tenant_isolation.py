"""Tenant isolation across the four services, for every community role.

Two communities are built through the HTTP APIs (activities, evaluation and
notifications learn their volunteers and teams from the registry's events). Every
community role of the first community then reaches for each record of the second:
volunteer, team, activity, sign-up, record, pairing, request, period, nomination,
inbox entry, webhook subscription. Each answers 404, exactly as for an id that does
not exist, and no list of the first community's callers shows the second's records.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.auth import Role
from tests.security.conftest import System, eventually
from tests.security.world import build_community

COMMUNITY_ROLES = (Role.COMMUNITY_ADMIN, Role.TEAM_LEADER, Role.VOLUNTEER, Role.RESIDENT)
MISSING = "01HZZZZZZZZZZZZZZZZZZZZZZZ"  # a well-formed id that names nothing
SOON = datetime.now(UTC) + timedelta(days=5)

# (service, method, path, body): paths name the other community's ids.
REACHES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("registry", "GET", "/communities/{community}", None),
    ("registry", "PATCH", "/communities/{community}", {"name": "改名"}),
    ("registry", "GET", "/communities/{community}/teams", None),
    ("registry", "GET", "/communities/{community}/member-units", None),
    ("registry", "GET", "/communities/{community}/service-areas", None),
    (
        "registry",
        "POST",
        "/communities/{community}/teams",
        {"name": "新队", "service_area_code": "community_work"},
    ),
    ("registry", "GET", "/communities/{community}/roster.csv", None),
    ("registry", "GET", "/volunteers?community_id={community}", None),
    ("registry", "GET", "/teams/{team}", None),
    ("registry", "POST", "/teams/{team}/members", {"volunteer_id": "{volunteer}"}),
    ("registry", "PUT", "/teams/{team}/leader", {"volunteer_id": "{volunteer}"}),
    ("registry", "DELETE", "/teams/{team}/members/{volunteer}", None),
    ("registry", "GET", "/volunteers/{volunteer}", None),
    ("registry", "PATCH", "/volunteers/{volunteer}", {"skills": "越权"}),
    ("registry", "GET", "/volunteers/{volunteer}/card.pdf", None),
    ("registry", "POST", "/volunteers/{volunteer}/suspend", {"reason": "越权操作"}),
    ("registry", "DELETE", "/volunteers/{volunteer}/personal-data", None),
    ("activities", "GET", "/communities/{community}/activities", None),
    ("activities", "GET", "/activities/{activity}", None),
    ("activities", "PATCH", "/activities/{activity}", {"place": "越权"}),
    ("activities", "POST", "/activities/{activity}/cancel", {"reason": "越权操作"}),
    ("activities", "POST", "/activities/{activity}/sign-ups", None),
    ("activities", "GET", "/activities/{activity}/sign-ups", None),
    ("activities", "POST", "/activities/{activity}/sign-ups/{signup}/cancel", None),
    ("activities", "POST", "/activities/{activity}/check-in", {"code": "000000"}),
    ("activities", "GET", "/communities/{community}/records", None),
    ("activities", "POST", "/records/{record}/confirm", None),
    ("activities", "POST", "/records/{record}/void", {"reason": "越权操作"}),
    ("activities", "GET", "/communities/{community}/pairings", None),
    (
        "activities",
        "POST",
        "/pairings/{pairing}/visits",
        {
            "volunteer_id": "{volunteer}",
            "started_at": "2026-03-11T09:00:00+00:00",
            "ended_at": "2026-03-11T10:00:00+00:00",
        },
    ),
    ("activities", "POST", "/pairings/{pairing}/end", {"reason": "越权操作"}),
    ("activities", "GET", "/communities/{community}/requests", None),
    ("activities", "GET", "/requests/{request}", None),
    ("activities", "POST", "/requests/{request}/assign", {"volunteer_id": "{volunteer}"}),
    ("activities", "POST", "/requests/{request}/close", {"reason": "越权操作"}),
    ("evaluation", "GET", "/communities/{community}/four-ones?month=2026-03", None),
    ("evaluation", "GET", "/communities/{community}/stars", None),
    ("evaluation", "GET", "/communities/{community}/hours-by-team-month", None),
    ("evaluation", "GET", "/volunteers/{volunteer}/hours", None),
    (
        "evaluation",
        "POST",
        "/volunteers/{volunteer}/certificates",
        {"date_from": "2026-01-01", "date_to": "2026-06-30"},
    ),
    (
        "evaluation",
        "POST",
        "/communities/{community}/periods",
        {"label": "2026H2", "starts_on": "2026-07-01", "ends_on": "2026-12-31", "quota": 1},
    ),
    ("evaluation", "POST", "/periods/{period}/advance", None),
    ("evaluation", "GET", "/periods/{period}/reviews", None),
    ("evaluation", "GET", "/periods/{period}/reviews/me", None),
    ("evaluation", "GET", "/periods/{period}/ranking", None),
    (
        "evaluation",
        "POST",
        "/periods/{period}/reviews",
        {"reviewed_volunteer_id": "{volunteer}", "rating": 5},
    ),
    (
        "evaluation",
        "POST",
        "/periods/{period}/nominations",
        {"volunteer_id": "{volunteer}", "reason": "越权推荐"},
    ),
    (
        "evaluation",
        "POST",
        "/nominations/{nomination}/decision",
        {"approved": True, "reason": "同意"},
    ),
    ("notifications", "POST", "/inbox/{inbox}/read", None),
    ("notifications", "GET", "/webhooks/{webhook}/deliveries", None),
    ("notifications", "POST", "/webhooks/{webhook}/enable", None),
]


@pytest.fixture(scope="module")
def communities(system: System) -> tuple[dict[str, Any], dict[str, Any]]:
    return build_community(system, "甲社区"), build_community(system, "乙社区")


def _caller(system: System, mine: dict[str, Any], role: Role) -> dict[str, str]:
    if role is Role.VOLUNTEER:
        return dict(mine["as_volunteer"])  # the volunteer's own login
    return system.headers(role, mine["community"])


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


def _call(
    system: System,
    service: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    ids: dict[str, Any],
    headers: dict[str, str],
) -> tuple[int, str]:
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = _fill(body, ids)
    response = system.clients[service].request(method, path.format(**ids), **kwargs)
    return response.status_code, response.text


@pytest.mark.parametrize("role", COMMUNITY_ROLES, ids=str)
def test_another_community_s_records_are_404_to_every_community_role(
    system: System, communities: tuple[dict[str, Any], dict[str, Any]], role: Role
) -> None:
    mine, theirs = communities
    headers = _caller(system, mine, role)
    missing = {key: MISSING for key in theirs}
    problems = []
    for service, method, path, body in REACHES:
        status, text = _call(system, service, method, path, body, theirs, headers)
        if status != 404:
            problems.append(f"{service} {method} {path}: {status} {text[:150]}")
            continue
        absent, absent_text = _call(system, service, method, path, body, missing, headers)
        # The same answer word for word, but for the id itself where the message names it.
        answer, unknown = _without(text, theirs), _without(absent_text, missing)
        if (absent, unknown) != (404, answer):
            problems.append(
                f"{service} {method} {path}: 404 {answer} for theirs, {absent} {unknown} for none"
            )
    assert not problems, "\n".join(problems)


def _without(text: str, ids: dict[str, Any]) -> str:
    """`text` with every id of `ids` written as <id>."""
    for value in ids.values():
        if isinstance(value, str) and value:
            text = text.replace(value, "<id>")
    return text


def test_the_other_community_s_records_are_untouched(
    system: System, communities: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    # What the refused writes above would have changed is as it was.
    _, theirs = communities
    district = system.district
    registry, activities = system.clients["registry"], system.clients["activities"]
    volunteer = registry.get(f"/volunteers/{theirs['volunteer']}", headers=district).json()
    assert volunteer["status"] == "registered"
    assert volunteer["skills"] != "越权"
    activity = activities.get(f"/activities/{theirs['activity']}", headers=district).json()
    assert activity["status"] == "published"
    assert "越权" not in activity["place"]
    community = registry.get(f"/communities/{theirs['community']}", headers=district).json()
    assert community["name"] == "乙社区"


def _ids(response: Any, key: str = "id") -> set[str]:
    if response.status_code != 200:
        return set()
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {str(item[key]) for item in items}


@pytest.mark.parametrize("role", COMMUNITY_ROLES, ids=str)
def test_lists_show_only_the_caller_s_community(
    system: System, communities: tuple[dict[str, Any], dict[str, Any]], role: Role
) -> None:
    mine, theirs = communities
    headers = _caller(system, mine, role)
    organiser = role in (Role.COMMUNITY_ADMIN, Role.TEAM_LEADER)
    # Streets are the district's geography, shared by its communities: not tenant data.
    hidden = {value for key, value in theirs.items() if isinstance(value, str) and key != "street"}
    problems: list[str] = []

    def check(service: str, path: str, own: str | None, key: str = "id") -> None:
        response = system.clients[service].get(path, headers=headers)
        if response.status_code == 403:
            return  # this role may not list it at all
        if response.status_code != 200:
            problems.append(f"GET {path}: {response.status_code} {response.text[:150]}")
            return
        shown = _ids(response, key)
        if leaked := shown & hidden:
            problems.append(f"GET {path} shows the other community's {sorted(leaked)}")
        if own is not None and own not in shown:
            problems.append(f"GET {path} misses the caller's own {own}")

    community = mine["community"]
    check("registry", "/communities", community)
    check("registry", "/volunteers", mine["volunteer"] if organiser else None)
    check("registry", f"/communities/{community}/teams", mine["team"])
    check("activities", f"/communities/{community}/activities", mine["activity"])
    check("activities", f"/communities/{community}/records", mine["record"] if organiser else None)
    check(
        "activities", f"/communities/{community}/pairings", mine["pairing"] if organiser else None
    )
    check(
        "activities", f"/communities/{community}/requests", mine["request"] if organiser else None
    )
    check(
        "activities",
        f"/activities/{mine['activity']}/sign-ups",
        mine["signup"] if organiser else None,
    )
    check("activities", "/me/records", None)
    check("activities", "/me/requests", None)
    own_activity = mine["activity"] if role is Role.VOLUNTEER else None
    check("activities", "/me/schedule", own_activity, key="activity_id")
    check("evaluation", "/dashboards/communities", None, key="community_id")
    check("evaluation", f"/periods/{mine['period']}/ranking", None, key="volunteer_id")
    check("notifications", "/inbox", None)
    check("notifications", "/webhooks", None)
    assert not problems, "\n".join(problems)


def test_each_community_s_announcement_reaches_its_own_volunteer_only(
    system: System, communities: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    # Through the events: an announcement lands in its own community's inboxes only.
    mine, theirs = communities
    notifications = system.clients["notifications"]
    for who, own_title, other_title in (
        (mine, "甲社区通知", "乙社区通知"),
        (theirs, "乙社区通知", "甲社区通知"),
    ):

        def titles(headers: dict[str, str] = who["as_volunteer"]) -> set[str]:
            return {
                n["title"] for n in notifications.get("/inbox", headers=headers).json()["items"]
            }

        eventually(lambda title=own_title: title in titles(), f"{own_title} is delivered")
        assert other_title not in titles()
