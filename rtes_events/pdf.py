"""PDF documents (badges, attestations) with fpdf2: an A4 page set in DejaVu Sans, a TrueType font
shipped with the package (``static/fonts``, its licence beside it) that prints every French character
(é, ç, œ, « », ·, ’) where the PDF core fonts stop at Latin-1; and a QR code drawn as an image (``qr``)."""

import io
from pathlib import Path

from flask import Response
from fpdf import FPDF

from . import qr

FONT = "DejaVu"
FONTS = Path(__file__).parent / "static" / "fonts"


def document(title: str, *, author: str = "RTES") -> FPDF:
    """An empty A4 document in portrait with the shipped font (regular and bold) registered."""
    pdf = FPDF(format="A4")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_font(FONT, size=11)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("rtes-events")
    return pdf


def fit(pdf: FPDF, text: str, width: float, size: float, *, style: str = "", smallest: float = 6) -> str:
    """Set the largest font size up to ``size`` at which ``text`` fits on one line of ``width`` mm;
    returns ``text``, cut with « … » when even the ``smallest`` size is too wide."""
    pdf.set_font(FONT, style, size)
    while size > smallest and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font(FONT, style, size)
    while len(text) > 1 and pdf.get_string_width(text) > width:
        text = text[: max(1, int(len(text) * width / pdf.get_string_width(text)) - 1)].rstrip() + "…"
    return text


def qr_code(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """``data`` as a QR code of ``size`` mm square, its top left corner at (x, y)."""
    pdf.image(io.BytesIO(qr.png(data)), x=x, y=y, w=size, h=size)


def output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def download(content: bytes, filename: str) -> Response:
    """``content`` as a PDF file to save, never stored by a cache (it holds people's names)."""
    response = Response(content, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
