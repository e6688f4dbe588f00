"""Name badges of an event's on-site registrants: A4 sheets of 8 labels (2 × 4, 99,1 × 67,7 mm, the
Avery L7165 layout), each with the name (shrunk to fit), organisation, function, the event and the
atelier chosen when there is one; sorted by name."""

from . import pdf, registrants
from .models import Event, Registration
from .models.events import fold

# Avery L7165 on A4: the labels' size, the sheet's margins and the pitch from one label to the next (mm).
WIDTH, HEIGHT = 99.1, 67.7
LEFT, TOP = 4.65, 13.1
PITCH_X, PITCH_Y = 101.6, 67.7
COLUMNS, ROWS = 2, 4
PADDING = 6
NAME_ON_ONE_LINE = 12  # the smallest size (pt) at which a name stays on one line
HOLDING = ("confirmed", "attended")  # the registrations expected, or present, in the room


def on_site(registration: Registration) -> bool:
    """Whether ``registration`` is in the room: an on-site event, or a hybrid one attended on site."""
    mode = registration.event.mode
    return mode != "online" and (mode != "hybrid" or registration.mode == "onsite")


def badged(event: Event) -> list[Registration]:
    """The on-site registrants of ``event`` holding a place, by name."""
    people = [r for r in registrants.of_event(event, HOLDING) if on_site(r)]
    return sorted(people, key=lambda r: (fold(r.last_name), fold(r.first_name), r.id))


def ateliers(registration: Registration) -> str:
    """The ateliers (slots « au choix ») ``registration`` chose, or ''."""
    return " · ".join(slot.title for slot in registration.slots if slot.choice)


def sheet(event: Event, people: list[Registration]) -> bytes:
    """The PDF of the badges of ``people``, 8 per A4 page."""
    document = pdf.document(f"Badges – {event.title}")
    document.set_auto_page_break(False)
    document.set_margins(0, 0, 0)
    for index, registration in enumerate(people):
        place = index % (COLUMNS * ROWS)
        if place == 0:
            document.add_page()
        x = LEFT + (place % COLUMNS) * PITCH_X
        y = TOP + (place // COLUMNS) * PITCH_Y
        _badge(document, registration, x, y)
    return pdf.output(document)


def _badge(document, registration: Registration, x: float, y: float) -> None:
    width = WIDTH - 2 * PADDING
    document.set_draw_color(200)
    document.rect(x, y, WIDTH, HEIGHT)  # a cutting guide, on plain paper
    document.set_font(pdf.FONT, "B", NAME_ON_ONE_LINE)
    if document.get_string_width(registration.full_name) <= width:
        names = [(registration.full_name, "B", 20, 16)]
    else:  # a long name: first and last names on a line each
        names = [(registration.first_name, "B", 16, 10), (registration.last_name, "B", 16, 10)]
    lines = [
        (registration.event.title, "", 8, 7),
        *names,
        (registration.organisation, "", 12, 9),
        (registration.function_label, "", 10, 7),
        (ateliers(registration) and f"Atelier : {ateliers(registration)}", "", 9, 7),
    ]
    document.set_xy(x + PADDING, y + PADDING)
    for text, style, size, height in lines:
        if not text:
            continue
        text = pdf.fit(document, text, width, size, style=style)
        document.set_x(x + PADDING)
        document.cell(width, height, text, align="C", new_x="LMARGIN", new_y="NEXT")
