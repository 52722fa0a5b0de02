"""The activities service: its one wiring point."""

from pathlib import Path

from fastapi import FastAPI

from activities.handlers import handlers
from activities.settings import Settings
from shared.app import create_service_app
from shared.projections.communities import communities_router
from shared.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="activities",
    title="Linli activities",
    description="Activities, sign-ups, attendance, the service-record ledger, pairings and resident requests.",
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the activities app; uvicorn calls this as a factory."""
    return create_service_app(DEFINITION, settings or Settings(), [communities_router()])
