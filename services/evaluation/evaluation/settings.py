"""Settings of the evaluation service, read from the environment."""

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """The evaluation service's settings; every field can be set by an environment variable."""

    service_name: str = "evaluation"
    port: int = 8003
