"""`GET /audit`: this service's part of the audit trail, for the district and communities.

Each service serves the entries of its own database; the console asks all four with the
same filters and merges the pages by `at` and `id` (the order each part is sorted by).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from shared.access import list_scope, require_role
from shared.audit.tables import AuditEntry
from shared.auth import CurrentPrincipal, Role
from shared.deps import SessionDep
from shared.paging import Page, PageParams, paginate
from shared.types import Id, Timestamp

router = APIRouter(tags=["audit"])


class AuditEntryPublic(BaseModel):
    """One committed change: who did what to which object, when and from where."""

    id: str
    at: datetime
    actor_id: str | None = Field(description="the account that acted; null when anonymous")
    actor_role: Role | None
    community_id: str | None = Field(
        description="the community the change happened in; null when district-wide"
    )
    action: str = Field(description='method and route, e.g. "POST /teams/{team_id}/members"')
    object_type: str | None = Field(description='what was acted on, e.g. "team"')
    object_id: str | None
    details: dict[str, Any] = Field(
        description="`path`: the route's path parameters; `events`: the type and subject "
        "of each event the change published"
    )
    status_code: int = Field(description="the status the operation answers when it succeeds")
    address: str | None = Field(description="the client's address, as the server saw it")
    correlation_id: str | None = Field(description="the request's X-Correlation-ID")


def _public(entry: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        id=entry.id,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_role=Role(entry.actor_role) if entry.actor_role in set(Role) else None,
        community_id=entry.community_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        details=orjson.loads(entry.details),
        status_code=entry.status_code,
        address=entry.address,
        correlation_id=entry.correlation_id,
    )


@router.get(
    "/audit",
    response_model=Page[AuditEntryPublic],
    summary="The audit trail of this service, newest first",
)
async def list_audit_entries(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    community_id: Annotated[
        Id | None, Query(description="one community's entries (a community admin: their own)")
    ] = None,
    actor_id: Annotated[Id | None, Query(description="the entries of one account")] = None,
    object_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="the entries of one object")
    ] = None,
    action: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description='one operation, e.g. "POST /teams"'),
    ] = None,
    since: Annotated[Timestamp | None, Query(description="entries at or after this")] = None,
    until: Annotated[Timestamp | None, Query(description="entries before this")] = None,
) -> Page[AuditEntryPublic]:
    """The changes committed through this service's API: the district admin's of the
    whole district (or of one community), a community admin's of their own community.
    Other roles may not read the trail."""
    scope = list_scope(principal, community_id)
    require_role(principal, Role.COMMUNITY_ADMIN)
    query = select(AuditEntry)
    if scope is not None:
        query = query.where(col(AuditEntry.community_id) == scope)
    if actor_id is not None:
        query = query.where(col(AuditEntry.actor_id) == actor_id)
    if object_id is not None:
        query = query.where(col(AuditEntry.object_id) == object_id)
    if action is not None:
        query = query.where(col(AuditEntry.action) == action)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    return await paginate(
        session,
        query,
        order=[col(AuditEntry.at), col(AuditEntry.id)],
        paging=paging,
        descending=True,
        convert=_public,
    )
