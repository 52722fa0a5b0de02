"""Certificates of service (志愿服务证明): issued on request, verifiable by number and code."""

from __future__ import annotations

import io
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation import certificate_issuer, messages
from evaluation.models import Certificate, CountedRecord, Counter, KnownVolunteer
from shared import clock
from shared.contracts.evaluation import CertificateIssued
from shared.errors import Conflict, Unprocessable
from shared.events.outbox import add_event
from shared.pdf import CHINESE_FONT, qr_image

COUNTER = "certificate_number"
AREA_NAMES = {
    "poverty_relief": "扶贫",
    "housekeeping": "家政服务",
    "healthcare": "医疗保健",
    "community_work": "社区工作",
    "legal_aid": "法律援助",
    "culture_sports": "文体宣传",
    "reproductive_health": "生育保健",
    "elderly_care": "为老服务",
    "military_families": "拥军优属",
    "science_popularisation": "科普宣传",
}


async def _next_number(session: AsyncSession, year: int) -> str:
    # The UPDATE holds the row's write lock to commit: two issues never share a number.
    result = await session.exec(
        update(Counter).where(col(Counter.name) == COUNTER).values(value=Counter.value + 1)
    )
    if result.rowcount == 0:
        session.add(Counter(name=COUNTER, value=1))
        await session.flush()
    value = (await session.exec(select(Counter.value).where(col(Counter.name) == COUNTER))).one()
    return f"ZM{year}{value:07d}"


