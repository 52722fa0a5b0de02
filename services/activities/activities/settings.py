"""Settings of the activities service, read from the environment."""

from zoneinfo import ZoneInfo

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The activities service's settings; every field can be set by an environment variable."""

    service_name: str = "activities"
    port: int = 8002

    # Days, the daily cap and check-in windows follow the district's clock.
    time_zone: str = "Asia/Shanghai"
    daily_cap_hours: float = 8.0
    # How long a waitlisted volunteer has to confirm an offered place.
    offer_window_minutes: int = 120
    check_in_opens_minutes_before: int = 60
    sweep_interval_seconds: float = 30.0

    @property
    def zone(self) -> ZoneInfo:
        """The district's time zone."""
        return ZoneInfo(self.time_zone)
