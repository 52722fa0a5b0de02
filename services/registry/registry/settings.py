"""Settings of the registry service, read from the environment."""

from datetime import timedelta
from pathlib import Path

from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The registry service's settings; every field can be set by an environment variable."""

    service_name: str = "registry"
    port: int = 8001

    district_name: str = "示范区"
    # The district's administrative division code, the first part of volunteer numbers.
    district_code: str = Field(default="110105", pattern=r"^\d{6}$")
    public_base_url: str = "http://127.0.0.1:8001"

    jwt_private_key_file: Path | None = None
    access_token_minutes: int = 15
    refresh_token_days: int = 14

    # Comma-separated Fernet keys, newest first; or a file with one key per line.
    national_id_keys: str = ""
    national_id_keys_file: Path | None = None
    national_id_hash_key: str = ""
    national_id_hash_key_file: Path | None = None

    login_free_failures: int = 5
    login_max_lock_seconds: int = 900
    # Per client address: more free tries (one office, many people), forgotten after
    # the window without a failure.
    login_address_free_failures: int = 20
    login_address_window_seconds: int = 900

    def encryption_keys(self) -> list[str]:
        """The national ID encryption keys, newest first."""
        if self.national_id_keys:
            return [key.strip() for key in self.national_id_keys.split(",") if key.strip()]
        if self.national_id_keys_file and self.national_id_keys_file.exists():
            lines = self.national_id_keys_file.read_text().splitlines()
            return [line.strip() for line in lines if line.strip()]
        return []

    def hash_key(self) -> str:
        """The key of the national ID lookup hash."""
        if self.national_id_hash_key:
            return self.national_id_hash_key
        if self.national_id_hash_key_file and self.national_id_hash_key_file.exists():
            return self.national_id_hash_key_file.read_text().strip()
        return ""

    def private_key_pem(self) -> str:
        """The token-signing private key."""
        if self.jwt_private_key_file and self.jwt_private_key_file.exists():
            return self.jwt_private_key_file.read_text()
        return ""

    @property
    def access_ttl(self) -> timedelta:
        """How long an access token lives."""
        return timedelta(minutes=self.access_token_minutes)

    @property
    def refresh_ttl(self) -> timedelta:
        """How long a refresh token lives."""
        return timedelta(days=self.refresh_token_days)
