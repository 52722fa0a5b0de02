"""Who the district's certificates name as issuer, and the seal they print over it."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation import messages
from evaluation.models import CertificateIssuerSetting, CertificateSeal
from shared import clock
from shared.errors import Unprocessable
from shared.ids import new_id

DISTRICT_SETTING = "district"
#: A seal is a small stamp image: more than this is not a seal but a photograph.
MAX_SEAL_BYTES = 512 * 1024
MAX_SEAL_PIXELS = 2000
SEAL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


async def setting(session: AsyncSession) -> CertificateIssuerSetting | None:
    """The district's own issuer, None while the settings' organisation is the issuer."""
    return await session.get(CertificateIssuerSetting, DISTRICT_SETTING)


async def _setting_or_new(
    session: AsyncSession, default_organisation: str, changed_by: str
) -> CertificateIssuerSetting:
    found = await setting(session)
    if found is None:
        found = CertificateIssuerSetting(
            id=DISTRICT_SETTING,
            organisation=default_organisation,
            changed_by=changed_by,
            changed_at=clock.now(),
        )
    return found


async def change_issuer(
    session: AsyncSession,
    *,
    organisation: str,
    person_in_charge: str | None,
    handler: str | None,
    contact_phone: str | None,
    changed_by: str,
) -> CertificateIssuerSetting:
    """Set the issuer's details; certificates issued before keep the ones they printed."""
    found = await _setting_or_new(session, organisation, changed_by)
    found.organisation = organisation
    found.person_in_charge = person_in_charge
    found.handler = handler
    found.contact_phone = contact_phone
    found.changed_by = changed_by
    found.changed_at = clock.now()
    session.add(found)
    await session.commit()
    return found


def checked_seal(content: bytes, media_type: str) -> tuple[int, int]:
    """The width and height of a seal image, once it is a PNG or JPEG as it says it is."""
    expected = SEAL_FORMATS.get(media_type)
    if expected is None:
        raise Unprocessable(messages.SEAL_NOT_AN_IMAGE)
    if not content:
        raise Unprocessable(messages.SEAL_EMPTY)
    if len(content) > MAX_SEAL_BYTES:
        raise Unprocessable(messages.SEAL_TOO_LARGE, kib=MAX_SEAL_BYTES // 1024)
    try:
        with Image.open(io.BytesIO(content)) as image:
            found, (width, height) = image.format, image.size
            if width > MAX_SEAL_PIXELS or height > MAX_SEAL_PIXELS:
                raise Unprocessable(messages.SEAL_TOO_MANY_PIXELS, pixels=MAX_SEAL_PIXELS)
            image.verify()
    except Unprocessable:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Unprocessable(messages.SEAL_UNREADABLE) from None
    if found != expected:
        raise Unprocessable(messages.SEAL_FORMAT_MISMATCH, found=found, expected=expected)
    return width, height


async def upload_seal(
    session: AsyncSession,
    content: bytes,
    media_type: str,
    *,
    default_organisation: str,
    uploaded_by: str,
) -> CertificateSeal:
    """Keep a new seal and print it from now on; the old one stays for what it sealed."""
    width, height = checked_seal(content, media_type)
    now = clock.now()
    seal = CertificateSeal(
        id=new_id(),
        media_type=media_type,
        image=content,
        width=width,
        height=height,
        uploaded_by=uploaded_by,
        uploaded_at=now,
    )
    session.add(seal)
    found = await _setting_or_new(session, default_organisation, uploaded_by)
    found.seal_id = seal.id
    found.changed_by = uploaded_by
    found.changed_at = now
    session.add(found)
    await session.commit()
    return seal
