"""The registry service: its one wiring point."""

from pathlib import Path

from fastapi import FastAPI

from registry.api import communities
from registry.handlers import handlers
from registry.settings import Settings
from shared.app import create_service_app
from shared.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="registry",
    title="Linli registry",
    description="Who is who: the district's streets and communities, volunteers, teams and accounts.",
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the registry app; uvicorn calls this as a factory."""
    return create_service_app(DEFINITION, settings or Settings(), [communities.router])
