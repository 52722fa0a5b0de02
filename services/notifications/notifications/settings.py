"""Settings of the notifications service, read from the environment."""

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The notifications service's settings; every field can be set by an environment variable."""

    service_name: str = "notifications"
    port: int = 8004

    announcement_interval_seconds: float = 5.0
    webhook_interval_seconds: float = 1.0
    webhook_timeout_seconds: float = 5.0
    webhook_max_attempts: int = 12
    webhook_failures_to_disable: int = 20
    webhook_backoff_base_seconds: float = 1.0
