"""Notification texts in Chinese and English, chosen by the reader's language.

Times travel in an entry's parameters as ISO 8601 in UTC, as the events carry them, and
are written out when the text is rendered, in the district's time zone: an activity at
01:30 UTC is "09:30" to a reader in Beijing, and "the 2nd" when it is already the 2nd
there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "volunteer_approved": {
        "zh": ("志愿者注册成功", "您的志愿者注册已通过，编号 {volunteer_number}。"),
        "en": (
            "Registration approved",
            "Your volunteer registration is approved: number {volunteer_number}.",
        ),
    },
    "volunteer_rejected": {
        "zh": ("志愿者申请未通过", "您的志愿者申请未通过：{reason}"),
        "en": ("Application not approved", "Your volunteer application was not approved: {reason}"),
    },
    "activity_reminder": {
        "zh": ("活动提醒", "{title} 将于 {starts_at} 开始。"),
        "en": ("Activity reminder", "{title} starts at {starts_at}."),
    },
    "activity_published": {
        "zh": ("新活动发布", "{title}：{starts_at} 开始，名额 {capacity} 人。"),
        "en": ("New activity", "{title}: starts {starts_at}, {capacity} places."),
    },
    "activity_changed": {
        "zh": ("活动变更", "您报名的活动有变更：{starts_at}，地点 {place}。"),
        "en": (
            "Activity changed",
            "An activity you signed up for changed: {starts_at} at {place}.",
        ),
    },
    "activity_cancelled": {
        "zh": ("活动取消", "您报名的活动已取消：{reason}"),
        "en": ("Activity cancelled", "An activity you signed up for was cancelled: {reason}"),
    },
    "place_offered": {
        "zh": ("候补转正", "您候补的活动有了名额，请在 {confirm_by} 前确认。"),
        "en": (
            "A place for you",
            "A place freed in an activity you waited for; confirm by {confirm_by}.",
        ),
    },
    "place_given": {
        "zh": (
            "已获得名额",
            "您候补的活动有了名额，已为您正式报名；如不能参加，请及时取消，让给他人。",
        ),
        "en": (
            "You have a place",
            "A place freed in an activity you waited for and it is yours: you are signed up."
            " If you cannot come, cancel so that it passes on.",
        ),
    },
    "hours_confirmed": {
        "zh": ("服务时长已确认", "您的 {hours} 小时志愿服务已确认。"),
        "en": ("Hours confirmed", "{hours} hours of your service were confirmed."),
    },
    "star_reached": {
        "zh": ("星级志愿者", "祝贺！您已累计服务 {total_hours} 小时，达到 {level} 星级。"),
        "en": (
            "Star volunteer",
            "Congratulations: {total_hours} hours of service, level {level} star.",
        ),
    },
    "nominated": {
        "zh": ("评优推荐", "您已被社区推荐参加本期评比。"),
        "en": ("Nominated", "Your community nominated you for this period's commendation."),
    },
    "commended": {
        "zh": ("表彰", "祝贺！您获得本期优秀志愿者表彰。"),
        "en": ("Commended", "Congratulations: you are commended as an outstanding volunteer."),
    },
    "visit_overdue": {
        "zh": ("结对走访逾期", "结对帮扶的走访已逾期（应于 {due_at} 前）。"),
        "en": ("Visit overdue", "A pairing visit is overdue (due {due_at})."),
    },
    "request_assigned": {
        "zh": ("居民诉求", "有一条{category}诉求分派给您。"),
        "en": ("Resident request", "A {category} request was assigned to you."),
    },
    "announcement": {
        "zh": ("{title}", "{body}"),
        "en": ("{title}", "{body}"),
    },
    "webhook_disabled": {
        "zh": ("Webhook 已停用", "推送地址 {url} 连续失败，已停用：{reason}"),
        "en": (
            "Webhook disabled",
            "Deliveries to {url} kept failing, so it was disabled: {reason}",
        ),
    },
    "request_overdue": {
        "zh": ("诉求逾期", "一条{category}诉求已超过响应时限（{due_at}）。"),
        "en": ("Request overdue", "A {category} request missed its response time ({due_at})."),
    },
    # To the resident who filed the request: who took it on, without naming the person.
    "request_taken_by_team": {
        "zh": ("诉求已分派", "您的{category}诉求已交由社区志愿服务队处理。"),
        "en": (
            "Request assigned",
            "Your {category} request was assigned to a volunteer team of your community.",
        ),
    },
    "request_taken_by_volunteer": {
        "zh": ("诉求已分派", "您的{category}诉求已交由一名志愿者处理。"),
        "en": ("Request assigned", "Your {category} request was assigned to a volunteer."),
    },
    "request_resolved": {
        "zh": ("诉求已解决", "您的{category}诉求已解决，处理经过可在“我的诉求”中查看。"),
        "en": (
            "Request resolved",
            "Your {category} request was resolved; its progress is under your requests.",
        ),
    },
    "request_closed": {
        "zh": ("诉求已关闭", "您的诉求已关闭：{reason}"),
        "en": ("Request closed", "Your request was closed: {reason}"),
    },
    # To the beneficiary of a pairing (结对帮扶).
    "pairing_created": {
        "zh": ("结对帮扶", "社区已为您安排结对志愿者，约每 {cadence_days} 天上门走访一次。"),
        "en": (
            "Volunteers paired with you",
            "Your community paired you with volunteers, who will visit about every "
            "{cadence_days} days.",
        ),
    },
    "visit_to_confirm": {
        "zh": ("请确认走访", "志愿者于 {visited_at} 上门走访，请确认这次走访。"),
        "en": (
            "Please confirm a visit",
            "A volunteer visited you on {visited_at}; please confirm that the visit took place.",
        ),
    },
    # To a party member (党员志愿者) before the month ends; `items` are four-ones codes.
    "four_ones_reminder": {
        "zh": (
            "“四个一”提醒",
            "本月（{month}）的“四个一”还差：{items}。请在 {month_ends_on} 前完成。",
        ),
        "en": (
            "Four ones reminder",
            "Still open in your four ones for {month}: {items}. Please complete them by "
            "{month_ends_on}.",
        ),
    },
}

# Values of a `category` parameter, as the reader's language names them.
CATEGORIES: dict[str, dict[str, str]] = {
    "zh": {
        "employment": "就业",
        "social_assistance": "社会救助",
        "medical_care": "医疗",
        "rights_protection": "维权",
        "family_planning": "计生",
        "child_health": "儿童保健",
        "policy_consultation": "政策咨询",
        "public_security": "治安",
        "housekeeping": "家政",
        "telecom": "通讯",
    },
    "en": {
        "employment": "employment",
        "social_assistance": "social assistance",
        "medical_care": "medical care",
        "rights_protection": "rights protection",
        "family_planning": "family planning",
        "child_health": "child health",
        "policy_consultation": "policy consultation",
        "public_security": "public security",
        "housekeeping": "housekeeping",
        "telecom": "telecom",
    },
}


# The four ones (四个一) of an `items` parameter, as the reader's language names them.
FOUR_ONES: dict[str, dict[str, str]] = {
    "zh": {
        "good_deed": "做一件好事",
        "public_welfare": "参加一次公益活动",
        "conversation": "与居民谈一次心",
        "problem_solved": "为居民解决一个问题",
    },
    "en": {
        "good_deed": "one good deed",
        "public_welfare": "one public-welfare activity",
        "conversation": "one conversation with residents",
        "problem_solved": "one resident problem solved",
    },
}
_LIST_SEPARATOR = {"zh": "、", "en": "; "}


class Action(BaseModel):
    """What the reader's page can do about a notification: one call to a service."""

    service: Literal["activities"]
    method: Literal["POST"]
    path: str


