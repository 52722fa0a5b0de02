"""Roster import and export: a 1,510-person roster is a routine job."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from shared.auth import Role
from tests.registry.conftest import Registry, national_id

HEADER = ["姓名", "性别", "电话", "身份证号", "党员", "类别", "服务领域", "特长"]


def roster_rows(count: int) -> list[list[str]]:
    return [
        [
            f"居民{i}",
            "女" if i % 2 else "男",
            f"138{i:08d}",
            national_id(i),
            "是" if i % 5 == 0 else "否",
            "居民" if i % 3 else "离退休干部",
            "为老服务、社区工作" if i % 2 else "elderly_care",
            "",
        ]
        for i in range(count)
    ]


def with_bad_rows(
    rows: list[list[str]], language: str = "zh"
) -> tuple[list[list[str]], list[dict[str, object]]]:
    """Five rows broken in five ways; returns the rows and the exact report expected (in
    `language`)."""
    rows = [list(row) for row in rows]
    bad_id = national_id(10)
    rows[10][3] = bad_id[:17] + ("0" if bad_id[17] != "0" else "1")  # wrong check digit
    rows[20][1] = "未知"  # gender
    rows[30][6] = "星际旅行"  # unknown service area
    rows[40][3] = rows[41][3]  # the same person twice: the second one is refused
    rows[50][2] = "12345"  # phone
    # Spreadsheet rows: the header is row 1, so data row i is row i + 2.
    codes = [
        (12, "national_id_check_digit"),
        (22, "roster_row.gender"),
        (32, "roster_row.service_area"),
        (43, "roster_row.same_person"),
        (52, "roster_row.fields"),
    ]
    reasons = {
        "zh": [
            "身份证号校验位不对，可能有一位输错了，请核对",
            "性别“未知”无法识别：请填 男 或 女",
            "本社区没有服务领域“星际旅行”",
            "身份证号与第 42 行相同：同一人只需登记一次",
            "填写有误：电话格式不对",
        ],
        "en": [
            "the national ID number's check digit does not match",
            "gender '未知' is neither male nor female",
            "unknown service area '星际旅行'",
            "same national ID number as row 42",
            "phone: String should match pattern '^1\\d{10}$'",
        ],
    }[language]
    expected: list[dict[str, object]] = [
        {"row": row, "code": code, "reason": reason}
        for (row, code), reason in zip(codes, reasons, strict=True)
    ]
    return rows, expected


def as_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_a_1510_row_roster_imports_with_an_exact_report_and_again_changes_nothing(
    registry: Registry,
) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    rows, expected_invalid = with_bad_rows(roster_rows(1510))
    upload = {"file": ("roster.csv", as_csv(rows), "text/csv")}

    first = await registry.client.post(
        f"/communities/{community}/roster", files=upload, headers=admin
    )
    assert first.status_code == 200, first.text
    assert first.json() == {
        "rows": 1510,
        "imported": 1505,
        "unchanged": 0,
        "invalid": expected_invalid,
    }
    registered = await registry.client.get(
        "/volunteers", params={"status": "registered", "limit": 1}, headers=admin
    )
    assert registered.json()["total"] == 1505
    assert len(await registry.payloads("volunteer_registered")) == 1505

    # Again, asking for English: the same rows refused, told in English.
    second = await registry.client.post(
        f"/communities/{community}/roster",
        files=upload,
        headers=admin | {"Accept-Language": "en"},
    )
    assert second.json() == {
        "rows": 1510,
        "imported": 0,
        "unchanged": 1505,
        "invalid": with_bad_rows(roster_rows(1510), "en")[1],
    }
    assert len(await registry.payloads("volunteer_registered")) == 1505


async def test_an_xlsx_roster_imports_and_exports_with_masked_ids(registry: Registry) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    rows = roster_rows(30)
    upload = {"file": ("名册.xlsx", as_xlsx(rows), "application/octet-stream")}
    report = await registry.client.post(
        f"/communities/{community}/roster", files=upload, headers=admin
    )
    assert report.json()["imported"] == 30

    exported = await registry.client.get(f"/communities/{community}/roster.xlsx", headers=admin)
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    values = [
        [str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert len(values) == 31
    text = "\n".join(",".join(row) for row in values)
    for row in rows:
        assert row[3] not in text
    assert national_id(0)[:3] + "*" * 11 + national_id(0)[-4:] in text

    as_text = await registry.client.get(f"/communities/{community}/roster.csv", headers=admin)
    lines = as_text.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 31
    assert all(row[3] not in as_text.text for row in rows)


async def test_a_file_that_is_not_a_roster_is_refused_with_what_to_fix(registry: Registry) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    url = f"/communities/{community}/roster"
    wrong_kind = await registry.client.post(
        url, files={"file": ("a.pdf", b"%PDF", "application/pdf")}, headers=admin
    )
    assert wrong_kind.status_code == 422
    assert wrong_kind.json() == {"code": "roster_file_type", "detail": "请上传 .csv 或 .xlsx 文件"}
    no_columns = await registry.client.post(
        url,
        files={"file": ("a.csv", "姓名,电话\n张三,13800000000\n".encode(), "text/csv")},
        headers=admin,
    )
    assert no_columns.status_code == 422
    assert no_columns.json()["code"] == "roster_missing_columns"
    assert "national_id (身份证号)" in no_columns.json()["detail"]
    broken_xlsx = await registry.client.post(
        url, files={"file": ("a.xlsx", b"not a zip", "application/octet-stream")}, headers=admin
    )
    assert broken_xlsx.status_code == 422
    assert broken_xlsx.json()["code"] == "roster_xlsx_unreadable"
    assert await registry.payloads("volunteer_registered") == []
