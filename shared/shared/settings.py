"""The settings every service shares, read from the environment (pydantic-settings)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_consumer_name() -> str:
    # Unique per process: a restarted replica is a new consumer, and what the old one
    # left pending is reclaimed after the idle timeout.
    return f"{socket.gethostname()}-{os.getpid()}"


class ServiceSettings(BaseSettings):
    """Settings common to the four services; each service subclasses it to set defaults."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    data_dir: Path = Path("data")
    migrate_on_start: bool = True
    # The district's clock: days, months, check-in windows and the times people read.
    time_zone: str = "Asia/Shanghai"

    # Prefix for every Redis key the kit touches, so several deployments (or test runs)
    # can share one Redis server without seeing each other's streams.
    stream_namespace: str = ""
    consumer_name: str = Field(default_factory=_default_consumer_name)
    consume_batch_size: int = 100
    consume_block_ms: int = 1000
    # A stream's consumer that has not read for this long is reported not ready and
    # restarted; 0 derives it from consume_block_ms (shared.events.watchdog).
    consumer_stall_ms: int = 0
    max_deliveries: int = 5
    reclaim_idle_ms: int = 30_000
    reclaim_interval_ms: int = 5_000
    relay_batch_size: int = 500
    relay_poll_ms: int = 200
    relay_lease_ms: int = 10_000
    # 0 keeps every entry (projections are rebuilt by replaying streams from the start);
    # otherwise entries older than this are trimmed once every group has read them.
    stream_retention_hours: int = 0
    outbox_keep_sent_hours: int = 168

    jwt_public_key: str = ""
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "linli-registry"
    jwt_audience: str = "linli"

    # Largest request body accepted (413 beyond); an endpoint may allow more (uploads).
    max_request_body_bytes: int = 1024 * 1024

    log_level: str = "INFO"
    log_json: bool = True

    @property
    def zone(self) -> ZoneInfo:
        """The district's time zone."""
        return ZoneInfo(self.time_zone)

    def resolved_database_url(self) -> str:
        """The configured database URL, or a SQLite file under `data_dir` by default."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / self.service_name}.db"

    def stream_key(self, name: str) -> str:
        """The Redis key of a logical stream name such as `registry.events`."""
        return f"{self.stream_namespace}{name}"

    def public_key_pem(self) -> str:
        """The PEM of the token-signing public key, from the value or the file."""
        if self.jwt_public_key:
            return self.jwt_public_key
        if self.jwt_public_key_file is not None and self.jwt_public_key_file.exists():
            return self.jwt_public_key_file.read_text()
        return ""
