"""Settings of the activities service, read from the environment."""

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The activities service's settings; every field can be set by an environment variable."""

    service_name: str = "activities"
    port: int = 8002
