"""The printable ticket of a registration: one A4 page with its check-in QR code (fpdf2)."""

import io

from fpdf import FPDF

from . import qr
from .formatting import when
from .models import Registration


def _latin1(text: str) -> str:
    """``text`` as the PDF's core font can write it (Latin-1: French letters, « », ·)."""
    return (
        text.replace("’", "'")
        .replace("œ", "oe")
        .replace("Œ", "OE")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def ticket_pdf(registration: Registration) -> bytes:
    """The ticket of ``registration``: event, date, place, person, QR code and the code as text."""
    event = registration.event
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Billet : {event.title}"))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.multi_cell(0, 9, _latin1(event.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 12)
    place = ", ".join(part for part in (event.venue, event.city) if part)
    for line in (when(event), place, "", registration.full_name, registration.organisation):
        pdf.multi_cell(0, 7, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.image(io.BytesIO(qr.png(registration.checkin_code)), x=pdf.l_margin, w=70, h=70)
    pdf.ln(4)
    pdf.set_font("courier", "B", 14)
    pdf.cell(0, 8, _latin1(f"Code d'accueil : {registration.checkin_code}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 10)
    pdf.multi_cell(
        0,
        6,
        _latin1(
            "Présentez ce billet (imprimé ou à l'écran) à l'accueil. Réseau des collectivités "
            "Territoriales pour une Économie Solidaire (RTES)."
        ),
    )
    return bytes(pdf.output())
