"""Tables of the activities service (its communities projection lives in shared.projections)."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

service_registry = registry()


class ActivitiesModel(SQLModel, registry=service_registry):
    """Base of the activities service's own tables."""
