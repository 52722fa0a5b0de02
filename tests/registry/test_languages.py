"""The registry's refusals carry a stable code and are said in the caller's language:
Accept-Language first, then the account's own choice (PUT /me/language, carried in the
access token), else Chinese."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from shared.auth import Role
from tests.registry.conftest import Registry, application

PASSWORD = "a long passphrase"
EN = {"Accept-Language": "en"}


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    answer = await client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_a_rules_refusal_has_its_code_and_chinese_by_default_english_when_asked(
    registry_on_both: Registry,
) -> None:
    registry = registry_on_both
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    url = f"/communities/{community}/volunteers"
    assert (await registry.client.post(url, json=application(1), headers=admin)).status_code == 201

    chinese = await registry.client.post(url, json=application(1), headers=admin)
    assert chinese.status_code == 409
    assert chinese.headers["Content-Language"] == "zh"
    assert chinese.json() == {
        "code": "national_id_registered",
        "detail": "此身份证号已在本区登记过，每人只需登记一次。如已搬家，请联系原登记社区办理转移",
    }
    english = await registry.client.post(url, json=application(1), headers=admin | EN)
    assert english.status_code == 409
    assert english.headers["Content-Language"] == "en"
    assert english.json()["code"] == "national_id_registered"
    assert english.json()["detail"].startswith(
        "this national ID number is already registered in the district"
    )

    # A parameter that is itself a message (a role's name) is said in the same language.
    leader = await registry.client.post(
        "/accounts",
        json={"username": "no.admin", "password": PASSWORD, "role": "community_admin"}
        | {"community_id": community},
        headers=admin,
    )
    assert leader.status_code == 403
    assert leader.json() == {
        "code": "community_admin_may_not_create",
        "detail": "社区管理员不能创建社区管理员账号",
    }


async def test_a_validators_refusal_is_translated_too(registry: Registry) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    url = f"/communities/{community}/volunteers"
    blank = application(2, name="   ")
    for headers, text in ((admin, "姓名不能为空"), (admin | EN, "the name is empty")):
        answer = await registry.client.post(url, json=blank, headers=headers)
        assert answer.status_code == 422
        assert answer.json()["code"] == "invalid_input"
        [error] = answer.json()["detail"]
        assert error == {"loc": ["body", "name"], "msg": text, "type": "name_empty"}

    # A null where a field may only be left out names the field in both languages.
    nulled = await registry.client.patch(
        f"/communities/{community}", json={"name": None}, headers=registry.district | EN
    )
    assert nulled.status_code == 422
    [error] = nulled.json()["detail"]
    assert (error["type"], error["msg"]) == (
        "field_null",
        "name cannot be null; leave it out to keep it",
    )
    nulled = await registry.client.patch(
        f"/communities/{community}", json={"name": None}, headers=registry.district
    )
    assert nulled.json()["detail"][0]["msg"] == "name 不能为空值（null）：不修改就不要填写此项"


async def test_the_accounts_language_answers_when_the_request_names_none(
    registry_on_both: Registry,
) -> None:
    registry = registry_on_both
    client = registry.client
    community = await registry.community()
    created = await client.post(
        "/accounts",
        json={"username": "lin.en", "password": PASSWORD, "role": "resident"}
        | {"community_id": community},
        headers=registry.district,
    )
    assert created.status_code == 201, created.text
    first = await _login(client, "lin.en")
    me = await client.get("/me", headers=_bearer(first))
    assert me.json()["language"] is None

    chosen = await client.put("/me/language", json={"language": "en"}, headers=_bearer(first))
    assert chosen.status_code == 200, chosen.text
    assert chosen.json() == {
        "account_id": created.json()["id"],
        "username": "lin.en",
        "role": "resident",
        "community_id": community,
        "language": "en",
    }
    assert (await client.get("/me", headers=_bearer(first))).json()["language"] == "en"

    # Tokens from the next login (and refresh) carry the choice; a request naming no
    # language is answered in it, one naming Chinese in Chinese.
    second = await _login(client, "lin.en")
    claims = jwt.decode(second["access_token"], options={"verify_signature": False})
    assert claims["lang"] == "en"
    refreshed = await client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert refreshed.status_code == 200
    renewed = refreshed.json()
    assert jwt.decode(renewed["access_token"], options={"verify_signature": False})["lang"] == "en"
    mine = await client.get("/me/volunteer", headers=_bearer(renewed))
    assert mine.status_code == 404
    assert mine.headers["Content-Language"] == "en"
    assert mine.json() == {"code": "no_volunteer_record", "detail": "you have no volunteer record"}
    asked = await client.get(
        "/me/volunteer", headers=_bearer(renewed) | {"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert asked.json()["detail"] == "您还没有志愿者登记信息，可以先在线报名"

    # null: follow the browser again; with none named, Chinese.
    cleared = await client.put("/me/language", json={"language": None}, headers=_bearer(renewed))
    assert cleared.json()["language"] is None
    third = await _login(client, "lin.en")
    assert "lang" not in jwt.decode(third["access_token"], options={"verify_signature": False})
    again = await client.get("/me/volunteer", headers=_bearer(third))
    assert again.headers["Content-Language"] == "zh"

    refused = await client.put("/me/language", json={"language": "fr"}, headers=_bearer(third))
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_input"
    missing = await client.put("/me/language", json={}, headers=_bearer(third))
    assert missing.status_code == 422


async def test_a_token_whose_account_is_gone_cannot_choose_a_language(registry: Registry) -> None:
    headers = registry.headers(Role.VOLUNTEER, "c1", subject="01NOSUCHACCOUNT000000000000")
    me = await registry.client.get("/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["language"] is None
    chosen = await registry.client.put("/me/language", json={"language": "en"}, headers=headers)
    assert chosen.status_code == 404
    assert chosen.json() == {"code": "account_not_found", "detail": "未找到该账号"}


async def test_login_refusals_are_said_in_the_callers_language(registry: Registry) -> None:
    client = registry.client
    community = await registry.community()
    wrong = {"username": "nobody", "password": "guess"}
    chinese = await client.post("/auth/login", json=wrong)
    assert chinese.status_code == 401
    assert chinese.json() == {"code": "login_failed", "detail": "用户名或密码不正确，请重新输入"}
    english = await client.post("/auth/login", json=wrong, headers=EN)
    assert english.json() == {"code": "login_failed", "detail": "wrong username or password"}

    # A password an admin reset: 403 with what to do, in the caller's language.
    created = await client.post(
        "/accounts",
        json={"username": "reset.me", "password": PASSWORD, "role": "resident"}
        | {"community_id": community},
        headers=registry.district,
    )
    reset = await client.post(
        f"/accounts/{created.json()['id']}/password-reset", headers=registry.district
    )
    temporary = reset.json()["temporary_password"]
    must = await client.post("/auth/login", json={"username": "reset.me", "password": temporary})
    assert must.status_code == 403
    assert must.headers["Content-Language"] == "zh"
    assert must.json()["code"] == "password_change_required"
    assert must.json()["password_change_required"] is True
    assert must.json()["detail"].startswith("您的密码已由管理员重置")
    must_en = await client.post(
        "/auth/login", json={"username": "reset.me", "password": temporary}, headers=EN
    )
    assert must_en.json()["detail"].startswith("your password was reset by an administrator")

    # Too many failures: 429 with the wait in the text.
    free = registry.app.state.settings.login_free_failures
    for _ in range(free):
        await client.post("/auth/login", json={"username": "reset.me", "password": "guess"})
    locked = await client.post("/auth/login", json={"username": "reset.me", "password": "guess"})
    assert locked.status_code == 429
    wait = locked.headers["Retry-After"]
    assert locked.json() == {
        "code": "login_locked_username",
        "detail": f"该用户名登录失败次数过多，请 {wait} 秒后再试",
    }
