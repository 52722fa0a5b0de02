"""The one clock every service reads: what time it is, always timezone-aware, in UTC.

Rules take the moment as a parameter (`domain/` functions never read a clock); the
layers around them read it here, so there is one place that says what "now" is.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """This moment, in UTC."""
    return datetime.now(UTC)
