"""National IDs stay in the registry, masked; bad input answers 4xx and writes nothing."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx

from shared.auth import Role
from tests.registry.conftest import Registry, application, national_id
from tests.registry.test_roster import as_csv, roster_rows


class Everything(logging.Handler):
    """Keeps every log record, formatted with its exception."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def test_national_ids_appear_in_no_event_no_log_and_no_response(
    registry: Registry, tmp_path: Path
) -> None:
    handler = Everything()
    root = logging.getLogger()
    root.addHandler(handler)
    responses: list[httpx.Response] = []

    async def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = await registry.client.request(method, url, **kwargs)
        responses.append(response)
        return response

    try:
        community = await registry.community()
        admin = registry.headers(Role.COMMUNITY_ADMIN, community)
        used = [national_id(i) for i in range(40)]
        vid = (
            await call(
                "POST", f"/communities/{community}/volunteers", json=application(0), headers=admin
            )
        ).json()["id"]
        await call("POST", f"/volunteers/{vid}/approve", headers=admin)
        await call("GET", f"/volunteers/{vid}", headers=admin)
        await call("GET", "/volunteers", headers=admin)
        await call(
            "POST", f"/communities/{community}/volunteers", json=application(0), headers=admin
        )  # 409
        wrong_digit = national_id(1)[:17] + ("0" if national_id(1)[17] != "0" else "1")
        used.append(wrong_digit)
        await call(
            "POST",
            f"/communities/{community}/volunteers",
            json=application(1, national_id=wrong_digit),
            headers=admin,
        )
        await call(
            "POST",
            f"/communities/{community}/volunteers",
            json=application(2, phone="bad"),
            headers=admin,
        )
        await call(
            "POST",
            "/applications",
            json={
                **application(3),
                "community_id": community,
                "username": "u3",
                "password": "short",
            },
        )
        rows = roster_rows(30)
        await call(
            "POST",
            f"/communities/{community}/roster",
            files={"file": ("r.csv", as_csv(rows), "text/csv")},
            headers=admin,
        )
        await call("GET", f"/communities/{community}/roster.csv", headers=admin)
        await call("PATCH", f"/volunteers/{vid}", json={"skills": "唱歌"}, headers=admin)
        await call("DELETE", f"/volunteers/{vid}/personal-data", headers=admin)
        events = await registry.events()
        await asyncio.sleep(0.1)
    finally:
        root.removeHandler(handler)

    assert len(events) > 40
    event_text = "\n".join(str(e) for e in events)
    log_text = "\n".join(handler.lines)
    response_text = "\n".join(r.text for r in responses)
    assert any(r.status_code == 422 for r in responses)
    assert any(r.status_code == 409 for r in responses)
    for number in used:
        assert number not in event_text
        assert number not in log_text
        assert number not in response_text
    # Not in the database file in clear either: only ciphertext, hash and mask.
    database = registry.app.state.runtime.db.url.split("///", 1)[1]
    stored = b"".join(p.read_bytes() for p in Path(database).parent.glob("registry.db*"))
    for number in used[:31]:
        assert number.encode() not in stored


