"""The notifications service: its one wiring point."""

from pathlib import Path

from fastapi import FastAPI

from notifications.api import inbox
from notifications.handlers import handlers
from notifications.settings import Settings
from shared.app import create_service_app
from shared.projections.communities import communities_router
from shared.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="notifications",
    title="Linli notifications",
    description="Inbox, announcements, e-mail and SMS, reminders, and webhooks for integrations.",
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the notifications app; uvicorn calls this as a factory."""
    return create_service_app(
        DEFINITION, settings or Settings(), [communities_router(), inbox.router]
    )
