"""Alembic environment of the registry service: the event kit's tables and the service's own."""

from alembic import context

from registry.models import service_registry
from registry.settings import Settings
from shared.events.tables import kit_metadata
from shared.migrations import run_env

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option("sqlalchemy.url", Settings().resolved_database_url())

run_env([kit_metadata, service_registry.metadata])