async def test_bad_applications_answer_422_with_a_reason_and_write_nothing(
    registry: Registry,
) -> None:
    community = await registry.community()
    other = await registry.community("东风社区")
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    unit = (
        await registry.client.post(
            f"/communities/{other}/member-units",
            json={"name": "东风商店"},
            headers=registry.headers(Role.COMMUNITY_ADMIN, other),
        )
    ).json()["id"]
    before = await registry.events()
    good_id = national_id(5)
    cases = {
        ("national_id_length", "身份证号应为 18 位，请核对"): {"national_id": good_id[:17]},
        ("national_id_check_digit", "身份证号校验位不对，可能有一位输错了，请核对"): {
            "national_id": good_id[:17] + ("0" if good_id[17] != "0" else "1")
        },
        ("national_id_birth_date", "身份证号中的出生日期不是有效日期，请核对"): {
            "national_id": "110105198013400010"
        },
        ("service_area_unknown", "本社区没有服务领域 stargazing；可选的有："): {
            "service_area_codes": ["stargazing"]
        },
        ("birth_date_mismatch", "出生日期与身份证号不一致，请核对"): {"birth_date": "1990-05-05"},
    }
    for (code, text), change in cases.items():
        response = await registry.client.post(
            f"/communities/{community}/volunteers", json=application(5, **change), headers=admin
        )
        assert response.status_code == 422, (code, response.text)
        assert response.json()["code"] == code, response.text
        assert response.json()["detail"].startswith(text), response.text
    # Another community's member unit answers as an unknown one would.
    foreign = await registry.client.post(
        f"/communities/{community}/volunteers",
        json=application(5, member_unit_id=unit),
        headers=admin,
    )
    assert foreign.status_code == 404, foreign.text
    assert foreign.json() == {
        "code": "member_unit_not_found",
        "detail": f"本社区没有共建单位 {unit}",
    }

    for field, value in {
        "phone": "12345",
        "gender": "other",
        "category": "emperor",
        "name": "  ",
    }.items():
        response = await registry.client.post(
            f"/communities/{community}/volunteers",
            json=application(5, **{field: value}),
            headers=admin,
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][-1] == field
        assert "input" not in response.json()["detail"][0]

    missing = await registry.client.post(
        f"/communities/{community}/volunteers", json={"name": "张三"}, headers=admin
    )
    assert missing.status_code == 422
    assert {e["loc"][-1] for e in missing.json()["detail"]} >= {"national_id", "phone", "gender"}

    no_street = await registry.client.post(
        "/communities", json={"name": "新社区", "street_id": "nope"}, headers=registry.district
    )
    assert no_street.status_code == 404
    assert no_street.json() == {"code": "street_not_found", "detail": "未找到街道 nope"}
    bad_team = await registry.client.post(
        f"/communities/{community}/teams",
        json={"name": "队", "service_area_code": "nope"},
        headers=admin,
    )
    assert bad_team.status_code == 404
    assert bad_team.json()["code"] == "service_area_not_found"
    assert bad_team.json()["detail"].startswith("本社区没有服务领域 nope；可选的有：")

    search = await registry.client.get("/volunteers", headers=admin)
    assert search.json()["total"] == 0
    assert await registry.events() == before


async def test_a_failed_self_application_leaves_no_account_behind(registry: Registry) -> None:
    community = await registry.community()
    form = {
        **application(8),
        "community_id": community,
        "username": "laowang",
        "password": "a long passphrase",
    }
    bad = await registry.client.post("/applications", json={**form, "national_id": "123"})
    assert bad.status_code == 422
    ok = await registry.client.post("/applications", json=form)
    assert ok.status_code == 201, ok.text  # the username was not taken by the failed attempt


async def test_failed_logins_are_slowed_down(registry: Registry) -> None:
    community = await registry.community()
    form = {
        **application(9),
        "community_id": community,
        "username": "lisi",
        "password": "a long passphrase",
    }
    assert (await registry.client.post("/applications", json=form)).status_code == 201
    wrong = {"username": "lisi", "password": "guess"}
    for _ in range(5):
        response = await registry.client.post("/auth/login", json=wrong)
        assert response.status_code == 401
        assert response.json() == {
            "code": "login_failed",
            "detail": "用户名或密码不正确，请重新输入",
        }
    locked = await registry.client.post(
        "/auth/login", json={"username": "lisi", "password": "a long passphrase"}
    )
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) >= 1
    await asyncio.sleep(int(locked.headers["retry-after"]))
    assert (
        await registry.client.post(
            "/auth/login", json={"username": "lisi", "password": "a long passphrase"}
        )
    ).status_code == 200
    unknown = await registry.client.post(
        "/auth/login", json={"username": "nobody", "password": "x"}
    )
    assert unknown.status_code == 401
    assert unknown.json()["code"] == "login_failed"


async def test_the_public_key_is_published_for_the_other_services(registry: Registry) -> None:
    pem = await registry.client.get("/auth/public-key")
    assert pem.text.startswith("-----BEGIN PUBLIC KEY-----")
    jwks = (await registry.client.get("/.well-known/jwks.json")).json()
    assert jwks["keys"][0]["kty"] == "OKP"
    assert jwks["keys"][0]["crv"] == "Ed25519"
