"""The authorisation matrix: its table, its columns, and how one cell is run.

The table (`authorisation_matrix.md`, beside this file) has a row per documented
operation of each service and a column per kind of caller:

- `DA`: the district admin (district-wide);
- `CA`, `TL`, `VO`, `RE`: a community admin, team leader, volunteer and resident of the
  community whose records the path names;
- `CA✗` ... `RE✗`: the same roles of another community, naming the first one's records;
- `anon`: no token;
- `ids✗`: the first community role allowed in its own community, naming its own records
  in the path but another community's in the body, the query or a nested path's inner id
  (the operation's `foreign` placeholders in `operations.py`).

A cell says what the caller gets: `ok` (the request reaches the rules: any 2xx, or a
409/422 when a lifecycle step or a rule refuses it), or exactly `401`, `403` or `404`;
`-` where the column does not apply. Wherever a cell says 404 for another community's
record, the whole answer must equal that for an id that names nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).with_name("authorisation_matrix.md")
SERVICES = ("registry", "activities", "evaluation", "notifications")
OWN = ("DA", "CA", "TL", "VO", "RE")
OTHER = ("CA✗", "TL✗", "VO✗", "RE✗")
COLUMNS = (*OWN, *OTHER, "anon", "ids✗")
OUTCOMES = {"ok", "401", "403", "404", "-"}
HEADER = """# The authorisation matrix

Written by `MATRIX_WRITE=1 pytest tests/security/test_authorisation_matrix.py` from the services, then
read and corrected by hand: this file is what the services must do, and
`tests/security/test_authorisation_matrix.py` runs every cell against them. An
operation missing here (or a row naming one that is gone) fails that test.

Columns: `DA` district admin; `CA` community admin, `TL` team leader, `VO` volunteer,
`RE` resident, in the community the request names; `CA✗` ... `RE✗` the same roles of
another community; `anon` no token; `ids✗` a community role naming its own records in
the path and another community's in the body, query or inner path id. Cells: `ok`
reaches the rules (2xx, or 409/422 from a rule), `401` / `403` / `404` exactly, `-`
does not apply. A 404 for another community's record is the same answer, body and
all, as for an id that names nothing.
"""


@dataclass(frozen=True)
class Row:
    """One operation's expected outcome per column."""

    service: str
    operation: str  # "METHOD /path" as in the OpenAPI document
    cells: dict[str, str]


def outcome(status: int) -> str:
    """The cell a status code fills."""
    if 200 <= status < 300 or status in (409, 422):
        return "ok"
    return str(status)


def read_table(text: str) -> list[Row]:
    """The rows of the table's Markdown text."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("| ") or line.startswith("| service") or set(line) <= set("|- "):
            continue
        fields = [field.strip().strip("`") for field in line.strip().strip("|").split("|")]
        service, operation, *cells = fields
        if len(cells) != len(COLUMNS):
            raise ValueError(f"{operation}: {len(cells)} cells, expected {len(COLUMNS)}")
        if unknown := set(cells) - OUTCOMES:
            raise ValueError(f"{operation}: unknown outcomes {sorted(unknown)}")
        rows.append(Row(service, operation, dict(zip(COLUMNS, cells, strict=True))))
    return rows


def write_table(rows: list[Row]) -> str:
    """The table as Markdown, one section per service."""
    lines = [HEADER]
    for service in SERVICES:
        lines += [
            f"\n## {service}\n",
            "| service | operation | " + " | ".join(COLUMNS) + " |",
            "|---|---|" + "---|" * len(COLUMNS),
        ]
        lines += [
            f"| {row.service} | `{row.operation}` | "
            + " | ".join(row.cells[column] for column in COLUMNS)
            + " |"
            for row in rows
            if row.service == service
        ]
    return "\n".join(lines) + "\n"


def placeholders(path: str) -> list[str]:
    """The world's ids a path template names, in order."""
    return re.findall(r"{(\w+)}", path)