async def issue(
    session: AsyncSession,
    volunteer: KnownVolunteer,
    printed_name: str | None,
    date_from: date,
    date_to: date,
    default_issuer: str,
    zone: ZoneInfo,
) -> Certificate:
    """Issue a certificate of the volunteer's confirmed hours in a date range.

    `printed_name` is the name it prints (evaluation.names): None once the person was
    erased. The range's days are the district's (`zone`): a service at 07:00 in Beijing
    on the 1st is on the 1st, though it is the 30th's 23:00 in UTC. The issuer is the
    district's (`certificate_issuer`), else `default_issuer`; the certificate keeps a
    copy of everything it prints, so a later change of issuer or seal changes nothing.
    """
    if date_to < date_from:
        raise Unprocessable(messages.CERTIFICATE_RANGE_BACKWARDS)
    if printed_name is None or volunteer.volunteer_number is None:
        raise Conflict(messages.CERTIFICATE_OF_ERASED)
    start = datetime.combine(date_from, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    rows = (
        await session.exec(
            select(CountedRecord.service_area_code, CountedRecord.hours).where(
                col(CountedRecord.volunteer_id) == volunteer.id,
                col(CountedRecord.counts),
                col(CountedRecord.started_at) >= start,
                col(CountedRecord.started_at) < end,
            )
        )
    ).all()
    if not rows:
        raise Conflict(messages.NO_SERVICE_IN_RANGE)
    by_area: dict[str, float] = {}
    for area, hours in rows:
        name = AREA_NAMES.get(area or "", area or "其他")
        by_area[name] = round(by_area.get(name, 0.0) + hours, 2)
    by_area = dict(sorted(by_area.items()))
    issuer = await certificate_issuer.setting(session)
    today = clock.now().astimezone(zone).date()
    certificate = Certificate(
        number=await _next_number(session, today.year),
        verification_code=secrets.token_hex(4).upper(),
        volunteer_id=volunteer.id,
        community_id=volunteer.community_id,
        volunteer_number=volunteer.volunteer_number,
        name=printed_name,
        national_id_masked=volunteer.national_id_masked,
        date_from=date_from,
        date_to=date_to,
        hours=round(sum(by_area.values()), 2),
        hours_by_area=by_area,
        service_content="、".join(f"{name} {hours:g} 小时" for name, hours in by_area.items()),
        issuer=issuer.organisation if issuer else default_issuer,
        person_in_charge=issuer.person_in_charge if issuer else None,
        handler=issuer.handler if issuer else None,
        contact_phone=issuer.contact_phone if issuer else None,
        seal_id=issuer.seal_id if issuer else None,
        time_zone=zone.key,
        issued_on=today,
    )
    session.add(certificate)
    add_event(
        session,
        CertificateIssued(
            certificate_number=certificate.number,
            volunteer_id=volunteer.id,
            community_id=volunteer.community_id,
            hours=certificate.hours,
            date_from=date_from,
            date_to=date_to,
        ),
        subject=volunteer.id,
        community=volunteer.community_id,
    )
    await session.commit()
    return certificate


def verification_url(base_url: str, certificate: Certificate) -> str:
    """The public link that verifies a certificate."""
    return f"{base_url.rstrip('/')}/verify/certificates/{certificate.number}?code={certificate.verification_code}"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _wrapped(text: str, size: float, width: float) -> list[str]:
    # Chinese has no spaces to break at: break between any two characters that overflow.
    lines, line = [], ""
    for character in text:
        if line and stringWidth(line + character, CHINESE_FONT, size) > width:
            lines.append(line)
            line = ""
        line += character
    return [*lines, line] if line else lines


def render(certificate: Certificate, url: str, seal: bytes | None = None) -> bytes:
    """The certificate as a one-page A4 PDF, laid out as the national 志愿服务记录证明:
    the holder's identity, the service (hours in total and by area), the issuer with its
    seal (`seal`, the image the certificate kept) over the organisation, the date."""
    buffer = io.BytesIO()
    width, height = A4
    left, right = 25 * mm, width - 25 * mm
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"志愿服务记录证明 {certificate.number}")
    pdf.setFont(CHINESE_FONT, 24)
    pdf.drawCentredString(width / 2, height - 35 * mm, "志愿服务记录证明")
    pdf.setFont(CHINESE_FONT, 10)
    pdf.drawRightString(right, height - 45 * mm, f"证明编号：{certificate.number}")

    y = height - 60 * mm
    pdf.setFont(CHINESE_FONT, 13)
    identity = [
        ("姓名", certificate.name),
        ("证件类型", certificate.id_type),
        ("证件号码", certificate.national_id_masked or "—"),
        ("志愿者编号", certificate.volunteer_number),
    ]
    for label, value in identity:
        for line in _wrapped(f"{label}：{value}", 13, right - left):
            pdf.drawString(left, y, line)
            y -= 9 * mm
    y -= 3 * mm
    statement = (
        f"兹证明该志愿者于 {_day(certificate.date_from)} 至 {_day(certificate.date_to)} "
        f"期间参加志愿服务，经确认的志愿服务时长累计 {certificate.hours:g} 小时。"
    )
    for line in _wrapped(statement, 13, right - left):
        pdf.drawString(left, y, line)
        y -= 8 * mm

    # The service content by area, as a two-column table.
    y -= 4 * mm
    pdf.drawString(left, y, "服务内容：")
    y -= 4 * mm
    row_height, hours_x = 8 * mm, right - 40 * mm
    areas = certificate.hours_by_area or {certificate.service_content: certificate.hours}
    rows = [("服务领域", "服务时长（小时）"), *((a, f"{h:g}") for a, h in areas.items())]
    pdf.setFont(CHINESE_FONT, 11)
    pdf.setLineWidth(0.5)
    for index, (area, hours) in enumerate(rows):
        top = y - index * row_height
        pdf.rect(left, top - row_height, right - left, row_height)
        pdf.line(hours_x, top, hours_x, top - row_height)
        pdf.drawString(left + 3 * mm, top - row_height + 2.5 * mm, area[:28])
        pdf.drawCentredString((hours_x + right) / 2, top - row_height + 2.5 * mm, hours)
    y -= len(rows) * row_height + 12 * mm

    # The issuer at the bottom right, organisation and date last with the seal over them.
    pdf.setFont(CHINESE_FONT, 12)
    issuer_lines = [
        f"负责人：{certificate.person_in_charge or '—'}",
        f"经办人：{certificate.handler or '—'}",
        f"联系电话：{certificate.contact_phone or '—'}",
        f"出具单位：{certificate.issuer}",
        f"出具日期：{_day(certificate.issued_on)}",
    ]
    issuer_x = width / 2 + 5 * mm
    y = min(y, 115 * mm)
    organisation_top = y
    for index, text in enumerate(issuer_lines):
        if index == 3:
            organisation_top = y
        for line in _wrapped(text, 12, right - issuer_x):
            pdf.drawString(issuer_x, y, line)
            y -= 8 * mm
    if seal is not None:
        size = 36 * mm
        # Centred on the organisation and date lines, as a stamp is pressed on them.
        centre = (organisation_top + y + 8 * mm) / 2 + 1.5 * mm
        pdf.drawImage(
            ImageReader(io.BytesIO(seal)),
            right - size - 5 * mm,
            centre - size / 2,
            size,
            size,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )

    # The verification at the foot, below the issuer however long its lines ran.
    pdf.drawImage(qr_image(url), left, 24 * mm, 30 * mm, 30 * mm)
    pdf.setFont(CHINESE_FONT, 9)
    pdf.drawString(left, 19 * mm, f"验证码 Verification code: {certificate.verification_code}")
    pdf.drawString(left, 14 * mm, url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
