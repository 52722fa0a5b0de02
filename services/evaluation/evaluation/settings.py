"""Settings of the evaluation service, read from the environment."""

from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The evaluation service's settings; every field can be set by an environment variable."""

    service_name: str = "evaluation"
    port: int = 8003

    close_months_interval_seconds: float = 600.0
    # Party members are reminded of their four ones still open this many days before
    # the month ends (the last N days, from local midnight; 31 is the whole month); 0
    # turns the reminder off.
    four_ones_reminder_days: int = Field(default=5, ge=0, le=31)
    four_ones_reminder_interval_seconds: float = 600.0
    certificate_issuer: str = "示范区志愿服务指导中心"
    public_base_url: str = "http://127.0.0.1:8003"
