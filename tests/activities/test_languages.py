"""The activities service refuses in the caller's language, beside a stable code: Chinese
unless the request's Accept-Language (or else the account's preference) asks for English;
a rule's refusal, a state or role named inside it, and a validator's refusal alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from activities import messages
from activities.models import KnownVolunteer
from shared.auth import Role
from tests.activities.conftest import Activities

ENGLISH = {"Accept-Language": "en"}


def _as(service: Activities, volunteer: KnownVolunteer, language: str | None) -> dict[str, str]:
    assert volunteer.account_id is not None
    token = service.issuer.issue_access(
        volunteer.account_id, Role.VOLUNTEER, volunteer.community_id, language=language
    )
    return {"Authorization": f"Bearer {token}"}


async def test_a_rule_s_refusal_is_said_in_chinese_unless_english_is_asked_for(
    service: Activities,
) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    closed = await service.activity("c1", starts_in=timedelta(minutes=-5))
    url = f"/activities/{closed['id']}/sign-ups"

    chinese = await service.client.post(url, headers=service.as_volunteer(volunteer))
    assert chinese.status_code == 409
    assert chinese.json() == {
        "code": "sign_up_deadline_passed",
        "detail": "报名已截止，可以看看其他活动",
    }
    assert chinese.headers["Content-Language"] == "zh"

    english = await service.client.post(url, headers={**service.as_volunteer(volunteer), **ENGLISH})
    assert english.status_code == 409
    assert english.json() == {
        "code": "sign_up_deadline_passed",
        "detail": "the sign-up deadline has passed",
    }
    assert english.headers["Content-Language"] == "en"


async def test_the_account_s_language_is_used_when_the_request_names_none(
    service: Activities,
) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    closed = await service.activity("c1", starts_in=timedelta(minutes=-5))
    url = f"/activities/{closed['id']}/sign-ups"
    prefers_english = _as(service, volunteer, "en")

    told = await service.client.post(url, headers=prefers_english)
    assert told.json()["detail"] == "the sign-up deadline has passed"
    # The request's own choice comes first (the web app sends the language shown).
    asked = await service.client.post(url, headers={**prefers_english, "Accept-Language": "zh"})
    assert asked.json()["detail"] == "报名已截止，可以看看其他活动"


async def test_a_state_and_a_role_named_in_a_refusal_are_said_in_the_same_language(
    service: Activities,
) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    activity = await service.activity("c1")
    url = f"/activities/{activity['id']}/sign-ups"
    me = service.as_volunteer(volunteer)
    assert (await service.client.post(url, headers=me)).status_code == 201

    again = await service.client.post(url, headers=me)
    assert again.json() == {"code": "already_signed_up", "detail": "您已经报过名了（已确认名额）"}
    again_en = await service.client.post(url, headers={**me, **ENGLISH})
    assert again_en.json()["detail"] == "already signed up (confirmed)"

    publish = f"/activities/{activity['id']}/publish"
    refused = await service.client.post(publish, headers=me)
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "not_the_organiser",
        "detail": "志愿者不是该活动的组织者，请联系活动所在社区的管理员",
    }
    refused_en = await service.client.post(publish, headers={**me, **ENGLISH})
    assert refused_en.json()["detail"] == "the role volunteer does not organise this activity"


async def test_a_plausibility_rule_s_refusal_names_its_figures_in_either_language(
    service: Activities,
) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    start = datetime.now(UTC) + timedelta(days=1)
    body = {
        "volunteer_id": volunteer.id,
        "kind": "good_deed",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=1)).isoformat(),
    }
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    url = "/communities/c1/records"

    chinese = await service.client.post(url, json=body, headers=admin)
    assert chinese.status_code == 422
    assert chinese.json()["code"] == "future_start"
    assert chinese.json()["detail"].startswith("不能登记将来的时长：服务开始于 ")
    assert chinese.json()["detail"].endswith("请在服务完成后再登记")
    english = await service.client.post(url, json=body, headers={**admin, **ENGLISH})
    assert english.json()["code"] == "future_start"
    assert english.json()["detail"].startswith("no future hours: the service starts ")


async def test_a_validator_s_refusal_is_translated_too(service: Activities) -> None:
    starts = datetime.now(UTC) + timedelta(days=2)
    backwards = {
        "title": "治安巡逻",
        "kind": "patrol",
        "service_area_code": "community_work",
        "place": "兴华社区东门",
        "starts_at": starts.isoformat(),
        "ends_at": (starts - timedelta(hours=1)).isoformat(),
        "capacity": 5,
    }
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    url = "/communities/c1/activities"

    chinese = await service.client.post(url, json=backwards, headers=admin)
    assert chinese.status_code == 422
    assert chinese.json()["code"] == "invalid_input"
    [error] = chinese.json()["detail"]
    assert (error["type"], error["msg"]) == (
        messages.ACTIVITY_ENDS_BEFORE_START.code,
        "活动的结束时间应晚于开始时间",
    )
    english = await service.client.post(url, json=backwards, headers={**admin, **ENGLISH})
    [error] = english.json()["detail"]
    assert (error["type"], error["msg"]) == (
        "activity_ends_before_start",
        "the activity must end after it starts",
    )
