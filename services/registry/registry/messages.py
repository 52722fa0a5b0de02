"""What the registry says when it refuses a request, in Chinese and English.

Every refusal the registry answers is one of these (or one of `shared.messages`, for
what every service says: not found, no token, a role that may not act). Codes never
change once published; clients branch on them. `{name}` parts are filled in when the
answer is rendered.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.messages import Message

# -- configuration ------------------------------------------------------------------------

NATIONAL_ID_KEYS_MISSING = Message(
    "national_id_keys_missing",
    "本服务未配置身份证号加密密钥（NATIONAL_ID_KEYS_FILE、NATIONAL_ID_HASH_KEY_FILE），请联系系统管理员",
    "national ID keys are not configured (NATIONAL_ID_KEYS_FILE, NATIONAL_ID_HASH_KEY_FILE)",
)
TOKEN_SIGNING_KEY_MISSING = Message(
    "token_signing_key_missing",
    "本服务未配置令牌签名私钥（JWT_PRIVATE_KEY_FILE），请联系系统管理员",
    "the token signing key is not configured (JWT_PRIVATE_KEY_FILE)",
)

# -- any input ----------------------------------------------------------------------------

FIELD_NULL = Message(
    "field_null",
    "{field} 不能为空值（null）：不修改就不要填写此项",
    "{field} cannot be null; leave it out to keep it",
)

# -- login and tokens ---------------------------------------------------------------------

LOGIN_FAILED = Message(
    "login_failed", "用户名或密码不正确，请重新输入", "wrong username or password"
)
LOGIN_LOCKED_USERNAME = Message(
    "login_locked_username",
    "该用户名登录失败次数过多，请 {wait} 秒后再试",
    "too many failed logins for this username; try again in {wait} s",
)
LOGIN_LOCKED_ADDRESS = Message(
    "login_locked_address",
    "此网络地址登录失败次数过多，请 {wait} 秒后再试",
    "too many failed logins from this address; try again in {wait} s",
)
PASSWORD_CHANGE_REQUIRED = Message(
    "password_change_required",
    "您的密码已由管理员重置：请先用 POST /auth/password 设置新密码"
    "（用户名、管理员给您的密码和新密码），再用新密码登录",
    "your password was reset by an administrator: choose a new one with POST /auth/password "
    "(username, the password you were given, and a new one); then log in with it",
)
PASSWORD_UNCHANGED = Message(
    "password_unchanged",
    "新密码不能与当前密码相同，请换一个",
    "the new password must differ from the current one",
)
REFRESH_TOKEN_USED = Message(
    "refresh_token_used",
    "此刷新令牌已使用过或已作废，请重新登录",
    "this refresh token was already used or revoked; log in again",
)
ACCOUNT_DISABLED = Message(
    "account_disabled", "该账号已停用，请联系社区管理员", "the account is disabled"
)
REFRESH_AFTER_RESET = Message(
    "refresh_after_password_reset",
    "密码已被重置：请先修改密码（POST /auth/password），再登录",
    "the password was reset: change it (POST /auth/password), then log in",
)

# -- accounts -----------------------------------------------------------------------------

DISTRICT_ADMIN_HAS_NO_COMMUNITY = Message(
    "district_admin_has_no_community",
    "区级管理员不属于任何社区，请不要填写社区",
    "a district admin belongs to no community",
)
ACCOUNT_NEEDS_COMMUNITY = Message(
    "account_needs_community",
    "{role}账号必须属于一个社区，请填写社区",
    "a {role} account belongs to a community",
)
ACCOUNT_HAS_NO_COMMUNITY = Message(
    "account_has_no_community",
    "该账号（区级管理员）没有社区：改为{role}须同时给出 community_id",
    "this account has no community (a district admin's): a {role} account needs one, "
    "give community_id",
)
USERNAME_TAKEN = Message(
    "username_taken",
    "用户名“{username}”已被使用，请换一个",
    "the username '{username}' is taken",
)
OWN_ACCOUNT = Message(
    "own_account",
    "不能用这种方式修改自己的账号，请找另一位管理员办理",
    "you cannot change your own account this way; ask another administrator",
)
ROLE_MAY_NOT_MANAGE_ACCOUNTS = Message(
    "role_may_not_manage_accounts",
    "{role}无权管理账号",
    "role {role} may not manage accounts",
)
ADMIN_ACCOUNT_IS_DISTRICTS = Message(
    "admin_account_is_districts",
    "社区管理员不能修改管理员的账号，请联系区级管理员",
    "a community admin may not change an administrator's account",
)
COMMUNITY_ADMIN_MAY_NOT_GRANT = Message(
    "community_admin_may_not_grant",
    "社区管理员不能把任何人设为{role}",
    "a community admin may not make anyone a {role}",
)
COMMUNITY_ADMIN_MAY_NOT_CREATE = Message(
    "community_admin_may_not_create",
    "社区管理员不能创建{role}账号",
    "a community admin may not create a {role} account",
)
ACCOUNT_MOVES_WITH_VOLUNTEER = Message(
    "account_moves_with_volunteer",
    "这是志愿者的账号：请办理志愿者转移（POST /volunteers/{id}/transfer），账号会随之转移",
    "this account is a volunteer's: transfer the volunteer "
    "(POST /volunteers/{id}/transfer) and the account moves with them",
)
ERASED_ACCOUNT_STAYS_DISABLED = Message(
    "erased_account_stays_disabled",
    "此人的个人信息已被删除，其账号不能再启用",
    "this person's data was erased; their account cannot be enabled",
)
DISABLED_ACCOUNT_NO_RESET = Message(
    "disabled_account_no_reset",
    "该账号已停用：请先启用，再重置密码",
    "this account is disabled: enable it before resetting its password",
)

# -- streets, communities, member units, service areas ----------------------------------

STREET_NOT_FOUND = Message(
    "street_not_found", "未找到街道 {street_id}", "street {street_id} not found"
)
STREET_NAME_TAKEN = Message(
    "street_name_taken",
    "已有名为“{name}”的街道，请换一个名称",
    "a street named '{name}' already exists",
)
COMMUNITY_NAME_TAKEN = Message(
    "community_name_taken",
    "已有名为“{name}”的社区，请换一个名称",
    "a community named '{name}' already exists",
)
MEMBER_UNIT_NOT_FOUND = Message(
    "member_unit_not_found",
    "本社区没有共建单位 {member_unit_id}",
    "member unit {member_unit_id} not found",
)
MEMBER_UNIT_NAME_TAKEN = Message(
    "member_unit_name_taken",
    "{community}已有名为“{name}”的共建单位",
    "{community} already has a member unit named '{name}'",
)
SERVICE_AREA_CODE_TAKEN = Message(
    "service_area_code_taken",
    "{community}已有服务领域“{code}”",
    "{community} already has a service area '{code}'",
)
SERVICE_AREA_UNKNOWN = Message(
    "service_area_unknown",
    "本社区没有服务领域 {unknown}；可选的有：{offered}",
    "unknown service area {unknown}; this community offers {offered}",
)
SERVICE_AREA_NOT_FOUND = Message(
    "service_area_not_found",
    "本社区没有服务领域 {code}；可选的有：{offered}",
    "service area {code} not found; this community offers {offered}",
)

# -- volunteers ---------------------------------------------------------------------------

NAME_EMPTY = Message("name_empty", "姓名不能为空", "the name is empty")
NATIONAL_ID_LENGTH = Message(
    "national_id_length",
    "身份证号应为 18 位，请核对",
    "a national ID number has 18 characters",
)
NATIONAL_ID_FORMAT = Message(
    "national_id_format",
    "身份证号应为 17 位数字加 1 位数字或 X，请核对",
    "a national ID number is 17 digits and a digit or X",
)
NATIONAL_ID_BIRTH_DATE = Message(
    "national_id_birth_date",
    "身份证号中的出生日期不是有效日期，请核对",
    "the birth date inside the national ID number is not a date",
)
NATIONAL_ID_CHECK_DIGIT = Message(
    "national_id_check_digit",
    "身份证号校验位不对，可能有一位输错了，请核对",
    "the national ID number's check digit does not match",
)
BIRTH_DATE_MISMATCH = Message(
    "birth_date_mismatch",
    "出生日期与身份证号不一致，请核对",
    "the birth date does not match the national ID number",
)
NATIONAL_ID_REGISTERED = Message(
    "national_id_registered",
    "此身份证号已在本区登记过，每人只需登记一次。如已搬家，请联系原登记社区办理转移",
    "this national ID number is already registered in the district; a person registers "
    "once. Ask the community where you registered to transfer you instead.",
)
NO_VOLUNTEER_RECORD = Message(
    "no_volunteer_record",
    "您还没有志愿者登记信息，可以先在线报名",
    "you have no volunteer record",
)
VOLUNTEER_ERASED = Message(
    "volunteer_erased",
    "该志愿者的个人信息已删除，不能再做任何修改",
    "this volunteer's personal data was erased; nothing more can change",
)
VOLUNTEER_ALREADY_ERASED = Message(
    "volunteer_already_erased",
    "该志愿者的个人信息已经删除过了",
    "this volunteer's personal data was already erased",
)
VOLUNTEER_STATUS_FORBIDS = Message(
    "volunteer_status_forbids",
    "该志愿者目前{status}，不能{action}",
    "a volunteer who is {status} cannot be {action}",
)
VOLUNTEER_NEVER_REGISTERED = Message(
    "volunteer_never_registered",
    "该志愿者从未正式登记，请重新报名",
    "this volunteer was never registered; they apply instead",
)
ALREADY_IN_COMMUNITY = Message(
    "already_in_community",
    "该志愿者已经属于这个社区",
    "the volunteer already belongs to this community",
)
LEADER_CANNOT_TRANSFER = Message(
    "leader_cannot_transfer",
    "该志愿者是服务队“{team}”的队长：请先为该队另选队长",
    "the volunteer leads the team '{team}': give it another leader first",
)
CARD_ONLY_REGISTERED = Message(
    "card_only_registered",
    "只有已登记的志愿者才有志愿者证",
    "only a registered volunteer has a card",
)

# What a volunteer is, said inside VOLUNTEER_STATUS_FORBIDS and VOLUNTEER_CANNOT_JOIN.
VOLUNTEER_STATUS_NAMES: Mapping[str, Message] = {
    "applied": Message("volunteer_status.applied", "在审核中", "applied"),
    "registered": Message("volunteer_status.registered", "已登记", "registered"),
    "rejected": Message("volunteer_status.rejected", "报名未通过", "rejected"),
    "suspended": Message("volunteer_status.suspended", "已暂停服务", "suspended"),
    "withdrawn": Message("volunteer_status.withdrawn", "已退出", "withdrawn"),
}

# What cannot be done, said inside VOLUNTEER_STATUS_FORBIDS.
VOLUNTEER_ACTIONS: Mapping[str, Message] = {
    "approved": Message("volunteer_action.approved", "审核通过", "approved"),
    "rejected": Message("volunteer_action.rejected", "驳回", "rejected"),
    "suspended": Message("volunteer_action.suspended", "暂停服务", "suspended"),
    "reinstated": Message("volunteer_action.reinstated", "恢复服务", "reinstated"),
    "withdrawn": Message("volunteer_action.withdrawn", "办理退出", "withdrawn"),
    "taken back": Message("volunteer_action.taken_back", "重新加入", "taken back"),
    "transferred": Message("volunteer_action.transferred", "转移到其他社区", "transferred"),
    "changed": Message("volunteer_action.changed", "修改资料", "changed"),
}

# -- teams --------------------------------------------------------------------------------

VOLUNTEER_CANNOT_JOIN = Message(
    "volunteer_cannot_join",
    "该志愿者目前{status}，不能加入或带领服务队",
    "a volunteer who is {status} cannot join or lead a team",
)
TEAM_NAME_TAKEN = Message(
    "team_name_taken",
    "{community}已有名为“{name}”的服务队，请换一个名称",
    "{community} already has a team named '{name}'",
)
ALREADY_IN_TEAM = Message(
    "already_in_team", "该志愿者已经在这个服务队里了", "this volunteer is already in the team"
)
NOT_IN_TEAM = Message(
    "not_in_team", "该志愿者不在这个服务队里", "this volunteer is not in the team"
)
LEADER_CANNOT_LEAVE = Message(
    "leader_cannot_leave",
    "队长不能退出服务队：请先另选队长",
    "the team's leader cannot leave; assign another leader first",
)
MEMBERSHIP_NOT_YOURS = Message(
    "membership_not_yours",
    "只有管理员、队长或志愿者本人可以办理入队和退队",
    "only admins, the team leader or the volunteer themself",
)

# -- roster import and export -------------------------------------------------------------

ROSTER_FILE_TYPE = Message(
    "roster_file_type", "请上传 .csv 或 .xlsx 文件", "upload a .csv or .xlsx file"
)
ROSTER_TOO_LARGE = Message(
    "roster_too_large",
    "文件超过 10 MB，请拆分后分批导入",
    "the file is larger than 10 MB",
)
ROSTER_EMPTY = Message("roster_empty", "文件是空的", "the file is empty")
ROSTER_CSV_ENCODING = Message(
    "roster_csv_encoding",
    "无法识别 CSV 文件的编码：请另存为 UTF-8 或 GB18030 格式",
    "the CSV file is neither UTF-8 nor GB18030 text",
)
ROSTER_CSV_UNREADABLE = Message(
    "roster_csv_unreadable",
    "无法读取 CSV 表格：{error}",
    "the file is not a readable CSV table: {error}",
)
ROSTER_XLSX_UNREADABLE = Message(
    "roster_xlsx_unreadable",
    "无法读取 XLSX 工作簿，请用 Excel 或 WPS 重新保存后再试",
    "the file is not a readable XLSX workbook",
)
ROSTER_NO_SHEET = Message("roster_no_sheet", "工作簿里没有工作表", "the workbook has no sheet")
ROSTER_MISSING_COLUMNS = Message(
    "roster_missing_columns",
    "缺少以下列：{columns}，请按模板填写表头",
    "missing columns: {columns}",
)
ROSTER_TOO_MANY_ROWS = Message(
    "roster_too_many_rows",
    "每次最多导入 {max_rows} 行，请拆分文件",
    "at most {max_rows} rows per import; split the file",
)
# Why one row of an import cannot be imported (the import itself goes on: a 200).
ROSTER_ROW_GENDER = Message(
    "roster_row.gender",
    "性别“{value}”无法识别：请填 男 或 女",
    "gender '{value}' is neither male nor female",
)
ROSTER_ROW_CATEGORY = Message(
    "roster_row.category",
    "类别“{value}”无法识别：可填 {choices}",
    "category '{value}' is not one of {choices}",
)
ROSTER_ROW_PARTY_MEMBER = Message(
    "roster_row.party_member",
    "党员一栏“{value}”无法识别：请填 是 或 否",
    "party_member '{value}' is neither yes nor no",
)
ROSTER_ROW_SERVICE_AREA = Message(
    "roster_row.service_area",
    "本社区没有服务领域“{value}”",
    "unknown service area '{value}'",
)
ROSTER_ROW_NO_SERVICE_AREA = Message(
    "roster_row.no_service_area", "未填写服务领域", "no service area given"
)
ROSTER_ROW_MEMBER_UNIT = Message(
    "roster_row.member_unit",
    "“{value}”不是本社区的共建单位",
    "member unit '{value}' is not one of this community's",
)
ROSTER_ROW_SAME_PERSON = Message(
    "roster_row.same_person",
    "身份证号与第 {row} 行相同：同一人只需登记一次",
    "same national ID number as row {row}",
)
ROSTER_ROW_ELSEWHERE = Message(
    "roster_row.registered_elsewhere",
    "此人已在其他社区登记：如已搬家，请联系原社区办理转移",
    "this person is registered in another community",
)
# Fields a row fills wrongly, each named with what is wrong: in English as pydantic says
# it, in Chinese from the field messages of shared.messages.
ROSTER_ROW_FIELDS = Message("roster_row.fields", "填写有误：{problems}", "{problems}")
ROSTER_EXPORT_FORMAT = Message(
    "roster_export_format",
    "请以 roster.csv 或 roster.xlsx 导出",
    "export as roster.csv or roster.xlsx",
)
