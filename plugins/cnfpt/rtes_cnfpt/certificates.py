"""Attendance certificates (« attestation de présence ») as PDF, one page per present registrant."""

from fpdf import FPDF

from rtes_events import clock
from rtes_events.formatting import when

from . import session

# The PDF core fonts cover Latin-1: typographic signs outside it are written plainly.
PLAIN = str.maketrans(
    {
        "—": "-",
        "–": "-",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "œ": "oe",
        "Œ": "OE",
        "\u202f": " ",
    }
)


def _latin1(text: str) -> str:
    return str(text or "").translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


def attendance_pdf(event, registrations) -> bytes:
    """One certificate per registration of ``registrations`` (those marked present)."""
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Attestations de présence - {event.title}"))
    pdf.set_author("RTES")
    pdf.set_margins(25, 25, 25)
    today = clock.to_local(clock.now()).strftime("%d/%m/%Y")
    code = session.code(event)
    for registration in registrations:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 20)
        pdf.cell(0, 14, "Attestation de présence", new_x="LMARGIN", new_y="NEXT", align="C")
        pdf.ln(10)
        pdf.set_font("Helvetica", "", 12)
        lines = [
            "Le Réseau des collectivités Territoriales pour une Économie Solidaire (RTES) atteste que",
            "",
            f"{registration.first_name} {registration.last_name}",
            f"{registration.plugin_fields.get('cnfpt_position') or registration.function_label}, "
            f"{registration.plugin_fields.get('cnfpt_employer') or registration.organisation}",
            "",
            f"a participé à « {event.title} »,",
            f"{when(event)}" + (f", {event.city}" if event.city else "") + ".",
        ]
        if code:
            lines += ["", f"Session de formation CNFPT n° {code}."]
        for line in lines:
            pdf.multi_cell(0, 8, _latin1(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(16)
        pdf.multi_cell(0, 8, _latin1(f"Fait le {today}, pour servir et valoir ce que de droit."))
        pdf.ln(8)
        pdf.cell(0, 8, "Pour le RTES", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
