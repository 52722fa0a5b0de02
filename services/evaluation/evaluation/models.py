"""Tables of the evaluation service (its communities projection lives in shared.projections)."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

service_registry = registry()


class EvaluationModel(SQLModel, registry=service_registry):
    """Base of the evaluation service's own tables."""
