"""A table of figures as JSON, CSV or XLSX, chosen by `format` or the `Accept` header.

CSV is UTF-8 with a byte-order mark: without it Excel reads the file in the system's
code page and shows street and community names as mojibake.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Header, Query
from fastapi.responses import Response
from openpyxl import Workbook
from pydantic import BaseModel

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Row = TypeVar("Row", bound=BaseModel)


class Format(StrEnum):
    """How a table answers."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


FormatQuery = Annotated[
    Format | None,
    Query(
        alias="format",
        description="json, csv or xlsx; without it the Accept header chooses (JSON by default)",
    ),
]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]

# What the OpenAPI document says a table route answers besides its JSON model.
TABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            CSV: {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


def chosen(format_: Format | None, accept: str | None) -> Format:
    """The format asked for: the parameter first, then the first of ours in Accept."""
    if format_ is not None:
        return format_
    for part in (accept or "").split(","):
        media = part.split(";")[0].strip().lower()
        if media == CSV:
            return Format.CSV
        if media == XLSX:
            return Format.XLSX
        if media in ("application/json", "*/*", "application/*"):
            return Format.JSON
    return Format.JSON


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "value"):
        return value.value
    return value


def _rows(model: type[BaseModel], rows: Sequence[BaseModel]) -> tuple[list[str], list[list[Any]]]:
    columns = list(model.model_fields)
    return columns, [[_cell(getattr(row, name)) for name in columns] for row in rows]


def render_csv(model: type[BaseModel], rows: Sequence[BaseModel]) -> bytes:
    """The rows as CSV with a header row, UTF-8 with BOM."""
    columns, values = _rows(model, rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(values)
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(model: type[BaseModel], rows: Sequence[BaseModel], title: str) -> bytes:
    """The rows as a one-sheet workbook with a header row."""
    columns, values = _rows(model, rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])  # Excel's limit on a sheet's name
    sheet.append(columns)
    for row in values:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def answer(
    model: type[Row],
    rows: Sequence[Row],
    format_: Format | None,
    accept: str | None,
    name: str,
) -> Sequence[Row] | Response:
    """The rows in the format asked for; `name` names the file and the sheet."""
    match chosen(format_, accept):
        case Format.CSV:
            return Response(
                render_csv(model, rows),
                media_type=f"{CSV}; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        case Format.XLSX:
            return Response(
                render_xlsx(model, rows, name),
                media_type=XLSX,
                headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
            )
        case _:
            return rows
