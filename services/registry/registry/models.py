"""Tables of the registry service and their input and output models."""

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

service_registry = registry()


class RegistryModel(SQLModel, registry=service_registry):
    """Base of the registry's tables."""


class CommunityBase(SQLModel):
    """Fields a district admin gives when setting up a community."""

    name: str = Field(min_length=1, max_length=100, description="e.g. 兴华社区")
    street_name: str | None = Field(
        default=None, max_length=100, description="the street (街道) it belongs to"
    )


class CommunityCreate(CommunityBase):
    """Input of `POST /communities`."""


class CommunityPublic(CommunityBase):
    """A community as the API shows it."""

    id: str
    created_at: datetime


class Community(CommunityBase, RegistryModel, table=True):
    """A community (社区): the unit that owns volunteers, teams and activities."""

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
