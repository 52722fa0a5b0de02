"""How long the kit's background loops (the outbox relay, the reclaimer) wait after a
failed round before the next."""

from __future__ import annotations

_FIRST_SECONDS = 0.4
_CAP_SECONDS = 5.0


def backoff_seconds(failures: int) -> float:
    """The wait after the `failures`-th failed round in a row: 0.4 s, doubling, at most
    5 s. An outage is retried often enough that the loop goes on within seconds of Redis
    or the database coming back, and rarely enough not to flood the log."""
    return min(_FIRST_SECONDS * 2.0 ** (failures - 1), _CAP_SECONDS)
