"""The notifications service's refusals carry a stable code and are said in the caller's
language: Accept-Language first, then the account's (the token's `lang` claim), else
Chinese."""

from __future__ import annotations

from shared.auth import Role
from tests.notifications.conftest import Notifications

EN = {"Accept-Language": "en"}
DISTRICT_POST = {"audience": "district", "title": "通知", "body": "周六停水"}


async def test_a_rules_refusal_has_its_code_and_chinese_by_default_english_when_asked(
    service: Notifications,
) -> None:
    admin = service.person("ca", Role.COMMUNITY_ADMIN, "c1")
    chinese = await service.client.post("/announcements", json=DISTRICT_POST, headers=admin)
    assert chinese.status_code == 403
    assert chinese.headers["Content-Language"] == "zh"
    assert chinese.json() == {
        "code": "district_announcement_is_districts",
        "detail": "只有区级管理员可以向全区发布公告，请选择本社区或服务队",
    }
    english = await service.client.post("/announcements", json=DISTRICT_POST, headers=admin | EN)
    assert english.status_code == 403
    assert english.headers["Content-Language"] == "en"
    assert english.json() == {
        "code": "district_announcement_is_districts",
        "detail": "only the district admin announces to the whole district",
    }

    # A role that may not act is told so with its role's name, in the same language.
    volunteer = service.person("v1", Role.VOLUNTEER, "c1")
    refused = await service.client.get("/announcements", headers=volunteer)
    assert refused.status_code == 403
    assert refused.json() == {"code": "role_forbidden", "detail": "志愿者无权进行此操作"}

    unknown = await service.client.post("/inbox/nothing/read", headers=volunteer | EN)
    assert unknown.status_code == 404
    assert unknown.json() == {
        "code": "notification_not_found",
        "detail": "notification not found",
    }


async def test_a_validators_refusal_is_translated_too(service: Notifications) -> None:
    person = service.person("p1")
    no_phone = {"language": "zh", "channels": ["sms"]}
    for headers, text in (
        (person, "选择短信通知，请填写手机号码"),
        (person | EN, "choosing SMS needs a mobile number"),
    ):
        answer = await service.client.put("/me/preferences", json=no_phone, headers=headers)
        assert answer.status_code == 422
        assert answer.json()["code"] == "invalid_input"
        [error] = answer.json()["detail"]
        assert (error["type"], error["msg"]) == ("sms_needs_phone", text)
    half_quiet = {"language": "zh", "quiet_from_hour": 22}
    answer = await service.client.put("/me/preferences", json=half_quiet, headers=person)
    assert answer.json()["detail"][0]["msg"] == "免打扰时段需要同时填写开始和结束时间"


async def test_a_webhook_refused_for_its_address_says_why_in_chinese(
    service: Notifications,
) -> None:
    admin = service.person("ca", Role.COMMUNITY_ADMIN, "c1")
    # The tests' service allows localhost by name: an address written in the URL is not.
    for url, code, text in (
        (
            "http://10.0.0.5/hook",
            "webhook_address_internal",
            "webhook 只发往公网地址：10.0.0.5 是私有网络地址；"
            "如是区里自己的内部接收方，须由区里将其主机列入 WEBHOOK_ALLOWED_HOSTS",
        ),
        (
            "http://[::ffff:169.254.169.254]/",
            "webhook_address_internal_embedded",
            "webhook 只发往公网地址：::ffff:a9fe:a9fe 是 169.254.169.254 的 IPv4-mapped 形式，"
            "即链路本地地址（云元数据服务就在这里）；"
            "如是区里自己的内部接收方，须由区里将其主机列入 WEBHOOK_ALLOWED_HOSTS",
        ),
        ("ftp://93.184.215.14/hook", "invalid_input", None),
    ):
        answer = await service.client.post("/webhooks", json={"url": url}, headers=admin)
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == code
        if text is not None:
            assert answer.json()["detail"] == text


async def test_the_accounts_language_answers_when_the_request_names_none(
    service: Notifications,
) -> None:
    token = service.issuer.issue_access("ca-en", Role.COMMUNITY_ADMIN, "c1", language="en")
    headers = {"Authorization": f"Bearer {token}"}
    answer = await service.client.post("/announcements", json=DISTRICT_POST, headers=headers)
    assert answer.headers["Content-Language"] == "en"
    assert answer.json()["detail"] == "only the district admin announces to the whole district"
    # The request's own language wins over the account's.
    asked = await service.client.post(
        "/announcements", json=DISTRICT_POST, headers=headers | {"Accept-Language": "zh-CN"}
    )
    assert asked.headers["Content-Language"] == "zh"
    assert asked.json()["detail"].startswith("只有区级管理员")
