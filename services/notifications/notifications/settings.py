"""Settings of the notifications service, read from the environment."""

from pathlib import Path

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The notifications service's settings; every field can be set by an environment variable."""

    service_name: str = "notifications"
    port: int = 8004

    announcement_interval_seconds: float = 5.0
    channel_interval_seconds: float = 2.0
    reminder_hours_ahead: float = 24.0
    reminder_interval_seconds: float = 60.0
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "linli@localhost"
    sms_outbox_file: Path = Path("data/sms-outbox.jsonl")
    time_zone: str = "Asia/Shanghai"
    webhook_interval_seconds: float = 1.0
    webhook_timeout_seconds: float = 5.0
    webhook_max_attempts: int = 12
    webhook_failures_to_disable: int = 20
    webhook_backoff_base_seconds: float = 1.0
