"""Evaluation's refusals through the real app: a stable code beside a text in the caller's
language (Accept-Language, else the account's preference in the token, else Chinese)."""

from __future__ import annotations

from shared.auth import Role
from tests.evaluation.conftest import Evaluation

PERIOD = {"label": "2026H1", "starts_on": "2026-01-01", "ends_on": "2026-06-30", "quota": 2}


async def test_a_rule_refuses_with_its_code_in_chinese_by_default_and_in_english_when_asked(
    evaluation: Evaluation,
) -> None:
    admin = evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    url = "/communities/c1/periods"
    assert (await evaluation.client.post(url, json=PERIOD, headers=admin)).status_code == 201

    chinese = await evaluation.client.post(url, json=PERIOD, headers=admin)
    assert chinese.status_code == 409
    assert chinese.json() == {
        "code": "period_label_taken",
        "detail": "本社区已有名为“2026H1”的评议周期，请换一个名称",
    }
    assert chinese.headers["content-language"] == "zh"

    english = await evaluation.client.post(
        url, json=PERIOD, headers={**admin, "Accept-Language": "en-GB,en;q=0.9"}
    )
    assert english.status_code == 409
    assert english.json() == {
        "code": "period_label_taken",
        "detail": "the community already has a period '2026H1'",
    }
    assert english.headers["content-language"] == "en"


async def test_a_phase_named_in_a_refusal_is_said_in_the_same_language(
    evaluation: Evaluation,
) -> None:
    admin = evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    created = await evaluation.client.post("/communities/c1/periods", json=PERIOD, headers=admin)
    period = created.json()["id"]
    # A nomination while the period is still open: the phase is named in the answer.
    body = {"volunteer_id": "nobody", "reason": "服务时长居前"}
    url = f"/periods/{period}/nominations"
    chinese = await evaluation.client.post(url, json=body, headers=admin)
    assert (chinese.status_code, chinese.json()) == (
        409,
        {
            "code": "nomination_not_open",
            "detail": "推荐只在“社区推荐”阶段进行，本周期目前处于“开放”阶段",
        },
    )
    english = await evaluation.client.post(
        url, json=body, headers={**admin, "Accept-Language": "en"}
    )
    assert english.json()["detail"] == (
        "nominations are made in the nomination phase; the period is in open"
    )


async def test_the_accounts_preference_answers_when_the_request_names_no_language(
    evaluation: Evaluation,
) -> None:
    token = evaluation.issuer.issue_access("v", Role.VOLUNTEER, "c1", language="en")
    prefers_english = {"Authorization": f"Bearer {token}"}
    url = "/communities/c1/periods"
    refused = await evaluation.client.post(url, json=PERIOD, headers=prefers_english)
    assert (refused.status_code, refused.json()) == (
        403,
        {"code": "role_forbidden", "detail": "the role volunteer may not do this"},
    )
    # The request's own language wins over the account's.
    chinese = await evaluation.client.post(
        url, json=PERIOD, headers={**prefers_english, "Accept-Language": "zh-CN"}
    )
    assert chinese.json() == {"code": "role_forbidden", "detail": "志愿者无权进行此操作"}


async def test_an_invalid_field_is_told_in_the_callers_language(evaluation: Evaluation) -> None:
    admin = evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    url = "/communities/c1/periods"
    no_quota = {**PERIOD, "quota": 0}
    chinese = await evaluation.client.post(url, json=no_quota, headers=admin)
    assert chinese.status_code == 422
    assert chinese.json() == {
        "code": "invalid_input",
        "detail": [{"loc": ["body", "quota"], "msg": "应不小于 1", "type": "greater_than_equal"}],
    }
    english = await evaluation.client.post(
        url, json=no_quota, headers={**admin, "Accept-Language": "en"}
    )
    assert english.json()["detail"][0]["msg"] == "Input should be at least 1"


async def test_a_refused_seal_is_told_in_the_callers_language(evaluation: Evaluation) -> None:
    district = evaluation.headers(Role.DISTRICT_ADMIN, None)
    url = "/configuration/certificate-seal"
    not_an_image = {**district, "Content-Type": "image/png"}
    chinese = await evaluation.client.put(url, content=b"not a png", headers=not_an_image)
    assert (chinese.status_code, chinese.json()) == (
        422,
        {"code": "seal_unreadable", "detail": "无法读取这张印章图片，请上传 PNG 或 JPEG 图片"},
    )
    too_large = b"x" * (512 * 1024 + 1)
    english = await evaluation.client.put(
        url, content=too_large, headers={**not_an_image, "Accept-Language": "en"}
    )
    assert (english.status_code, english.json()) == (
        413,
        {"code": "seal_too_large", "detail": "the seal image is larger than 512 KiB"},
    )
