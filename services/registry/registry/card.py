"""The volunteer card (志愿服务"身份证") as a printable PDF, with a QR code.

The QR code holds the card's verification URL, which ends in the volunteer number, so
a team leader's scanner reads the number for check-in and anyone else can open the
link to see that the card is valid (and nothing personal).
"""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from shared.pdf import CHINESE_FONT as FONT
from shared.pdf import qr_image

CARD_SIZE = (85.6 * mm, 54 * mm)  # ISO/IEC 7810 ID-1, the size of a bank card


def verification_url(base_url: str, volunteer_number: str) -> str:
    """The public link that verifies a card."""
    return f"{base_url.rstrip('/')}/verify/{volunteer_number}"


def card_pdf(*, name: str, volunteer_number: str, community: str, district: str, url: str) -> bytes:
    """One card as a PDF page of ID-1 size."""
    buffer = io.BytesIO()
    width, height = CARD_SIZE
    pdf = canvas.Canvas(buffer, pagesize=CARD_SIZE)
    pdf.setTitle(f"志愿者证 {volunteer_number}")
    pdf.setFillColorRGB(0.78, 0.1, 0.12)
    pdf.rect(0, height - 11 * mm, width, 11 * mm, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.setFont(FONT, 10)
    pdf.drawString(4 * mm, height - 7.5 * mm, f"{district} 志愿者证")
    pdf.setFillColorRGB(0, 0, 0)
    # Photo placeholder.
    pdf.setDash(2, 2)
    pdf.rect(4 * mm, 6 * mm, 22 * mm, 28 * mm)
    pdf.setDash()
    pdf.setFont(FONT, 6)
    pdf.drawCentredString(15 * mm, 19 * mm, "照片 photo")
    pdf.setFont(FONT, 11)
    pdf.drawString(29 * mm, 31 * mm, name)
    pdf.setFont(FONT, 7)
    pdf.drawString(29 * mm, 25 * mm, f"编号 No. {volunteer_number}")
    pdf.drawString(29 * mm, 20 * mm, f"社区 {community}")
    pdf.drawImage(qr_image(url), width - 26 * mm, 3 * mm, 23 * mm, 23 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
