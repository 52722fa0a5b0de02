"""Star levels (星级志愿者) by cumulative confirmed hours.

The level follows the hours both ways: a void or correction that takes a volunteer
back below a threshold lowers their current level. The "star reached" event is raised
only the first time a level is reached; reaching it again after a loss raises nothing,
so nobody is congratulated twice for the same star.

The thresholds are the national ones unless the district sets its own (regions
differ); every rule takes them as an argument, so one set decides a whole answer.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from evaluation import messages
from shared.messages import Message

THRESHOLDS: tuple[int, ...] = (100, 300, 600, 1000, 1500)
LEVELS = len(THRESHOLDS)


def level_for(hours: float, thresholds: Sequence[float] = THRESHOLDS) -> int:
    """The star level (0 to 5) of a cumulative confirmed-hours total."""
    return sum(1 for threshold in thresholds if hours + 1e-9 >= threshold)


def newly_reached(
    previous_highest: int, hours: float, thresholds: Sequence[float] = THRESHOLDS
) -> list[int]:
    """Levels reached now that were never reached before, lowest first."""
    return list(range(previous_highest + 1, level_for(hours, thresholds) + 1))


def next_threshold(hours: float, thresholds: Sequence[float] = THRESHOLDS) -> float | None:
    """The hours of the next star level above `hours`; None at the top level."""
    level = level_for(hours, thresholds)
    return thresholds[level] if level < len(thresholds) else None


def hours_to_next(hours: float, thresholds: Sequence[float] = THRESHOLDS) -> float | None:
    """How many more confirmed hours reach the next star; None at the top level."""
    target = next_threshold(hours, thresholds)
    return None if target is None else round(max(target - hours, 0.0), 2)


def threshold_problem(thresholds: Sequence[float]) -> Message | None:
    """Why a district's thresholds cannot be used (its `levels` is LEVELS), or None when
    they can."""
    if len(thresholds) != LEVELS:
        return messages.STAR_THRESHOLDS_COUNT
    if any(t <= 0 for t in thresholds):
        return messages.STAR_THRESHOLDS_NOT_POSITIVE
    if any(b <= a for a, b in itertools.pairwise(thresholds)):
        return messages.STAR_THRESHOLDS_NOT_RISING
    return None
