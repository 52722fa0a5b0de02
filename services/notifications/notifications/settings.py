"""Settings of the notifications service, read from the environment."""

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from notifications.domain.webhook_targets import AllowedHosts
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
    webhook_interval_seconds: float = 1.0
    webhook_timeout_seconds: float = 5.0
    webhook_max_attempts: int = 12
    webhook_failures_to_disable: int = 20
    webhook_backoff_base_seconds: float = 1.0
    # The district's own receivers, which webhooks may reach although they are internal:
    # host names, addresses or networks, comma-separated in the environment
    # (WEBHOOK_ALLOWED_HOSTS=crm.district.internal,10.20.0.0/16). Empty by default: every
    # other webhook must resolve to public addresses only.
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [entry.strip() for entry in value.split(",") if entry.strip()]
        AllowedHosts.parse(value)  # a mistyped entry stops the service at start
        return value
