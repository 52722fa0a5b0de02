"""Roster import and export: the spreadsheets communities already keep.

Import reads CSV or XLSX with a header row (English or Chinese column names), checks
every row, registers the valid new people in one transaction and reports the invalid
rows by their spreadsheet row number. People already registered in this community are
counted as unchanged, so importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry import messages
from registry.domain.national_id import InvalidNationalId, normalise
from registry.models import (
    Category,
    Community,
    Gender,
    MemberUnit,
    ServiceArea,
    Volunteer,
    VolunteerFields,
    VolunteerPublic,
)
from registry.organisation import service_areas
from registry.volunteers import Registrar, draw_numbers, stage_registered, stage_volunteer
from shared import messages as common
from shared.errors import Unprocessable
from shared.events.envelope import describe
from shared.messages import Language, Message

MAX_ROWS = 20_000

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名"),
    "gender": ("gender", "性别"),
    "phone": ("phone", "电话", "手机", "联系电话"),
    "national_id": ("national_id", "身份证号", "身份证号码"),
    "party_member": ("party_member", "党员", "是否党员"),
    "category": ("category", "类别"),
    "member_unit": ("member_unit", "单位", "所在单位"),
    "skills": ("skills", "特长"),
    "availability": ("availability", "服务时间"),
    "service_areas": ("service_areas", "服务领域", "服务项目"),
}
REQUIRED = ("name", "gender", "phone", "national_id", "category", "service_areas")
GENDERS = {"male": Gender.MALE, "男": Gender.MALE, "female": Gender.FEMALE, "女": Gender.FEMALE}
CATEGORIES = {
    **{c.value: c for c in Category},
    "在职干部": Category.SERVING_CADRE,
    "离退休干部": Category.RETIRED_CADRE,
    "居民": Category.RESIDENT,
    "青年": Category.YOUTH,
    "学生": Category.STUDENT,
}
YES = {"yes", "y", "true", "1", "是", "党员", "中共党员"}
NO = {"", "no", "n", "false", "0", "否", "群众"}


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    imported: int = 0
    unchanged: int = 0
    invalid: list[InvalidRow] = field(default_factory=list)


@dataclass(frozen=True)
class InvalidRow:
    """A row that cannot be imported: its number, the code of why, and why in each
    language (the route answers the caller's)."""

    row: int
    code: str
    reasons: Mapping[Language, str]


class RowError(ValueError):
    """Why one row cannot be imported, said in every language at once (the rows are
    reported together, after the import)."""

    def __init__(self, code: str, reasons: Mapping[Language, str]) -> None:
        super().__init__(reasons[Language.EN])
        self.code = code
        self.reasons = reasons

    @classmethod
    def said(cls, message: Message, **params: Any) -> RowError:
        """The refusal `message` says, its parameters filled in."""
        return cls(message.code, {lang: message.render(lang, params) for lang in Language})

    @classmethod
    def of_fields(cls, error: ValidationError) -> RowError:
        """The fields a row fills wrongly: in English as pydantic says (without the
        values, which may be personal), in Chinese by the column's title."""
        chinese = "；".join(_problem(item) for item in error.errors(include_input=False))
        message = messages.ROSTER_ROW_FIELDS
        return cls(
            message.code,
            {
                Language.ZH: message.render(Language.ZH, {"problems": chinese}),
                Language.EN: describe(error),
            },
        )

    def at(self, row: int) -> InvalidRow:
        """This refusal, for row number `row`."""
        return InvalidRow(row, self.code, self.reasons)


def _problem(item: Mapping[str, Any]) -> str:
    """One failed field in Chinese: the column's title and what is wrong."""
    key = ".".join(str(part) for part in item["loc"])
    title = COLUMNS[key][1] if key in COLUMNS else key
    kind = str(item["type"])
    known = common.message_of(kind) or common.FIELD_MESSAGES.get(kind)
    if known is None:
        return f"{title}：{item['msg']}"  # a type no field message translates
    context = {name: str(value) for name, value in (item.get("ctx") or {}).items()}
    try:
        return f"{title}{known.render(Language.ZH, context)}"  # 电话格式不对
    except (KeyError, IndexError):  # pydantic gave no value for a parameter
        return f"{title}：{item['msg']}"


def read_rows(filename: str, content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column: text}) for each non-empty data row."""
    lowered = filename.lower()
    if lowered.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise Unprocessable(messages.ROSTER_CSV_ENCODING) from exc
        try:
            table: list[list[str]] = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB limit
            raise Unprocessable(messages.ROSTER_CSV_UNREADABLE, error=str(exc)) from exc
    elif lowered.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:
            raise Unprocessable(messages.ROSTER_XLSX_UNREADABLE) from exc
        if sheet is None:
            raise Unprocessable(messages.ROSTER_NO_SHEET)
        table = [
            ["" if cell is None else str(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    else:
        raise Unprocessable(messages.ROSTER_FILE_TYPE)
    if not table:
        raise Unprocessable(messages.ROSTER_EMPTY)
    header = [cell.strip().lower() for cell in table[0]]
    positions: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for index, title in enumerate(header):
            if title in names:
                positions[key] = index
    missing = [key for key in REQUIRED if key not in positions]
    if missing:
        raise Unprocessable(
            messages.ROSTER_MISSING_COLUMNS,
            columns=", ".join(f"{k} ({COLUMNS[k][1]})" for k in missing),
        )
    if len(table) - 1 > MAX_ROWS:
        raise Unprocessable(messages.ROSTER_TOO_MANY_ROWS, max_rows=MAX_ROWS)
    for number, row in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        yield (
            number,
            {key: (row[i].strip() if i < len(row) else "") for key, i in positions.items()},
        )


def _parse(row: dict[str, str], areas: dict[str, str], units: dict[str, str]) -> VolunteerFields:
    gender = GENDERS.get(row["gender"].lower())
    if gender is None:
        raise RowError.said(messages.ROSTER_ROW_GENDER, value=row["gender"])
    category = CATEGORIES.get(row["category"].lower()) or CATEGORIES.get(row["category"])
    if category is None:
        raise RowError.said(
            messages.ROSTER_ROW_CATEGORY,
            value=row["category"],
            choices=", ".join(c.value for c in Category),
        )
    party = row.get("party_member", "").lower()
    if party not in YES and party not in NO:
        raise RowError.said(messages.ROSTER_ROW_PARTY_MEMBER, value=row.get("party_member", ""))
    codes = []
    for item in re.split(r"[;；,，、/]", row["service_areas"]):
        item = item.strip()
        if not item:
            continue
        if item not in areas:
            raise RowError.said(messages.ROSTER_ROW_SERVICE_AREA, value=item)
        codes.append(areas[item])
    if not codes:
        raise RowError.said(messages.ROSTER_ROW_NO_SERVICE_AREA)
    unit_name = row.get("member_unit", "")
    if unit_name and unit_name not in units:
        raise RowError.said(messages.ROSTER_ROW_MEMBER_UNIT, value=unit_name)
    try:
        number = normalise(row["national_id"])
    except InvalidNationalId as exc:
        raise RowError.said(exc.message) from exc
    try:
        return VolunteerFields(
            name=row["name"],
            gender=gender,
            phone=row["phone"],
            national_id=number,
            party_member=party in YES,
            category=category,
            member_unit_id=units.get(unit_name) if unit_name else None,
            skills=row.get("skills", ""),
            availability=row.get("availability", ""),
            service_area_codes=codes,
        )
    except ValidationError as exc:
        raise RowError.of_fields(exc) from exc


async def import_roster(
    session: AsyncSession, registrar: Registrar, community: Community, filename: str, content: bytes
) -> ImportReport:
    """Register every valid new person of the file; report the rest. One transaction."""
    report = ImportReport()
    area_rows = await service_areas(session, community.id)
    areas = {a.code: a.code for a in area_rows} | {a.name_zh: a.code for a in area_rows}
    area_by_code = {a.code: a for a in area_rows}
    unit_rows = await session.exec(
        select(MemberUnit).where(col(MemberUnit.community_id) == community.id)
    )
    units = {unit.name: unit.id for unit in unit_rows.all()}

    parsed: list[tuple[int, VolunteerFields, str]] = []
    seen_in_file: dict[str, int] = {}
    for row_number, row in read_rows(filename, content):
        report.rows += 1
        try:
            fields = _parse(row, areas, units)
        except RowError as exc:
            report.invalid.append(exc.at(row_number))
            continue
        lookup = registrar.vault.lookup_hash(fields.national_id)
        if lookup in seen_in_file:
            same = RowError.said(messages.ROSTER_ROW_SAME_PERSON, row=seen_in_file[lookup])
            report.invalid.append(same.at(row_number))
            continue
        seen_in_file[lookup] = row_number
        parsed.append((row_number, fields, lookup))

    existing: dict[str, str] = {}
    hashes = [lookup for _, _, lookup in parsed]
    for start in range(0, len(hashes), 500):
        rows = await session.exec(
            select(Volunteer.national_id_hash, Volunteer.community_id).where(
                col(Volunteer.national_id_hash).in_(hashes[start : start + 500])
            )
        )
        existing.update({h: c for h, c in rows.all() if h is not None})

    new_rows: list[tuple[int, VolunteerFields]] = []
    for row_number, fields, lookup in parsed:
        if lookup not in existing:
            new_rows.append((row_number, fields))
        elif existing[lookup] == community.id:
            report.unchanged += 1
        else:
            report.invalid.append(RowError.said(messages.ROSTER_ROW_ELSEWHERE).at(row_number))
    numbers = (
        await draw_numbers(session, registrar.district_code, len(new_rows)) if new_rows else []
    )
    staged = []
    for (_, fields), number in zip(new_rows, numbers, strict=True):
        # Rows were checked above (national ID, areas, units, duplicates): stage directly.
        chosen = [area_by_code[code] for code in dict.fromkeys(fields.service_area_codes)]
        volunteer = stage_volunteer(
            session, registrar, community.id, fields, fields.national_id, chosen, self_service=False
        )
        staged.append((volunteer, number, sorted(area.code for area in chosen)))
    sealed = await registrar.seal_names([volunteer for volunteer, _, _ in staged])
    for volunteer, number, codes in staged:
        stage_registered(session, volunteer, number, codes, sealed.get(volunteer.id))
    await session.commit()
    report.imported = len(new_rows)
    report.invalid.sort(key=lambda item: item.row)
    return report


EXPORT_COLUMNS = (
    ("volunteer_number", "志愿者编号"),
    ("name", "姓名"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("phone", "电话"),
    ("national_id_masked", "身份证号"),
    ("party_member", "党员"),
    ("category", "类别"),
    ("service_area_codes", "服务领域"),
    ("status", "状态"),
)


def _cells(volunteer: VolunteerPublic) -> list[str]:
    values = volunteer.model_dump(mode="json")
    cells = []
    for key, _ in EXPORT_COLUMNS:
        value = values[key]
        if isinstance(value, list):
            value = "、".join(value)
        elif isinstance(value, bool):
            value = "是" if value else "否"
        cells.append("" if value is None else str(value))
    return cells


def export_csv(volunteers: list[VolunteerPublic]) -> bytes:
    """The roster as CSV (UTF-8 with BOM so spreadsheet programs read Chinese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"{zh} {en}" for en, zh in EXPORT_COLUMNS])
    for volunteer in volunteers:
        writer.writerow(_cells(volunteer))
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(volunteers: list[VolunteerPublic], title: str) -> bytes:
    """The roster as an XLSX workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "roster")
    sheet.append([f"{zh} {en}" for en, zh in EXPORT_COLUMNS])
    for volunteer in volunteers:
        sheet.append(_cells(volunteer))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = ["ImportReport", "ServiceArea", "export_csv", "export_xlsx", "import_roster"]
