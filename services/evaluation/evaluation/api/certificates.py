"""Routes for certificates of service and their public verification."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from sqlmodel import col, select

from evaluation import certificates, messages
from evaluation.models import Certificate, CertificateSeal, KnownVolunteer
from evaluation.names import SubjectKeysDep, names_of
from shared.access import visible
from shared.auth import CurrentPrincipal, Principal, Role
from shared.deps import SessionDep
from shared.errors import NotFound
from shared.messages import VOLUNTEER_NOT_FOUND, Message
from shared.types import Day, Input

router = APIRouter(tags=["certificates"])
ADMINS = (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN)


class CertificateRequest(Input):
    """Input of `POST /volunteers/{id}/certificates`."""

    date_from: Day
    date_to: Day


class Verification(BaseModel):
    """What verifying shows: exactly what the certificate shows, or only that it is not valid."""

    valid: bool
    number: str
    name: str | None = None
    volunteer_number: str | None = None
    hours: float | None = None
    date_from: date | None = None
    date_to: date | None = None
    service_content: str | None = None
    issuer: str | None = None
    issued_on: date | None = None
    id_type: str | None = None
    national_id_masked: str | None = Field(default=None, description="only masked, as printed")
    hours_by_area: dict[str, float] | None = None
    person_in_charge: str | None = None
    handler: str | None = None
    contact_phone: str | None = None


def _usable(
    principal: Principal, volunteer: KnownVolunteer | None, not_found: Message
) -> KnownVolunteer:
    """`volunteer`, for themself and the admins of their community; 404 to anyone else,
    who is not told that the volunteer (or their certificate) exists."""
    found = visible(principal, volunteer, not_found)
    if principal.role not in ADMINS and found.account_id != principal.subject:
        raise NotFound(not_found)
    return found


@router.post(
    "/volunteers/{volunteer_id}/certificates",
    response_model=Certificate,
    status_code=status.HTTP_201_CREATED,
)
async def request_certificate(
    volunteer_id: str,
    body: CertificateRequest,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
    keys: SubjectKeysDep,
) -> Certificate:
    """Issue a certificate of confirmed hours in a date range: the volunteer themself or an admin."""
    volunteer = _usable(
        principal, await session.get(KnownVolunteer, volunteer_id), VOLUNTEER_NOT_FOUND
    )
    settings = request.app.state.settings
    name = (await names_of(keys, [volunteer])).get(volunteer.id)
    return await certificates.issue(
        session,
        volunteer,
        name,
        body.date_from,
        body.date_to,
        settings.certificate_issuer,
        settings.zone,
    )


@router.get(
    "/certificates/{number}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def certificate_pdf(
    number: str, principal: CurrentPrincipal, session: SessionDep, request: Request
) -> Response:
    """The certificate as a PDF: its volunteer or an admin of their community."""
    certificate = await session.get(Certificate, number)
    if certificate is None:
        raise NotFound(messages.CERTIFICATE_NOT_FOUND)
    volunteer = await session.get(KnownVolunteer, certificate.volunteer_id)
    _usable(principal, volunteer, messages.CERTIFICATE_NOT_FOUND)
    url = certificates.verification_url(request.app.state.settings.public_base_url, certificate)
    seal = await session.get(CertificateSeal, certificate.seal_id) if certificate.seal_id else None
    return Response(
        certificates.render(certificate, url, seal.image if seal else None),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="certificate-{number}.pdf"'},
    )


@router.get("/verify/certificates/{number}", response_model=Verification, tags=["public"])
async def verify(number: str, code: str, session: SessionDep) -> Verification:
    """Public: a certificate with its number and verification code, or `valid: false`."""
    certificate = (
        await session.exec(select(Certificate).where(col(Certificate.number) == number))
    ).first()
    if certificate is None or certificate.verification_code != code.strip().upper():
        return Verification(valid=False, number=number)
    return Verification(
        valid=True,
        **certificate.model_dump(
            exclude={"verification_code", "volunteer_id", "community_id", "seal_id", "time_zone"}
        ),
    )
