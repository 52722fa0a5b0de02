"""Settings of the registry service, read from the environment."""

from pathlib import Path

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The registry service's settings; every field can be set by an environment variable."""

    service_name: str = "registry"
    port: int = 8001

    jwt_private_key_file: Path | None = None
