"""Everything the evaluation service refuses, in Chinese (the default) and English.

Codes are stable (clients branch on them); the texts say what is wrong and what to do
next. The not-found answers several services give (a volunteer, a community) and the
403 of a role that may not act are shared's (`shared.messages`).
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.messages import Message

# -- periods ------------------------------------------------------------------------------

PERIOD_NOT_FOUND = Message("period_not_found", "未找到该评议周期", "period not found")
PERIOD_ENDS_BEFORE_START = Message(
    "period_ends_before_start",
    "结束日期应晚于开始日期，请修改后再提交",
    "the period must end after it starts",
)
PERIOD_LABEL_TAKEN = Message(
    "period_label_taken",
    "本社区已有名为“{label}”的评议周期，请换一个名称",
    "the community already has a period '{label}'",
)
PERIOD_PUBLISHED = Message(
    "period_published",
    "该周期的结果已公布，不能再更改",
    "the period is published and final",
)
NOMINATIONS_UNDECIDED = Message(
    "nominations_undecided",
    "还有推荐尚未审定：请先逐一审定，再公布结果",
    "every nomination needs the district's decision before publishing",
)

# A period's phase, said inside the messages above and below. The English is the phase's
# value, as these messages have always said it.
PHASE_NAMES: Mapping[str, Message] = {
    "open": Message("period_phase.open", "开放", "open"),
    "peer_review": Message("period_phase.peer_review", "同行互评", "peer_review"),
    "nomination": Message("period_phase.nomination", "社区推荐", "nomination"),
    "district_review": Message("period_phase.district_review", "区级审定", "district_review"),
    "published": Message("period_phase.published", "结果公布", "published"),
}

# -- peer review --------------------------------------------------------------------------

REVIEW_NOT_OPEN = Message(
    "review_not_open",
    "互评只在“同行互评”阶段进行，本周期目前处于“{phase}”阶段",
    "reviews are taken during peer review; the period is in {phase}",
)
REVIEWER_OF_ANOTHER_COMMUNITY = Message(
    "reviewer_of_another_community",
    "只有本社区的志愿者可以参加本周期的互评",
    "only the community's volunteers review in its period",
)
REVIEW_OF_ONESELF = Message("review_of_oneself", "不能评价自己", "nobody reviews themself")
REVIEW_NOT_A_COLLEAGUE = Message(
    "review_not_a_colleague",
    "只能评价本周期内和您一起服务过的志愿者",
    "you can review only volunteers you served with in this period",
)
REVIEW_ALREADY_GIVEN = Message(
    "review_already_given",
    "本周期您已经评价过这位志愿者了",
    "you have already reviewed this volunteer in this period",
)

# -- nominations and the honour roll ------------------------------------------------------

NOMINATION_NOT_FOUND = Message("nomination_not_found", "未找到该推荐", "nomination not found")
NOMINATION_NOT_OPEN = Message(
    "nomination_not_open",
    "推荐只在“社区推荐”阶段进行，本周期目前处于“{phase}”阶段",
    "nominations are made in the nomination phase; the period is in {phase}",
)
NOMINATION_QUOTA_REACHED = Message(
    "nomination_quota_reached",
    "本社区的 {quota} 个推荐名额已用完",
    "the community's quota of {quota} nominations is reached",
)
ALREADY_NOMINATED = Message(
    "volunteer_already_nominated",
    "这位志愿者已经被推荐过了",
    "this volunteer is already nominated",
)
DECISION_NOT_OPEN = Message(
    "decision_not_open",
    "推荐只在“区级审定”阶段审定，本周期目前处于“{phase}”阶段",
    "the district decides in district review; the period is in {phase}",
)
NOMINATION_ALREADY_DECIDED = Message(
    "nomination_already_decided",
    "这项推荐已{status}，不能再次审定",
    "this nomination was already {status}",
)
# A nomination's status, said inside NOMINATION_ALREADY_DECIDED.
NOMINATION_STATUS_NAMES: Mapping[str, Message] = {
    "nominated": Message("nomination_status.nominated", "推荐", "nominated"),
    "approved": Message("nomination_status.approved", "批准", "approved"),
    "rejected": Message("nomination_status.rejected", "否决", "rejected"),
}
HONOUR_ROLL_NOT_PUBLISHED = Message(
    "honour_roll_not_published",
    "该周期的表彰名单尚未公布",
    "no published honour roll for this period",
)

# -- a volunteer's own ------------------------------------------------------------------

NOT_A_VOLUNTEER = Message(
    "not_a_volunteer",
    "只有已登记的志愿者才能进行此操作",
    "only a registered volunteer can do this",
)
NO_CONFIRMED_HOURS = Message(
    "no_confirmed_hours",
    "这位志愿者还没有经过确认的服务时长",
    "no confirmed hours for this volunteer",
)

# -- certificates ------------------------------------------------------------------------

CERTIFICATE_NOT_FOUND = Message("certificate_not_found", "未找到该证明", "certificate not found")
CERTIFICATE_RANGE_BACKWARDS = Message(
    "certificate_range_backwards",
    "结束日期不能早于开始日期，请修改日期范围",
    "the date range ends before it starts",
)
CERTIFICATE_OF_ERASED = Message(
    "certificate_of_erased_volunteer",
    "这位志愿者的个人信息已应本人要求删除，无法再开具写有其姓名的证明",
    "this volunteer's personal data was erased; no certificate can name them",
)
NO_SERVICE_IN_RANGE = Message(
    "no_service_in_range",
    "这段日期内没有经过确认的志愿服务，请调整日期范围",
    "no confirmed service in this date range",
)

# -- the certificate issuer and its seal ---------------------------------------------------

ISSUER_SET_BY_DISTRICT = Message(
    "issuer_set_by_district_admin",
    "证明的出具单位只能由区级管理员设置",
    "only the district admin sets the certificate issuer",
)
ISSUER_READ_BY_ADMINS = Message(
    "issuer_read_by_admins",
    "只有管理员可以查看证明的出具单位",
    "only admins read the certificate issuer",
)
SEAL_NOT_UPLOADED = Message("seal_not_uploaded", "还没有上传印章", "no seal was uploaded")
SEAL_NOT_AN_IMAGE = Message(
    "seal_not_png_or_jpeg",
    "印章须为 PNG 或 JPEG 图片（Content-Type 为 image/png 或 image/jpeg）",
    "the seal must be a PNG or JPEG image (Content-Type image/png or image/jpeg)",
)
SEAL_EMPTY = Message("seal_empty", "印章图片是空的，请重新选择文件", "the seal image is empty")
SEAL_TOO_LARGE = Message(
    "seal_too_large",
    "印章图片不能超过 {kib} KiB，请压缩后再上传",
    "the seal image is larger than {kib} KiB",
)
SEAL_TOO_MANY_PIXELS = Message(
    "seal_too_many_pixels",
    "印章图片不能超过 {pixels}×{pixels} 像素，请缩小后再上传",
    "the seal image is larger than {pixels}×{pixels} pixels",
)
SEAL_UNREADABLE = Message(
    "seal_unreadable",
    "无法读取这张印章图片，请上传 PNG 或 JPEG 图片",
    "the seal is not a readable PNG or JPEG image",
)
SEAL_FORMAT_MISMATCH = Message(
    "seal_format_mismatch",
    "这张印章图片实际是 {found} 格式，与声明的 {expected} 不符",
    "the seal is a {found} image, not the {expected} its Content-Type says",
)

# -- star thresholds ---------------------------------------------------------------------

STAR_THRESHOLDS_SET_BY_DISTRICT = Message(
    "star_thresholds_set_by_district_admin",
    "星级时长标准只能由区级管理员设置",
    "only the district admin sets the star thresholds",
)
STAR_THRESHOLDS_COUNT = Message(
    "star_thresholds_count",
    "请填写 {levels} 个时长标准，每个星级一个",
    "give exactly {levels} thresholds, one per star level",
)
STAR_THRESHOLDS_NOT_POSITIVE = Message(
    "star_thresholds_not_positive",
    "每个时长标准都应大于 0 小时",
    "every threshold must be more than 0 hours",
)
STAR_THRESHOLDS_NOT_RISING = Message(
    "star_thresholds_not_rising",
    "每一星级所需的时长都应高于下一级",
    "each star level must need more hours than the one below it",
)
