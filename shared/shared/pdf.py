"""PDF building blocks shared by the documents the services print (cards, certificates)."""

from __future__ import annotations

import io

import segno
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

#: A CID font the PDF reader supplies: Chinese text without embedding a font file.
CHINESE_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CHINESE_FONT))


def qr_image(text: str) -> ImageReader:
    """A QR code of `text` as an image reportlab can draw."""
    image = io.BytesIO()
    segno.make(text, error="m").save(image, kind="png", scale=4, border=1)
    image.seek(0)
    return ImageReader(image)
