"""Volunteer numbers: unique district-wide, never reused.

Format `<district code><yy><sequence>`: the district's six-digit administrative code
(e.g. 110105), the two-digit year of registration, and a seven-digit sequence drawn
from a district-wide counter that only grows. Example: `110105260001234`. Numbers are
never reused: the counter never goes back, and an erased volunteer keeps theirs.
"""

from __future__ import annotations

import re

PATTERN = re.compile(r"^\d{6}\d{2}\d{7}$")


def format_number(district_code: str, year: int, sequence: int) -> str:
    """The volunteer number for a sequence value drawn in `year`."""
    if not re.fullmatch(r"\d{6}", district_code):
        raise ValueError("the district code has six digits")
    if not 0 < sequence < 10_000_000:
        raise ValueError("the volunteer number sequence is exhausted for this format")
    return f"{district_code}{year % 100:02d}{sequence:07d}"


def looks_like_number(text: str) -> bool:
    """Whether `text` has the shape of a volunteer number."""
    return bool(PATTERN.match(text))
