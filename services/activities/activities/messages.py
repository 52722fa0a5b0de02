"""Everything the activities service may refuse, in Chinese (the default) and English.

Each refusal has a stable code that clients branch on; the texts say what is wrong and
what to do next. The answers every service gives (not found, a role that may not act)
are in `shared.messages`. A state named inside a text (`{status}`) is one of the names
below, rendered in the same language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticCustomError

from shared.messages import Message


def invalid(message: Message, **params: Any) -> PydanticCustomError:
    """A validator's refusal by our message: the 422 tells it in the caller's language."""
    return PydanticCustomError(message.code, message.en, params or None)


# -- names of states, said inside the refusals -------------------------------------------

ACTIVITY_STATUS: Mapping[str, Message] = {
    "draft": Message("activity_status.draft", "草稿", "draft"),
    "published": Message("activity_status.published", "已发布", "published"),
    "cancelled": Message("activity_status.cancelled", "已取消", "cancelled"),
    "completed": Message("activity_status.completed", "已结束", "completed"),
}
SIGN_UP_STATUS: Mapping[str, Message] = {
    "confirmed": Message("sign_up_status.confirmed", "已确认名额", "confirmed"),
    "waitlisted": Message("sign_up_status.waitlisted", "候补中", "waitlisted"),
    "offered": Message("sign_up_status.offered", "有名额待确认", "offered"),
    "cancelled": Message("sign_up_status.cancelled", "已取消", "cancelled"),
    "no_show": Message("sign_up_status.no_show", "未到场", "no_show"),
}
RECORD_STATUS: Mapping[str, Message] = {
    "pending": Message("record_status.pending", "待确认", "pending"),
    "confirmed": Message("record_status.confirmed", "已确认", "confirmed"),
    "superseded": Message("record_status.superseded", "已被更正", "superseded"),
    "voided": Message("record_status.voided", "已作废", "voided"),
}
REQUEST_STATUS: Mapping[str, Message] = {
    "open": Message("request_status.open", "待处理", "open"),
    "assigned": Message("request_status.assigned", "已分派", "assigned"),
    "resolved": Message("request_status.resolved", "已解决", "resolved"),
    "closed": Message("request_status.closed", "已关闭", "closed"),
}
# A volunteer's standing, as the registry announced it: named as the registry names it
# (the same codes and texts, so the catalogue holds each once).
VOLUNTEER_STATUS: Mapping[str, Message] = {
    "registered": Message("volunteer_status.registered", "已登记", "registered"),
    "suspended": Message("volunteer_status.suspended", "已暂停服务", "suspended"),
    "withdrawn": Message("volunteer_status.withdrawn", "已退出", "withdrawn"),
}


def standing(status: str) -> Message | str:
    """A volunteer's standing, named in the caller's language (as given, if unknown)."""
    return VOLUNTEER_STATUS.get(status, status)


# -- who may act -------------------------------------------------------------------------

# Said by evaluation too, in the same words.
REGISTERED_VOLUNTEER_ONLY = Message(
    "not_a_volunteer",
    "只有已登记的志愿者才能进行此操作",
    "only a registered volunteer can do this",
)
NOT_THE_ORGANISER = Message(
    "not_the_organiser",
    "{role}不是该活动的组织者，请联系活动所在社区的管理员",
    "the role {role} does not organise this activity",
)
OWN_VISITS_ONLY = Message(
    "own_visits_only",
    "志愿者只能登记自己的走访",
    "a volunteer records their own visits",
)
RESOLVED_BY_ASSIGNEE_OR_ORGANISER = Message(
    "resolved_by_assignee_or_organiser",
    "只有承办的志愿者或组织者可以办结诉求",
    "only an assignee or an organiser resolves a request",
)
CLOSED_BY_RESIDENT_OR_ORGANISER = Message(
    "closed_by_resident_or_organiser",
    "只有提出诉求的居民或组织者可以关闭诉求",
    "only the resident or an organiser closes a request",
)

# -- what is not there (or not the caller's to see) --------------------------------------

ACTIVITY_NOT_FOUND = Message("activity_not_found", "未找到该活动", "activity not found")
SERIES_NOT_FOUND = Message("series_not_found", "未找到该系列活动", "series not found")
SIGN_UP_NOT_FOUND = Message("sign_up_not_found", "未找到该报名", "sign-up not found")
RECORD_NOT_FOUND = Message("record_not_found", "未找到该服务记录", "record not found")
PAIRING_NOT_FOUND = Message("pairing_not_found", "未找到该结对帮扶", "pairing not found")
VISIT_NOT_FOUND = Message("visit_not_found", "未找到该次走访", "visit not found")
REQUEST_NOT_FOUND = Message("request_not_found", "未找到该诉求", "request not found")
VOLUNTEER_NUMBER_UNKNOWN = Message(
    "volunteer_number_unknown",
    "没有这个编号的志愿者，请核对志愿者证上的编号",
    "no volunteer with this number",
)
PAIRED_VOLUNTEER_NOT_FOUND = Message(
    "paired_volunteer_not_found",
    "未找到志愿者 {volunteer_id}，请确认是本社区的志愿者",
    "volunteer {volunteer_id} not found",
)

# -- times given without their offset (a validator's refusal) ----------------------------

TIMES_WITHOUT_OFFSET = Message(
    "times_without_offset",
    "请写明时间的时区，例如 2026-12-01T09:00:00+08:00",
    "give times with their offset, e.g. 2026-12-01T09:00:00+08:00",
)
TIME_WITHOUT_OFFSET = Message(
    "time_without_offset",
    "请写明时间的时区，例如 2026-12-01T11:30:00+08:00",
    "give the time with its offset, e.g. 2026-12-01T11:30:00+08:00",
)

# -- activities and their series ---------------------------------------------------------

ACTIVITY_ENDS_BEFORE_START = Message(
    "activity_ends_before_start",
    "活动的结束时间应晚于开始时间",
    "the activity must end after it starts",
)
SIGN_UP_DEADLINE_AFTER_START = Message(
    "sign_up_deadline_after_start",
    "报名截止时间不能晚于活动开始时间",
    "the sign-up deadline must not be after the start",
)
TEAM_ACTIVITY_NAMES_ITS_TEAM = Message(
    "team_activity_names_its_team",
    "服务队活动须指定服务队；其他范围的活动不能指定服务队",
    "a team activity names its team, and only a team activity does",
)
ONLY_A_DRAFT_IS_PUBLISHED = Message(
    "only_a_draft_is_published",
    "只有草稿才能发布，该活动当前为“{status}”",
    "only a draft can be published; this activity is {status}",
)
ACTIVITY_CANNOT_CHANGE = Message(
    "activity_cannot_change",
    "“{status}”的活动不能再修改",
    "a {status} activity cannot change",
)
CAPACITY_BELOW_PLACES_HELD = Message(
    "capacity_below_places_held",
    "已有 {holding} 名志愿者占有名额，名额不能少于这个数",
    "{holding} volunteers hold places; capacity cannot go below that",
)
ACTIVITY_CANNOT_BE_CANCELLED = Message(
    "activity_cannot_be_cancelled",
    "“{status}”的活动不能取消",
    "a {status} activity cannot be cancelled",
)
ONLY_A_PUBLISHED_ACTIVITY_COMPLETES = Message(
    "only_a_published_activity_completes",
    "只有已发布的活动才能结束，该活动当前为“{status}”",
    "only a published activity can be completed; this one is {status}",
)
ACTIVITY_NOT_STARTED = Message(
    "activity_not_started",
    "活动还没有开始，开始以后才能结束",
    "the activity has not started yet",
)
SERIES_TIMES_TOGETHER = Message(
    "series_times_together",
    "开始时间和结束时间要一起填写",
    "give start_time and end_time together",
)
SERIES_ENDS_BEFORE_START = Message(
    "series_ends_before_start",
    "结束时间应晚于开始时间（同一天内）",
    "the activity must end after it starts (the same day)",
)
# A series changes as a whole or not at all: the occurrence that refused says so.
SERIES_OCCURRENCE_OVERBOOKED = Message(
    "series_occurrence_overbooked",
    "{day} 的活动已有 {holding} 名志愿者占有名额，名额不能少于这个数；整个系列都没有修改",
    "the occurrence of {day}: {holding} volunteers hold places; capacity cannot go below "
    "that; nothing was changed",
)
SERIES_OCCURRENCE_CANNOT_CHANGE = Message(
    "series_occurrence_cannot_change",
    "{day} 的活动当前为“{status}”，不能再修改；整个系列都没有修改",
    "the occurrence of {day}: a {status} activity cannot change; nothing was changed",
)

# -- signing up and the waitlist ---------------------------------------------------------

VOLUNTEER_MAY_NOT_SIGN_UP = Message(
    "volunteer_may_not_sign_up",
    "该志愿者当前为“{status}”，不能报名",
    "a volunteer who is {status} cannot sign up",
)
OWN_COMMUNITY_ONLY = Message(
    "own_community_only",
    "本活动只接受本社区的志愿者报名",
    "this activity is for the volunteers of its own community",
)
OWN_TEAM_ONLY = Message(
    "own_team_only",
    "本活动只接受本服务队的队员报名",
    "this activity is for the members of its team",
)
SIGN_UP_CLOSED = Message(
    "sign_up_closed",
    "活动当前为“{status}”，不能报名",
    "the activity is {status}; sign-up is closed",
)
SIGN_UP_DEADLINE_PASSED = Message(
    "sign_up_deadline_passed",
    "报名已截止，可以看看其他活动",
    "the sign-up deadline has passed",
)
ALREADY_SIGNED_UP = Message(
    "already_signed_up",
    "您已经报过名了（{status}）",
    "already signed up ({status})",
)
SIGN_UP_ALREADY_ENDED = Message(
    "sign_up_already_ended",
    "该报名已经是“{status}”，无需再取消",
    "this sign-up is already {status}",
)
CHECKED_IN_CANNOT_CANCEL = Message(
    "checked_in_cannot_cancel",
    "志愿者已经签到，不能取消报名，请为其办理签退",
    "the volunteer has checked in; check them out instead",
)
NO_PLACE_OFFERED = Message(
    "no_place_offered",
    "没有为该报名保留的名额（当前为“{status}”）",
    "no place is offered to this sign-up ({status})",
)
OFFER_LAPSED = Message(
    "offer_lapsed",
    "保留的名额已过期，可以重新报名排队候补",
    "the offer has lapsed",
)

# -- attendance --------------------------------------------------------------------------

CHECK_IN_CODE_WRONG = Message(
    "check_in_code_wrong",
    "签到码不对，请核对本活动的签到码",
    "the code is not this activity's",
)
NO_CONFIRMED_PLACE = Message(
    "no_confirmed_place",
    "该志愿者在本活动中没有已确认的名额",
    "this volunteer has no confirmed place in the activity",
)
ACTIVITY_NOT_OPEN = Message(
    "activity_not_open",
    "活动当前为“{status}”，不能签到签退",
    "the activity is {status}",
)
CHECK_IN_NOT_OPEN_YET = Message(
    "check_in_not_open_yet",
    "活动开始前 {minutes} 分钟才开放签到，请稍后再来",
    "check-in opens {minutes} minutes before the start",
)
ACTIVITY_ENDED = Message(
    "activity_ended",
    "活动已经结束，不能再签到",
    "the activity has ended",
)
ALREADY_CHECKED_IN = Message("already_checked_in", "已经签到过了", "already checked in")
NOT_CHECKED_IN = Message(
    "not_checked_in",
    "该志愿者还没有签到，请先签到",
    "the volunteer has not checked in",
)
ALREADY_CHECKED_OUT = Message("already_checked_out", "已经签退过了", "already checked out")
NO_CHECK_OUT_TO_RESOLVE = Message(
    "no_check_out_to_resolve",
    "该报名没有需要处理的签退",
    "this sign-up has no check-out to resolve",
)
NEVER_CHECKED_IN = Message(
    "never_checked_in",
    "该志愿者没有签到过",
    "the volunteer never checked in",
)
CHECK_OUT_BEFORE_CHECK_IN = Message(
    "check_out_before_check_in",
    "签退时间应晚于签到时间（{arrived}）",
    "the check-out must come after the check-in at {arrived}",
)
CHECK_OUT_IN_FUTURE = Message(
    "check_out_in_future",
    "签退时间不能是将来的时间，请填写实际离开的时间",
    "the check-out time is in the future; give the time they really left",
)

# -- service records: plausibility (no padded hours) -------------------------------------

SERVICE_ENDS_BEFORE_START = Message(
    "service_ends_before_start",
    "服务的结束时间应晚于开始时间",
    "the service must end after it starts",
)
FUTURE_START = Message(
    "future_start",
    "不能登记将来的时长：服务开始于 {start}，晚于现在（{now}）；请在服务完成后再登记",
    "no future hours: the service starts {start}, after now ({now}); record it once it is served",
)
FUTURE_END = Message(
    "future_end",
    "不能登记将来的时长：服务结束于 {end}，晚于现在（{now}）；请在服务结束后再登记",
    "no future hours: the service ends {end}, after now ({now}); record it once it is over",
)
OUTSIDE_BACKFILL_WINDOW = Message(
    "outside_backfill_window",
    "超出补录期限：最多补录 {days} 天内的服务，现在最早可登记 {earliest} 开始的服务",
    "backfill window: a record reaches back at most {days} days; the earliest start "
    "accepted now is {earliest}",
)
OUTSIDE_ACTIVITY_WINDOW = Message(
    "outside_activity_window",
    "超出活动时间：本活动的记录须在活动时间 {start}–{end} 之内",
    "activity window: a record for this activity lies inside its time, {start}–{end}",
)
LONGER_THAN_DAILY_CAP = Message(
    "longer_than_daily_cap",
    "一条记录不能超过每日上限 {cap} 小时",
    "one record cannot be longer than the daily cap of {cap} h",
)
OVERLAPS_ANOTHER_RECORD = Message(
    "overlaps_another_record",
    "与该志愿者的另一条记录时间重叠（{start}–{end}），请核对时间",
    "overlaps another record of this volunteer ({start}–{end})",
)
PASSES_DAILY_CAP = Message(
    "passes_daily_cap",
    "{day} 已登记 {already} 小时，再加 {more} 小时将超过每日上限 {cap} 小时",
    "{day}: {already} h already recorded; {more} h more would pass the daily cap of {cap} h",
)
ACTIVITY_CANCELLED_NO_HOURS = Message(
    "activity_cancelled_no_hours",
    "该活动已取消，不能为它登记服务时长",
    "the activity was cancelled: no hours can be recorded for it",
)

# -- service records: four eyes and the ledger's lifecycle -------------------------------

OWN_HOURS = Message(
    "own_hours",
    "双人确认：不能确认自己的服务时长，请由本社区的其他组织者或区级管理员确认",
    "four eyes: nobody confirms their own hours; another organiser of the community or a "
    "district admin confirms them",
)
RECORDER_CONFIRMS = Message(
    "recorder_confirms",
    "双人确认：登记时长的人不能自己确认，请由本社区的其他组织者或区级管理员确认",
    "four eyes: whoever recorded these hours cannot confirm them; another organiser of the "
    "community or a district admin confirms them",
)
ONLY_A_PENDING_RECORD_IS_CONFIRMED = Message(
    "only_a_pending_record_is_confirmed",
    "只有待确认的记录才能确认，该记录当前为“{status}”",
    "only a pending record can be confirmed; this one is {status}",
)
RECORD_CANNOT_BE_CORRECTED = Message(
    "record_cannot_be_corrected",
    "“{status}”的记录不能更正",
    "a {status} record cannot be corrected",
)
RECORD_CANNOT_BE_VOIDED = Message(
    "record_cannot_be_voided",
    "“{status}”的记录不能作废",
    "a {status} record cannot be voided",
)

# -- pairings ----------------------------------------------------------------------------

MANY_HELP_ONE_DIFFERENT_VOLUNTEERS = Message(
    "many_help_one_different_volunteers",
    "多帮一要结对两名或以上不同的志愿者",
    "many help one pairs two or more different volunteers",
)
PAIRED_VOLUNTEER_NOT_REGISTERED = Message(
    "paired_volunteer_not_registered",
    "志愿者 {volunteer_id} 当前为“{status}”，只有已登记的志愿者才能结对",
    "volunteer {volunteer_id} is {status}, not registered",
)
PAIRING_ENDED = Message(
    "pairing_ended",
    "该结对帮扶已结束，不能再登记走访",
    "the pairing has ended",
)
NOT_IN_PAIRING = Message(
    "not_in_pairing",
    "该志愿者不在这个结对帮扶中",
    "the volunteer is not in this pairing",
)
PAIRING_ALREADY_ENDED = Message(
    "pairing_already_ended",
    "该结对帮扶已经结束了",
    "the pairing has already ended",
)

# -- resident requests -------------------------------------------------------------------

REQUEST_CANNOT_BE_ASSIGNED = Message(
    "request_cannot_be_assigned",
    "“{status}”的诉求不能再分派",
    "a {status} request cannot be assigned",
)
REQUEST_CANNOT_BE_RESOLVED = Message(
    "request_cannot_be_resolved",
    "“{status}”的诉求不能再办结",
    "a {status} request cannot be resolved",
)
REQUEST_CANNOT_BE_CLOSED = Message(
    "request_cannot_be_closed",
    "“{status}”的诉求不能再关闭",
    "a {status} request cannot be closed",
)
ASSIGNEE_NOT_REGISTERED = Message(
    "assignee_not_registered",
    "该志愿者当前为“{status}”，只有已登记的志愿者才能承办诉求",
    "the volunteer is {status}, not registered",
)
