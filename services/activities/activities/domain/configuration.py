"""What a district may configure of the activities rules, and what is in force.

Two settings, each in force from the moment the district admin sets it, and until then
the service's default: how many hours a resident request of each category may wait for
its answer (the response target), and how far back a record may start when it is
entered (the backfill window, decision 0012).
"""

from __future__ import annotations

from collections.abc import Mapping

RESPONSE_TARGETS = "response_targets"
BACKFILL_WINDOW = "backfill_window"

MAX_TARGET_HOURS = 24 * 365
MAX_BACKFILL_DAYS = 3660


def targets_in_force(
    defaults: Mapping[str, int], stored: Mapping[str, int] | None
) -> dict[str, int]:
    """The hours of each category: the district's where it set them, the default otherwise
    (a category added after the district set its targets starts at its default)."""
    return {
        category: int((stored or {}).get(category, hours)) for category, hours in defaults.items()
    }


def backfill_in_force(default: int, stored: int | None) -> int:
    """The days a record may reach back: the district's, or the default."""
    return default if stored is None else stored
