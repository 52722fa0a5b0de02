"""What the notifications service says when it refuses a request, in Chinese and English.

Every refusal answered over HTTP is one of these (or one of `shared.messages`: not found,
no token, a role that may not act). Codes never change once published; clients branch
on them. The texts of notifications themselves are `notifications.templates`; the error
a webhook delivery records stays in English, a log for operators.
"""

from __future__ import annotations

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
# The reason names addresses and their kinds, for the integrator who set up the receiver;
# it is the same text the delivery log keeps, so it is said in English in both.
WEBHOOK_TARGET_REFUSED = Message(
    "webhook_target_refused",
    "不能向此网址推送 webhook：webhook 只发往公网地址，区里自己的内部接收方须列入 "
    "WEBHOOK_ALLOWED_HOSTS。详情：{reason}",
    "{reason}",
)
WEBHOOK_HOST_UNRESOLVED = Message(
    "webhook_host_unresolved",
    "无法解析 webhook 网址的主机名 {host}，请核对网址",
    "the webhook URL's host {host} does not resolve",
)
