"""Routes for roster import and export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, Response, UploadFile, status
from pydantic import BaseModel, Field
from sqlmodel import col

from registry import messages, organisation, roster, volunteers
from registry.api.deps import RegistrarDep
from registry.models import Volunteer
from shared.access import authorize
from shared.auth import CurrentPrincipal, Role
from shared.deps import SessionDep
from shared.errors import DomainError, NotFound, language_of

router = APIRouter(tags=["roster"])
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The whole multipart body: the file and its part headers. Every other endpoint keeps
# the service's limit (MAX_REQUEST_BODY_BYTES, 1 MiB by default).
MAX_ROSTER_BODY_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
BODY_LIMITS = {r"/communities/[^/]+/roster": MAX_ROSTER_BODY_BYTES}


class FileTooLarge(DomainError):
    """The uploaded roster is over MAX_UPLOAD_BYTES."""

    status_code = status.HTTP_413_CONTENT_TOO_LARGE


class InvalidRowPublic(BaseModel):
    """A row that was not imported."""

    row: int = Field(description="its number in the spreadsheet (the header is row 1)")
    code: str = Field(description="stable machine code of why")
    reason: str = Field(description="why, in the caller's language")


class ImportReportPublic(BaseModel):
    """What an import did: counts, and each invalid row with its number and reason."""

    rows: int
    imported: int
    unchanged: int
    invalid: list[InvalidRowPublic]


@router.post("/communities/{community_id}/roster", response_model=ImportReportPublic)
async def import_roster(
    community_id: str,
    file: Annotated[UploadFile, File(description="a .csv or .xlsx roster with a header row")],
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    registrar: RegistrarDep,
) -> ImportReportPublic:
    """Import a roster: valid new rows are registered, invalid rows reported, known people
    left unchanged, so importing the same file twice changes nothing.

    422 beyond the schema: a file that is not a .csv or .xlsx table with the header row.
    """
    authorize(principal, community_id, Role.COMMUNITY_ADMIN)
    community = await organisation.get_community(session, principal, community_id)
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise FileTooLarge(messages.ROSTER_TOO_LARGE)
    report = await roster.import_roster(session, registrar, community, file.filename or "", content)
    language = language_of(request)
    return ImportReportPublic(
        rows=report.rows,
        imported=report.imported,
        unchanged=report.unchanged,
        invalid=[
            InvalidRowPublic(row=row.row, code=row.code, reason=row.reasons[language])
            for row in report.invalid
        ],
    )


@router.get(
    "/communities/{community_id}/roster.{file_format}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/vnd.ms-excel": {}}}},
)
async def export_roster(
    community_id: str, file_format: str, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """The community's roster as CSV or XLSX, national IDs masked."""
    authorize(principal, community_id, Role.COMMUNITY_ADMIN)
    community = await organisation.get_community(session, principal, community_id)
    if file_format not in ("csv", "xlsx"):
        raise NotFound(messages.ROSTER_EXPORT_FORMAT)
    everyone = volunteers.volunteer_query(volunteers.VolunteerFilter(community_id=community_id))
    rows = (await session.exec(everyone.order_by(col(Volunteer.name), col(Volunteer.id)))).all()
    public = await volunteers.to_public(session, rows)
    filename = f"roster-{community_id}.{file_format}"
    if file_format == "csv":
        body, media_type = roster.export_csv(public), "text/csv; charset=utf-8"
    else:
        body = roster.export_xlsx(public, community.name)
        media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
