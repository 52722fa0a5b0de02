"""What the notifications service says when it refuses a request, in Chinese and English.

Every refusal answered over HTTP is one of these (or one of `shared.messages`: not found,
no token, a role that may not act). Codes never change once published; clients branch
on them. The texts of notifications themselves are `notifications.templates`; the error
a webhook delivery records stays in English, a log for operators.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.messages import Message

# -- announcements ------------------------------------------------------------------------

DISTRICT_ANNOUNCEMENT_IS_DISTRICTS = Message(
    "district_announcement_is_districts",
    "只有区级管理员可以向全区发布公告，请选择本社区或服务队",
    "only the district admin announces to the whole district",
)
PUBLISH_AT_NEEDS_OFFSET = Message(
    "publish_at_needs_offset",
    "发布时间须带时区（如 2026-12-01T09:00:00+08:00）",
    "give publish_at with its offset",
)
ANNOUNCEMENT_NOT_FOUND = Message("announcement_not_found", "未找到该公告", "announcement not found")

# -- inbox and preferences ----------------------------------------------------------------

NOTIFICATION_NOT_FOUND = Message("notification_not_found", "未找到该通知", "notification not found")
EMAIL_NEEDS_ADDRESS = Message(
    "email_needs_address",
    "选择电子邮件通知，请填写邮箱地址",
    "choosing e-mail needs an e-mail address",
)
SMS_NEEDS_PHONE = Message(
    "sms_needs_phone",
    "选择短信通知，请填写手机号码",
    "choosing SMS needs a mobile number",
)
QUIET_HOURS_NEED_BOTH = Message(
    "quiet_hours_need_both",
    "免打扰时段需要同时填写开始和结束时间",
    "quiet hours need both a start and an end",
)

# -- webhooks -----------------------------------------------------------------------------

SUBSCRIPTION_NOT_FOUND = Message(
    "subscription_not_found", "未找到该 webhook 订阅", "subscription not found"
)
DELIVERY_NOT_FOUND = Message("delivery_not_found", "未找到该条推送记录", "delivery not found")
UNKNOWN_EVENT_TYPES = Message(
    "unknown_event_types",
    "没有这些事件类型：{event_types}（可选的见 webhook 接口文档）",
    "unknown event types: {event_types}",
)
WEBHOOK_SCHEME = Message(
    "webhook_scheme",
    "webhook 网址只能以 http 或 https 开头，不能用 {scheme}",
    "webhook URLs use http or https, not {scheme}",
)
# Where an internal address is refused (domain.webhook_targets): the address written in
# the URL, or the one a host resolves to; either plain or the IPv4 address it embeds.
_ASK = (
    "如是区里自己的内部接收方，须由区里将其主机列入 WEBHOOK_ALLOWED_HOSTS",
    "an internal receiver needs the district to list its host in WEBHOOK_ALLOWED_HOSTS",
)
WEBHOOK_ADDRESS_INTERNAL = Message(
    "webhook_address_internal",
    f"webhook 只发往公网地址：{{address}} 是{{kind}}；{_ASK[0]}",
    f"webhooks go only to public addresses: {{address}} is {{kind}}; {_ASK[1]}",
)
WEBHOOK_ADDRESS_INTERNAL_EMBEDDED = Message(
    "webhook_address_internal_embedded",
    f"webhook 只发往公网地址：{{address}} 是 {{ipv4}} 的 {{form}} 形式，即{{kind}}；{_ASK[0]}",
    "webhooks go only to public addresses: {address} is the {form} form of {ipv4}, "
    f"{{kind}}; {_ASK[1]}",
)
WEBHOOK_HOST_INTERNAL = Message(
    "webhook_host_internal",
    f"webhook 只发往公网地址：{{host}} 解析到 {{address}}，这是{{kind}}；{_ASK[0]}",
    f"webhooks go only to public addresses: {{host}} resolves to {{address}}, {{kind}}; {_ASK[1]}",
)
WEBHOOK_HOST_INTERNAL_EMBEDDED = Message(
    "webhook_host_internal_embedded",
    "webhook 只发往公网地址：{host} 解析到 {address}，"
    f"即 {{ipv4}} 的 {{form}} 形式，这是{{kind}}；{_ASK[0]}",
    "webhooks go only to public addresses: {host} resolves to {address}, the {form} form of "
    f"{{ipv4}}, {{kind}}; {_ASK[1]}",
)
# What kind of internal address it is, said inside the refusals above.
ADDRESS_KINDS: Mapping[str, Message] = {
    "unspecified": Message(
        "address_kind.unspecified",
        "未指定地址（会连到本机）",
        "an unspecified address (it reaches this machine)",
    ),
    "loopback": Message("address_kind.loopback", "环回地址", "a loopback address"),
    "link_local": Message(
        "address_kind.link_local",
        "链路本地地址（云元数据服务就在这里）",
        "a link-local address (where cloud metadata services answer)",
    ),
    "multicast": Message("address_kind.multicast", "组播地址", "a multicast address"),
    "site_local": Message("address_kind.site_local", "站点本地地址", "a site-local address"),
    "private": Message("address_kind.private", "私有网络地址", "a private-network address"),
    "reserved": Message("address_kind.reserved", "保留地址", "a reserved address"),
    "not_global": Message(
        "address_kind.not_global",
        "不可在公网路由的地址",
        "an address that is not globally routable",
    ),
}
WEBHOOK_HOST_UNRESOLVED = Message(
    "webhook_host_unresolved",
    "无法解析 webhook 网址的主机名 {host}，请核对网址",
    "the webhook URL's host {host} does not resolve",
)
