"""A period's dates: it ends after it starts (a plain rule, no database)."""

from __future__ import annotations

from datetime import date

from evaluation import messages
from evaluation.domain.periods import Refusal, dates_refusal


def test_a_period_that_ends_after_it_starts_is_allowed() -> None:
    assert dates_refusal(date(2026, 1, 1), date(2026, 6, 30)) is None
    assert dates_refusal(date(2026, 1, 1), date(2026, 1, 2)) is None


def test_a_period_ending_on_or_before_its_start_is_refused() -> None:
    refusal = Refusal("unprocessable", messages.PERIOD_ENDS_BEFORE_START)
    assert dates_refusal(date(2026, 1, 1), date(2026, 1, 1)) == refusal
    assert dates_refusal(date(2026, 6, 30), date(2026, 1, 1)) == refusal
