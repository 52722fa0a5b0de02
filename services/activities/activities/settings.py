"""Settings of the activities service, read from the environment."""

from datetime import timedelta

from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The activities service's settings; every field can be set by an environment variable."""

    service_name: str = "activities"
    port: int = 8002

    daily_cap_hours: float = 8.0
    # How far back a record may start when it is entered (a backfill, a visit written up
    # later, a correction): what is older nobody can check any more.
    backfill_days: int = Field(default=90, ge=1, le=3660)
    # How far a caller's clock may run ahead of ours before a record is in the future.
    clock_skew_seconds: int = Field(default=300, ge=0, le=3600)
    # How long a waitlisted volunteer has to confirm an offered place.
    offer_window_minutes: int = 120
    check_in_opens_minutes_before: int = 60
    sweep_interval_seconds: float = 30.0
    # An activity nobody completed completes by itself this long after its end (no-shows
    # marked, forgotten check-outs closed and flagged), as `/complete` would.
    auto_complete_grace_minutes: int = Field(default=120, ge=0, le=10_080)
    # How many ended activities one round completes (the next round takes the rest).
    auto_complete_batch: int = Field(default=50, ge=1, le=1000)

    @property
    def clock_skew(self) -> timedelta:
        """The leeway for clocks running ahead, as a duration."""
        return timedelta(seconds=self.clock_skew_seconds)
