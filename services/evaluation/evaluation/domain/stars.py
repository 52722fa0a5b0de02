"""National star levels (星级志愿者) by cumulative confirmed hours.

The level follows the hours both ways: a void or correction that takes a volunteer
back below a threshold lowers their current level. The "star reached" event is raised
only the first time a level is reached; reaching it again after a loss raises nothing,
so nobody is congratulated twice for the same star.
"""

from __future__ import annotations

THRESHOLDS: tuple[int, ...] = (100, 300, 600, 1000, 1500)


def level_for(hours: float) -> int:
    """The star level (0 to 5) of a cumulative confirmed-hours total."""
    return sum(1 for threshold in THRESHOLDS if hours + 1e-9 >= threshold)


def newly_reached(previous_highest: int, hours: float) -> list[int]:
    """Levels reached now that were never reached before, lowest first."""
    return list(range(previous_highest + 1, level_for(hours) + 1))