def action(template: str, params: dict[str, Any]) -> Action | None:
    """The call a notification asks its reader to make, if any."""
    if template == "visit_to_confirm" and "pairing_id" in params and "record_id" in params:
        return Action(
            service="activities",
            method="POST",
            path=f"/pairings/{params['pairing_id']}/visits/{params['record_id']}/confirm",
        )
    return None


_MINUTE, _DAY = "%Y-%m-%d %H:%M", "%Y-%m-%d"

# How each template writes its times (a parameter not named here is not a time).
_TIMES: dict[str, dict[str, str]] = {
    "activity_reminder": {"starts_at": _MINUTE},
    "activity_published": {"starts_at": _MINUTE},
    "activity_changed": {"starts_at": _MINUTE},
    "place_offered": {"confirm_by": _MINUTE},
    "visit_overdue": {"due_at": _DAY},
    "request_overdue": {"due_at": _MINUTE},
    "visit_to_confirm": {"visited_at": _DAY},
}


def _local(value: Any, form: str, zone: ZoneInfo) -> Any:
    # Entries written before times travelled as ISO hold the text already: kept as is.
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return f"{moment.astimezone(zone):{form}}"


def render(template: str, language: str, params: dict[str, Any], zone: ZoneInfo) -> tuple[str, str]:
    """The title and body of a template in `language` (Chinese when unknown), its times
    in `zone`."""
    texts = TEMPLATES[template]
    title, body = texts.get(language, texts["zh"])
    times = _TIMES.get(template, {})
    if times:
        params = {
            name: _local(value, times[name], zone) if name in times else value
            for name, value in params.items()
        }
    if "category" in params:
        names = CATEGORIES.get(language, CATEGORIES["zh"])
        params = {**params, "category": names.get(params["category"], params["category"])}
    if isinstance(params.get("items"), list):
        known = language if language in FOUR_ONES else "zh"
        named = [FOUR_ONES[known].get(item, item) for item in params["items"]]
        params = {**params, "items": _LIST_SEPARATOR[known].join(named)}
    return title.format(**params), body.format(**params)
