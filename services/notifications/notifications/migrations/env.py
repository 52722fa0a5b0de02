"""Alembic environment of the notifications service: the event kit's tables and the service's own."""

from alembic import context

from notifications.models import service_registry
from notifications.settings import Settings
from shared.events.tables import kit_metadata
from shared.migrations import run_env
from shared.projections.communities import projection_registry

if not context.config.get_main_option("sqlalchemy.url"):
    context.config.set_main_option("sqlalchemy.url", Settings().resolved_database_url())

run_env([kit_metadata, projection_registry.metadata, service_registry.metadata])
