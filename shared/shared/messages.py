"""What the API says to a person, in their language, beside a code a program can rely on.

Every refusal the API gives is a `Message`: a stable machine `code` (snake_case, never
changed once published: clients branch on it) and the text in Chinese, the default, and
in English. A message's text may name parameters (`{title}`), filled in when it is
rendered; a parameter that is itself a `Message` (a role's name) is rendered in the same
language.

Each service keeps the messages of its own rules in its `messages.py`; the ones every
service answers (no token, not found, a role that may not act) are here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header


class Language(StrEnum):
    """The languages Linli answers in."""

    ZH = "zh"
    EN = "en"


DEFAULT_LANGUAGE = Language.ZH


_CATALOGUE: dict[str, Message] = {}


@dataclass(frozen=True)
class Message:
    """One thing the API may say: a stable code and its text in each language."""

    code: str
    zh: str
    en: str

    def __post_init__(self) -> None:
        # A code names one message: clients branch on it, so two meanings would break them.
        known = _CATALOGUE.setdefault(self.code, self)
        if known != self:
            raise ValueError(f"message code {self.code!r} is defined twice")

    def render(self, language: Language, params: Mapping[str, Any] | None = None) -> str:
        """The text in `language`, its parameters filled in."""
        template = self.zh if language is Language.ZH else self.en
        if not params:
            return template
        return template.format_map(
            {
                name: value.render(language) if isinstance(value, Message) else value
                for name, value in params.items()
            }
        )


def message_of(code: str) -> Message | None:
    """The message with `code`, if one is defined (a validator raises it by code)."""
    return _CATALOGUE.get(code)


_SUPPORTED = [language.value for language in Language]


def negotiate(accept_language: str | None, preferred: str | None = None) -> Language:
    """The language to answer in: the request's `Accept-Language` when it names one we
    speak (the web app sends its own choice there), else the account's preference, else
    Chinese."""
    if accept_language:
        match = parse_accept_header(accept_language, LanguageAccept).best_match(_SUPPORTED)
        if match is not None:
            return Language(match)
    if preferred in _SUPPORTED:
        return Language(preferred)
    return DEFAULT_LANGUAGE


# -- what every service answers ----------------------------------------------------------

NOT_FOUND = Message("not_found", "未找到", "not found")
COMMUNITY_NOT_FOUND = Message("community_not_found", "未找到该社区", "community not found")
VOLUNTEER_NOT_FOUND = Message("volunteer_not_found", "未找到该志愿者", "volunteer not found")
TEAM_NOT_FOUND = Message("team_not_found", "未找到该服务队", "team not found")
ACCOUNT_NOT_FOUND = Message("account_not_found", "未找到该账号", "account not found")
ROUTE_NOT_FOUND = Message(
    "route_not_found", "没有这个地址：请核对网址", "no such address: check the URL"
)
METHOD_NOT_ALLOWED = Message(
    "method_not_allowed",
    "此地址不接受这种请求方法（见 Allow 响应头）",
    "this address does not take that method (see the Allow header)",
)
ROLE_MAY_NOT = Message("role_forbidden", "{role}无权进行此操作", "the role {role} may not do this")
TOKEN_MISSING = Message(
    "token_missing", "请先登录（缺少访问令牌）", "log in first (no bearer token)"
)
TOKEN_INVALID = Message(
    "token_invalid", "登录凭证无效：{reason}，请重新登录", "invalid token: {reason}; log in again"
)
TOKEN_KEY_MISSING = Message(
    "token_key_missing",
    "本服务未配置令牌公钥（JWT_PUBLIC_KEY_FILE）",
    "this service has no token public key configured (JWT_PUBLIC_KEY_FILE)",
)
UNREADABLE_BODY = Message(
    "unreadable_body",
    "无法读取请求内容：请以 UTF-8 编码发送 JSON，或按接口说明的格式发送",
    "the request body cannot be read: send JSON in UTF-8, or the form the operation documents",
)
INVALID_INPUT = Message(
    "invalid_input", "输入有误，请按提示修改", "invalid input: see the fields below"
)
BODY_TOO_LARGE = Message(
    "body_too_large",
    "请求内容过大：最多 {limit} 字节",
    "the request body is too large: at most {limit} bytes",
)
TEXT_WITH_NUL = Message(
    "text_with_nul",
    "文本中不能含有 NUL（U+0000）字符",
    "text may not contain NUL (U+0000) characters",
)
DATABASE_UNAVAILABLE = Message(
    "database_unavailable",
    "数据库暂时无法响应，请稍后再试",
    "the database is not answering; try again in a moment",
)
BAD_CURSOR = Message(
    "bad_cursor",
    "翻页游标无效（或列表的排序已改变）：请不带游标从第一页重新开始",
    "the cursor is not one this list gave (or the list's order changed): start again without it",
)

ROLE_NAMES: Mapping[str, Message] = {
    "district_admin": Message("role.district_admin", "区级管理员", "district admin"),
    "community_admin": Message("role.community_admin", "社区管理员", "community admin"),
    "team_leader": Message("role.team_leader", "队长", "team leader"),
    "volunteer": Message("role.volunteer", "志愿者", "volunteer"),
    "resident": Message("role.resident", "居民", "resident"),
}

# Why a token is refused, said inside TOKEN_INVALID.
TOKEN_REASONS: Mapping[str, Message] = {
    "expired": Message("token.expired", "已过期", "it has expired"),
    "audience": Message("token.audience", "不是发给本平台的", "it is for another audience"),
    "issuer": Message("token.issuer", "签发方未知", "it is from an unknown issuer"),
    "claims": Message("token.claims", "缺少必要内容", "it lacks a required claim"),
    "signature": Message("token.signature", "无法验证", "it cannot be verified"),
    "type": Message("token.type", "不是访问令牌", "it is not an access token"),
    "role": Message("token.role", "角色未知", "it names an unknown role"),
    "community": Message(
        "token.community", "社区角色未注明社区", "a community role names no community"
    ),
}

# -- what a field that fails validation is told ------------------------------------------
# By pydantic's error type; `ctx` fills the parameters. A type not here keeps pydantic's
# own (English) text; a rule's validator raises one of our messages by its code instead
# (`PydanticCustomError(message.code, message.en)`).

FIELD_MESSAGES: Mapping[str, Message] = {
    message.code: message
    for message in (
        Message("missing", "必填", "Field required"),
        Message("string_type", "应为文字", "Input should be a valid string"),
        Message("string_too_short", "至少 {min_length} 个字", "at least {min_length} characters"),
        Message("string_too_long", "最多 {max_length} 个字", "at most {max_length} characters"),
        Message("string_pattern_mismatch", "格式不对", "does not have the expected form"),
        Message("int_parsing", "应为整数", "Input should be a valid integer"),
        Message("int_type", "应为整数", "Input should be a valid integer"),
        Message("int_from_float", "应为整数，不能有小数", "Input should be a whole number"),
        Message("float_parsing", "应为数字", "Input should be a valid number"),
        Message("float_type", "应为数字", "Input should be a valid number"),
        Message("bool_parsing", "应为是或否（true/false）", "Input should be true or false"),
        Message("bool_type", "应为是或否（true/false）", "Input should be true or false"),
        Message("greater_than", "应大于 {gt}", "Input should be greater than {gt}"),
        Message("greater_than_equal", "应不小于 {ge}", "Input should be at least {ge}"),
        Message("less_than", "应小于 {lt}", "Input should be less than {lt}"),
        Message("less_than_equal", "应不大于 {le}", "Input should be at most {le}"),
        Message("enum", "应为以下之一：{expected}", "Input should be {expected}"),
        Message("literal_error", "应为以下之一：{expected}", "Input should be {expected}"),
        Message("date_parsing", "日期格式应为 YYYY-MM-DD", "a date, as YYYY-MM-DD"),
        Message("date_from_datetime_parsing", "日期格式应为 YYYY-MM-DD", "a date, as YYYY-MM-DD"),
        Message("date_type", "日期格式应为 YYYY-MM-DD", "a date, as YYYY-MM-DD"),
        Message(
            "datetime_parsing",
            "时间格式应为 ISO 8601（如 2026-12-01T09:00:00+08:00）",
            "a time in ISO 8601 (such as 2026-12-01T09:00:00+08:00)",
        ),
        Message(
            "datetime_from_date_parsing",
            "时间格式应为 ISO 8601（如 2026-12-01T09:00:00+08:00）",
            "a time in ISO 8601 (such as 2026-12-01T09:00:00+08:00)",
        ),
        Message(
            "datetime_type",
            "时间格式应为 ISO 8601（如 2026-12-01T09:00:00+08:00）",
            "a time in ISO 8601 (such as 2026-12-01T09:00:00+08:00)",
        ),
        Message("too_short", "至少 {min_length} 项", "at least {min_length} items"),
        Message("too_long", "最多 {max_length} 项", "at most {max_length} items"),
        Message("list_type", "应为列表", "Input should be a valid list"),
        Message("dict_type", "应为对象", "Input should be a valid object"),
        Message("model_attributes_type", "应为对象", "Input should be a valid object"),
        Message("model_type", "应为对象", "Input should be a valid object"),
        Message("json_invalid", "不是有效的 JSON", "Invalid JSON"),
        Message("json_type", "不是有效的 JSON", "Invalid JSON"),
        Message("extra_forbidden", "不接受此字段", "Extra inputs are not permitted"),
        Message("uuid_parsing", "应为 UUID", "Input should be a valid UUID"),
        Message("url_parsing", "应为网址", "Input should be a valid URL"),
        Message(
            "url_scheme",
            "网址应以 {expected_schemes} 开头",
            "URL scheme should be {expected_schemes}",
        ),
        Message("decimal_parsing", "应为数字", "Input should be a valid decimal"),
        Message("time_parsing", "时刻格式应为 HH:MM", "a time of day, as HH:MM"),
        Message("bytes_too_long", "最多 {max_length} 字节", "at most {max_length} bytes"),
    )
}
