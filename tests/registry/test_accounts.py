"""Managing accounts over HTTP, on SQLite and PostgreSQL: list and search, role and
community, disable and enable, a reset password, one's own password, throttling."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from shared.auth import Role
from tests.registry.conftest import Registry, application

PASSWORD = "a long passphrase"
CA = Role.COMMUNITY_ADMIN


async def _account(
    registry: Registry, username: str, role: str, community: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"username": username, "password": PASSWORD, "role": role}
    if community is not None:
        body["community_id"] = community
    created = await registry.client.post("/accounts", json=body, headers=registry.district)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def _login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/auth/login", json={"username": username, "password": password})


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
async def two(registry_on_both: Registry) -> dict[str, Any]:
    """Two communities with accounts of every community role, and a volunteer's account."""
    registry = registry_on_both
    own, other = await registry.community("兴华社区"), await registry.community("东风社区")
    made = {
        "admin": await _account(registry, "ca.own", "community_admin", own),
        "leader": await _account(registry, "tl.own", "team_leader", own),
        "resident": await _account(registry, "re.own", "resident", own),
        "other_leader": await _account(registry, "tl.other", "team_leader", other),
        "district": await _account(registry, "da.two", "district_admin", None),
    }
    form = {**application(5), "name": "王秀英", "community_id": own}
    form |= {"username": "wxy1960", "password": PASSWORD}
    applied = await registry.client.post("/applications", json=form)
    assert applied.status_code == 201, applied.text
    return {"own": own, "other": other, "volunteer": applied.json(), **made}


