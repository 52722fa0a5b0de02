"""The district's months as moments: where a record's month begins in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from evaluation.figures import month_starts

BEIJING = ZoneInfo("Asia/Shanghai")


def test_a_month_of_the_district_starts_at_its_local_midnight() -> None:
    first = datetime(2026, 3, 31, 20, tzinfo=UTC)  # already 1 April in Beijing
    last = datetime(2026, 5, 31, 16, tzinfo=UTC)  # 1 June 00:00 in Beijing
    assert month_starts(first, last, BEIJING) == [
        ("2026-04", datetime(2026, 3, 31, 16, tzinfo=UTC)),
        ("2026-05", datetime(2026, 4, 30, 16, tzinfo=UTC)),
        ("2026-06", datetime(2026, 5, 31, 16, tzinfo=UTC)),
    ]


def test_months_run_across_a_new_year() -> None:
    starts = month_starts(
        datetime(2025, 12, 10, tzinfo=UTC), datetime(2026, 1, 10, tzinfo=UTC), BEIJING
    )
    assert [label for label, _ in starts] == ["2025-12", "2026-01"]


def test_one_moment_is_one_month() -> None:
    moment = datetime(2026, 3, 10, 9, tzinfo=UTC)
    assert [label for label, _ in month_starts(moment, moment, BEIJING)] == ["2026-03"]
