"""The district's certificate issuer (出具单位) and its seal: what certificates print."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field, StringConstraints

from evaluation import certificate_issuer, messages
from evaluation.models import CertificateSeal
from shared.auth import CurrentPrincipal, Principal, Role
from shared.deps import SessionDep
from shared.errors import DomainError, Forbidden, NotFound
from shared.types import Input

router = APIRouter(prefix="/configuration", tags=["configuration"])
ADMINS = (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Seal(BaseModel):
    """The seal certificates print from now on (the image itself is not repeated here)."""

    id: str
    media_type: str
    width: int
    height: int
    uploaded_by: str
    uploaded_at: datetime


class CertificateIssuer(BaseModel):
    """The issuer certificates name, and who last set it."""

    organisation: str = Field(description="出具单位")
    person_in_charge: str | None = Field(description="负责人")
    handler: str | None = Field(description="经办人")
    contact_phone: str | None = Field(description="联系电话")
    seal: Seal | None = Field(description="the seal printed over the issuer, if uploaded")
    changed_by: str | None
    changed_at: datetime | None


class CertificateIssuerChange(Input):
    """Input of `PUT /configuration/certificate-issuer`."""

    organisation: Annotated[Text, StringConstraints(max_length=100)]
    person_in_charge: Annotated[Text, StringConstraints(max_length=50)] | None = None
    handler: Annotated[Text, StringConstraints(max_length=50)] | None = None
    contact_phone: (
        Annotated[str, StringConstraints(pattern=r"^[0-9+\- ()]{5,30}$", max_length=30)] | None
    ) = None


class SealTooLarge(DomainError):
    """A seal upload past the limit, refused before it is read whole (413)."""

    status_code = status.HTTP_413_CONTENT_TOO_LARGE


def _district_admin(principal: Principal) -> None:
    if principal.role is not Role.DISTRICT_ADMIN:
        raise Forbidden(messages.ISSUER_SET_BY_DISTRICT)


async def _answer(session: SessionDep, request: Request) -> CertificateIssuer:
    found = await certificate_issuer.setting(session)
    if found is None:
        return CertificateIssuer(
            organisation=request.app.state.settings.certificate_issuer,
            person_in_charge=None,
            handler=None,
            contact_phone=None,
            seal=None,
            changed_by=None,
            changed_at=None,
        )
    seal = await session.get(CertificateSeal, found.seal_id) if found.seal_id else None
    return CertificateIssuer(
        organisation=found.organisation,
        person_in_charge=found.person_in_charge,
        handler=found.handler,
        contact_phone=found.contact_phone,
        seal=Seal.model_validate(seal, from_attributes=True) if seal else None,
        changed_by=found.changed_by,
        changed_at=found.changed_at,
    )


@router.get("/certificate-issuer", response_model=CertificateIssuer)
async def get_certificate_issuer(
    principal: CurrentPrincipal, session: SessionDep, request: Request
) -> CertificateIssuer:
    """The issuer certificates print (district and community admins)."""
    if principal.role not in ADMINS:
        raise Forbidden(messages.ISSUER_READ_BY_ADMINS)
    return await _answer(session, request)


@router.put("/certificate-issuer", response_model=CertificateIssuer)
async def put_certificate_issuer(
    body: CertificateIssuerChange,
    principal: CurrentPrincipal,
    session: SessionDep,
    request: Request,
) -> CertificateIssuer:
    """Set the issuer's organisation, person in charge, handler and contact phone (district
    admin); certificates issued before keep what they printed."""
    _district_admin(principal)
    await certificate_issuer.change_issuer(
        session,
        organisation=body.organisation,
        person_in_charge=body.person_in_charge,
        handler=body.handler,
        contact_phone=body.contact_phone,
        changed_by=principal.subject,
    )
    return await _answer(session, request)


@router.get(
    "/certificate-seal",
    response_class=Response,
    responses={
        200: {
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in certificate_issuer.SEAL_FORMATS
            }
        },
        404: {"description": "no seal was uploaded"},
    },
)
async def get_certificate_seal(principal: CurrentPrincipal, session: SessionDep) -> Response:
    """The seal image certificates print from now on, as uploaded (district and community
    admins), to see what was uploaded."""
    if principal.role not in ADMINS:
        raise Forbidden(messages.ISSUER_READ_BY_ADMINS)
    found = await certificate_issuer.setting(session)
    seal = await session.get(CertificateSeal, found.seal_id) if found and found.seal_id else None
    if seal is None:
        raise NotFound(messages.SEAL_NOT_UPLOADED)
    return Response(seal.image, media_type=seal.media_type)


@router.put(
    "/certificate-seal",
    response_model=CertificateIssuer,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in certificate_issuer.SEAL_FORMATS
            },
        }
    },
    responses={413: {"description": "the image is larger than the seal's limit"}},
)
async def put_certificate_seal(
    principal: CurrentPrincipal, session: SessionDep, request: Request
) -> CertificateIssuer:
    """Upload the seal image (PNG or JPEG, at most 512 KiB and 2000×2000 pixels) as the
    request body with its Content-Type (district admin); printed over the issuer on
    certificates issued from now on."""
    _district_admin(principal)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > certificate_issuer.MAX_SEAL_BYTES:
        raise SealTooLarge(messages.SEAL_TOO_LARGE, kib=certificate_issuer.MAX_SEAL_BYTES // 1024)
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > certificate_issuer.MAX_SEAL_BYTES:
            raise SealTooLarge(
                messages.SEAL_TOO_LARGE, kib=certificate_issuer.MAX_SEAL_BYTES // 1024
            )
    await certificate_issuer.upload_seal(
        session,
        bytes(content),
        media_type,
        default_organisation=request.app.state.settings.certificate_issuer,
        uploaded_by=principal.subject,
    )
    return await _answer(session, request)