async def _all_pages(
    registry: Registry, headers: dict[str, str], **params: Any
) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await registry.client.get("/accounts", params=query, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items, body["total"]


async def test_accounts_are_listed_by_username_and_filtered(
    registry_on_both: Registry, two: dict[str, Any]
) -> None:
    registry = registry_on_both
    everyone, total = await _all_pages(registry, registry.district)
    names = [a["username"] for a in everyone]
    assert names == sorted(names)
    assert len(names) == len(set(names)) == total == 6

    own, _ = await _all_pages(registry, registry.district, community_id=two["own"])
    assert {a["username"] for a in own} == {"ca.own", "tl.own", "re.own", "wxy1960"}
    leaders, _ = await _all_pages(registry, registry.district, role="team_leader")
    assert {a["username"] for a in leaders} == {"tl.own", "tl.other"}
    # Text matches the username or the name of the person's volunteer record.
    by_name, _ = await _all_pages(registry, registry.district, q="秀英")
    assert [(a["username"], a["volunteer_id"]) for a in by_name] == [
        ("wxy1960", two["volunteer"]["id"])
    ]
    by_username, _ = await _all_pages(registry, registry.district, q="TL.")
    assert {a["username"] for a in by_username} == {"tl.own", "tl.other"}

    disabled = await registry.client.post(
        f"/accounts/{two['resident']['id']}/disable", headers=registry.district
    )
    assert disabled.json()["status"] == "disabled"
    off, _ = await _all_pages(registry, registry.district, status="disabled")
    assert [a["username"] for a in off] == ["re.own"]
    on, _ = await _all_pages(registry, registry.district, status="active", community_id=two["own"])
    assert "re.own" not in {a["username"] for a in on}
    assert len(on) == 3


async def test_a_community_admin_lists_and_sees_only_their_community(
    registry_on_both: Registry, two: dict[str, Any]
) -> None:
    registry = registry_on_both
    admin = registry.headers(CA, two["own"], subject=two["admin"]["id"])
    mine, _ = await _all_pages(registry, admin)
    assert {a["community_id"] for a in mine} == {two["own"]}
    foreign = await registry.client.get(
        "/accounts", params={"community_id": two["other"]}, headers=admin
    )
    unknown = await registry.client.get(
        "/accounts", params={"community_id": "01NOSUCHCOMMUNITY"}, headers=admin
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    theirs = await registry.client.get(f"/accounts/{two['other_leader']['id']}", headers=admin)
    nobody = await registry.client.get("/accounts/01NOSUCHACCOUNT", headers=admin)
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.json() == nobody.json()
    leader = registry.headers(Role.TEAM_LEADER, two["own"])
    assert (await registry.client.get("/accounts", headers=leader)).status_code == 403


async def test_roles_and_communities_change_within_what_the_admin_may_grant(
    registry_on_both: Registry, two: dict[str, Any]
) -> None:
    registry, client = registry_on_both, registry_on_both.client
    admin = registry.headers(CA, two["own"], subject=two["admin"]["id"])
    leader = two["leader"]["id"]

    promoted = await client.patch(f"/accounts/{leader}", json={"role": "volunteer"}, headers=admin)
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "volunteer"
    for role in ("district_admin", "community_admin"):
        raised = await client.patch(f"/accounts/{leader}", json={"role": role}, headers=admin)
        assert raised.status_code == 403, raised.text
    moved = await client.patch(
        f"/accounts/{leader}", json={"community_id": two["other"]}, headers=admin
    )
    assert moved.status_code == 404
    fellow_admin = await _account(registry, "ca2.own", "community_admin", two["own"])
    touched = await client.patch(
        f"/accounts/{fellow_admin['id']}", json={"role": "resident"}, headers=admin
    )
    assert touched.status_code == 403
    myself = await client.patch(
        f"/accounts/{two['admin']['id']}", json={"role": "resident"}, headers=admin
    )
    assert myself.status_code == 409

    # The district admin moves an account across communities, and makes a district admin.
    moved = await client.patch(
        f"/accounts/{leader}",
        json={"role": "team_leader", "community_id": two["other"]},
        headers=registry.district,
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["role"], moved.json()["community_id"]) == ("team_leader", two["other"])
    raised = await client.patch(
        f"/accounts/{leader}", json={"role": "district_admin"}, headers=registry.district
    )
    assert (raised.json()["role"], raised.json()["community_id"]) == ("district_admin", None)
    lowered = await client.patch(
        f"/accounts/{leader}", json={"role": "resident"}, headers=registry.district
    )
    assert lowered.status_code == 409  # a resident needs a community: it must be named
    # A volunteer's account moves only with the volunteer.
    volunteer_account = (
        await client.get("/accounts", params={"q": "wxy1960"}, headers=registry.district)
    ).json()["items"][0]["id"]
    alone = await client.patch(
        f"/accounts/{volunteer_account}",
        json={"community_id": two["other"]},
        headers=registry.district,
    )
    assert alone.status_code == 409
    assert alone.json()["code"] == "account_moves_with_volunteer"

    changed = [p for p in await registry.payloads("account_changed") if p["account_id"] == leader]
    assert [(p["role"], p["community_id"]) for p in changed] == [
        ("volunteer", two["own"]),
        ("team_leader", two["other"]),
        ("district_admin", None),
    ]
    # The next tokens carry the new role.
    login = await _login(client, "tl.own")
    me = await client.get("/me", headers=_bearer(login.json()))
    assert me.json()["role"] == "district_admin"
    assert me.json()["username"] == "tl.own"  # what the console's header shows


async def test_a_disabled_account_cannot_log_in_and_its_refresh_tokens_stop_working(
    registry_on_both: Registry, two: dict[str, Any]
) -> None:
    registry, client = registry_on_both, registry_on_both.client
    admin = registry.headers(CA, two["own"], subject=two["admin"]["id"])
    resident = two["resident"]["id"]
    tokens = (await _login(client, "re.own")).json()

    assert (await client.post(f"/accounts/{resident}/disable", headers=admin)).status_code == 200
    assert (await _login(client, "re.own")).status_code == 401
    refreshed = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401

    enabled = await client.post(f"/accounts/{resident}/enable", headers=admin)
    assert enabled.json()["status"] == "active"
    # Disabling ended that session for good; a fresh login works again.
    refreshed = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    assert (await _login(client, "re.own")).status_code == 200

    changed = [p for p in await registry.payloads("account_changed") if p["account_id"] == resident]
    assert [p["disabled"] for p in changed] == [True, False]


async def test_after_a_reset_only_the_password_change_works_until_it_is_done(
    registry_on_both: Registry, two: dict[str, Any]
) -> None:
    registry, client = registry_on_both, registry_on_both.client
    admin = registry.headers(CA, two["own"], subject=two["admin"]["id"])
    before = (await _login(client, "tl.own")).json()

    reset = await client.post(f"/accounts/{two['leader']['id']}/password-reset", headers=admin)
    assert reset.status_code == 200, reset.text
    temporary = reset.json()["temporary_password"]
    assert (await _login(client, "tl.own")).status_code == 401  # the old password is gone
    refreshed = await client.post("/auth/refresh", json={"refresh_token": before["refresh_token"]})
    assert refreshed.status_code == 401

    must = await _login(client, "tl.own", temporary)
    assert must.status_code == 403
    assert must.json()["password_change_required"] is True
    assert "access_token" not in must.json()
    listed = await client.get(f"/accounts/{two['leader']['id']}", headers=admin)
    assert listed.json()["must_change_password"] is True

    same = await client.post(
        "/auth/password",
        json={"username": "tl.own", "current_password": temporary, "new_password": temporary},
    )
    assert same.status_code == 422
    changed = await client.post(
        "/auth/password",
        json={
            "username": "tl.own",
            "current_password": temporary,
            "new_password": "my own new passphrase",
        },
    )
    assert changed.status_code == 200, changed.text
    me = await client.get("/me", headers=_bearer(changed.json()))
    assert me.json()["account_id"] == two["leader"]["id"]
    assert (await _login(client, "tl.own", temporary)).status_code == 401
    assert (await _login(client, "tl.own", "my own new passphrase")).status_code == 200
    listed = await client.get(f"/accounts/{two['leader']['id']}", headers=admin)
    assert listed.json()["must_change_password"] is False


async def test_changing_ones_password_needs_the_current_one_and_ends_other_sessions(
    registry_on_both: Registry, two: dict[str, Any]
) -> None:
    client = registry_on_both.client
    elsewhere = (await _login(client, "re.own")).json()
    wrong = await client.post(
        "/auth/password",
        json={"username": "re.own", "current_password": "not it", "new_password": "x" * 12},
    )
    assert wrong.status_code == 401
    changed = await client.post(
        "/auth/password",
        json={"username": "re.own", "current_password": PASSWORD, "new_password": "x" * 12},
    )
    assert changed.status_code == 200
    assert (await _login(client, "re.own")).status_code == 401
    assert (await _login(client, "re.own", "x" * 12)).status_code == 200
    ended = await client.post("/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]})
    assert ended.status_code == 401
    kept = await client.post(
        "/auth/refresh", json={"refresh_token": changed.json()["refresh_token"]}
    )
    assert kept.status_code == 200


def _from(registry: Registry, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=registry.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://registry")


async def test_logins_are_throttled_per_address_as_well_as_per_username(
    registry: Registry,
) -> None:
    community = await registry.community()
    await _account(registry, "real.user", "resident", community)
    free = registry.app.state.settings.login_address_free_failures
    async with _from(registry, "10.0.0.7") as guesser, _from(registry, "10.0.0.8") as neighbour:
        # Each username fails once: the per-username lock never starts; the address's does.
        for n in range(free):
            answer = await _login(guesser, f"someone{n}", "guess")
            assert answer.status_code == 401, (n, answer.text)
        locked = await _login(guesser, "real.user")
        assert locked.status_code == 429
        assert locked.json()["code"] == "login_locked_address"
        assert int(locked.headers["Retry-After"]) >= 1
        assert (await _login(neighbour, "real.user")).status_code == 200


async def test_the_failures_of_quiet_addresses_are_forgotten(registry_on_both: Registry) -> None:
    from datetime import UTC, datetime, timedelta

    from registry.accounts import forget_old_address_failures
    from registry.api.deps import throttle_of
    from registry.app import DEFINITION
    from registry.models import LoginAddressThrottle

    registry = registry_on_both
    for address in ("10.0.1.1", "10.0.1.2", "10.0.1.3"):
        async with _from(registry, address) as client:
            assert (await _login(client, "nobody", "guess")).status_code == 401
    moment = datetime.now(UTC)
    hour_ago = moment - timedelta(hours=1)
    db = registry.app.state.runtime.db
    async with db.session() as session:
        quiet = await session.get(LoginAddressThrottle, "10.0.1.1")
        locked = await session.get(LoginAddressThrottle, "10.0.1.2")
        assert quiet is not None
        assert locked is not None
        quiet.last_failure_at = hour_ago
        locked.last_failure_at = hour_ago
        locked.locked_until = moment + timedelta(minutes=5)
        session.add_all([quiet, locked])
        await session.commit()
    throttle = throttle_of(registry.app.state.settings)
    async with db.session() as session:
        assert await forget_old_address_failures(session, throttle, moment) == 1
    async with db.session() as session:
        kept = {row.address for row in (await session.exec(select(LoginAddressThrottle))).all()}
    assert kept == {"10.0.1.2", "10.0.1.3"}  # still locked; failed just now
    assert [task.name for task in DEFINITION.periodic] == ["forget-login-failures"]


async def test_refused_logins_leave_the_trail_alone_and_a_password_change_is_in_it(
    registry_on_both: Registry, two: dict[str, Any]
) -> None:
    # A refusal commits the throttle's counters; the trail records what was done, and a
    # refused login did nothing.
    registry, client = registry_on_both, registry_on_both.client
    district = registry.headers(Role.DISTRICT_ADMIN, None)

    async def trail(action: str) -> list[dict[str, Any]]:
        answer = await client.get("/audit", params={"action": action}, headers=district)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    assert (await _login(client, "tl.own", "wrong")).status_code == 401
    same = {"username": "tl.own", "current_password": PASSWORD, "new_password": PASSWORD}
    assert (await client.post("/auth/password", json=same)).status_code == 422
    assert await trail("POST /auth/login") == []
    assert await trail("POST /auth/password") == []

    changed = await client.post(
        "/auth/password",
        json={"username": "tl.own", "current_password": PASSWORD, "new_password": "y" * 12},
    )
    assert changed.status_code == 200
    [entry] = await trail("POST /auth/password")
    assert entry["status_code"] == 200
    assert (await _login(client, "tl.own", "y" * 12)).status_code == 200
    assert len(await trail("POST /auth/login")) == 1


async def test_failed_logins_at_the_same_moment_each_count_and_none_fails(
    registry_on_both: Registry,
) -> None:
    # A guesser does not wait for answers: the second of two failures at once used to
    # insert the address's counter again and fail with a 500.
    import asyncio

    from registry.models import LoginAddressThrottle, LoginThrottle

    registry = registry_on_both
    async with _from(registry, "10.0.0.9") as guesser:
        answers = await asyncio.gather(
            *(_login(guesser, "nobody.here", f"guess {n}") for n in range(4))
        )
    assert sorted(answer.status_code for answer in answers) == [401, 401, 401, 401]
    async with registry.app.state.runtime.db.session() as session:
        by_name = await session.get(LoginThrottle, "nobody.here")
        by_address = await session.get(LoginAddressThrottle, "10.0.0.9")
    assert by_name is not None
    assert by_address is not None
    assert (by_name.failures, by_address.failures) == (4, 4)
