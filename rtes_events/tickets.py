"""The printable ticket of a registration: one A4 page with its check-in QR code."""

from . import pdf as documents
from .formatting import when
from .models import Registration


def ticket_pdf(registration: Registration) -> bytes:
    """The ticket of ``registration``: event, date, place, person, QR code and the code as text."""
    event = registration.event
    pdf = documents.document(f"Billet : {event.title}")
    pdf.add_page()
    pdf.set_font(documents.FONT, "B", 18)
    pdf.multi_cell(0, 9, event.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(documents.FONT, "", 12)
    place = ", ".join(part for part in (event.venue, event.city) if part)
    for line in (when(event), place, "", registration.full_name, registration.organisation):
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    documents.qr_code(pdf, registration.checkin_code, pdf.l_margin, pdf.get_y(), 70)
    pdf.set_y(pdf.get_y() + 74)
    pdf.set_font(documents.FONT, "B", 14)
    pdf.cell(0, 8, f"Code d'accueil : {registration.checkin_code}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(documents.FONT, "", 10)
    pdf.multi_cell(
        0,
        6,
        "Présentez ce billet (imprimé ou à l'écran) à l'accueil. Réseau des collectivités "
        "Territoriales pour une Économie Solidaire (RTES).",
    )
    return documents.output(pdf)
