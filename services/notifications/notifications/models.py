"""Tables of the notifications service (its communities projection lives in shared.projections)."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

service_registry = registry()


class NotificationsModel(SQLModel, registry=service_registry):
    """Base of the notifications service's own tables."""
