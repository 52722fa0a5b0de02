"""Certificates of service (志愿服务证明): issued on request, verifiable by number and code."""

from __future__ import annotations

import io
import secrets
from datetime import UTC, date, datetime, time, timedelta

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation.models import Certificate, CountedRecord, Counter, KnownVolunteer
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
    issuer: str,
) -> Certificate:
    """Issue a certificate of the volunteer's confirmed hours in a date range.

    `printed_name` is the name it prints (evaluation.names): None once the person was erased.
    """
    if date_to < date_from:
        raise Unprocessable("the date range ends before it starts")
    if printed_name is None or volunteer.volunteer_number is None:
        raise Conflict("this volunteer's personal data was erased; no certificate can name them")
    start = datetime.combine(date_from, time.min, tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
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
        raise Conflict("no confirmed service in this date range")
    by_area: dict[str, float] = {}
    for area, hours in rows:
        name = AREA_NAMES.get(area or "", area or "其他")
        by_area[name] = by_area.get(name, 0.0) + hours
    certificate = Certificate(
        number=await _next_number(session, date.today().year),
        verification_code=secrets.token_hex(4).upper(),
        volunteer_id=volunteer.id,
        community_id=volunteer.community_id,
        volunteer_number=volunteer.volunteer_number,
        name=printed_name,
        date_from=date_from,
        date_to=date_to,
        hours=round(sum(by_area.values()), 2),
        service_content="、".join(
            f"{name} {hours:g} 小时" for name, hours in sorted(by_area.items())
        ),
        issuer=issuer,
        issued_on=date.today(),
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


def render(certificate: Certificate, url: str) -> bytes:
    """The certificate as a one-page A4 PDF."""
    buffer = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"志愿服务证明 {certificate.number}")
    pdf.setFont(CHINESE_FONT, 24)
    pdf.drawCentredString(width / 2, height - 40 * mm, "志愿服务证明")
    pdf.setFont(CHINESE_FONT, 10)
    pdf.drawRightString(width - 20 * mm, height - 50 * mm, f"证明编号 No. {certificate.number}")
    lines = [
        f"兹证明 {certificate.name}（志愿者编号 {certificate.volunteer_number}）",
        f"于 {certificate.date_from:%Y年%m月%d日} 至 {certificate.date_to:%Y年%m月%d日}",
        f"参加志愿服务，经确认的服务时长共计 {certificate.hours:g} 小时。",
        f"服务内容：{certificate.service_content}",
    ]
    pdf.setFont(CHINESE_FONT, 13)
    for index, line in enumerate(lines):
        pdf.drawString(25 * mm, height - (75 + 12 * index) * mm, line)
    pdf.setFont(CHINESE_FONT, 12)
    pdf.drawRightString(width - 25 * mm, 95 * mm, f"出具单位：{certificate.issuer}")
    pdf.drawRightString(width - 25 * mm, 85 * mm, f"出具日期：{certificate.issued_on:%Y年%m月%d日}")
    pdf.setFont(CHINESE_FONT, 9)
    pdf.drawString(25 * mm, 40 * mm, f"验证码 Verification code: {certificate.verification_code}")
    pdf.drawString(25 * mm, 34 * mm, url)
    pdf.drawImage(qr_image(url), 25 * mm, 45 * mm, 30 * mm, 30 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
