"""Settings of the notifications service, read from the environment."""

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The notifications service's settings; every field can be set by an environment variable."""

    service_name: str = "notifications"
    port: int = 8004
