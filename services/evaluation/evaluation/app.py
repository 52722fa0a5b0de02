"""The evaluation service: its one wiring point."""

from pathlib import Path

from fastapi import FastAPI

from evaluation.api import hours, periods
from evaluation.handlers import handlers
from evaluation.settings import Settings
from shared.app import create_service_app
from shared.projections.communities import communities_router
from shared.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="evaluation",
    title="Linli evaluation",
    description="Hour ledgers, star levels, the four ones, peer review, commendation and certificates.",
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the evaluation app; uvicorn calls this as a factory."""
    return create_service_app(
        DEFINITION, settings or Settings(), [communities_router(), hours.router, periods.router]
    )
