"""Registrant exports of an event: CSV as French Excel opens it, and XLSX; core columns, how each
attends (a hybrid event's mode, a column per group of slots « au choix »), one column per
organisers' question (``questions.export_columns``), then the plugins' (``rtes_export_columns``).

Who is exported: the registrations holding a place, then the waiting list (of one slot, when
asked), never the cancelled or erased ones. Text that a spreadsheet would run as a formula stays
text: quoted in CSV, stored as a string cell in XLSX.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from slugify import slugify
from werkzeug.utils import secure_filename

from . import clock, questions, registrants
from .models import Event, Registration, Slot
from .plugins import hook
from .registrations import choice_groups

EXPORTED = (*registrants.PLACE_HOLDERS, "waitlisted")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "%d/%m/%Y %H:%M"
MAX_WIDTH = 50

Column = tuple[str, Callable[[Registration], object]]

CORE_COLUMNS: list[Column] = [
    ("Nom", lambda r: r.last_name),
    ("Prénom", lambda r: r.first_name),
    ("E-mail", lambda r: r.email),
    ("Organisation", lambda r: r.organisation),
    ("Fonction", lambda r: r.function_label),
    ("Statut", lambda r: r.status_label),
    ("Position en liste d'attente", lambda r: r.waitlist_position),
    # Paris wall-clock time, without zone: what spreadsheets show as it is.
    ("Inscrit·e le", lambda r: clock.to_local(r.created_at).replace(tzinfo=None, second=0, microsecond=0)),
]


@dataclass
class Export:
    content: bytes
    mimetype: str
    filename: str
    rows: int


def columns(event: Event) -> list[Column]:
    return (
        CORE_COLUMNS
        + attendance_columns(event)
        + questions.export_columns(event)
        + [column for columns in hook().rtes_export_columns(event=event) for column in columns]
    )


def attendance_columns(event: Event) -> list[Column]:
    """« Participation » for a hybrid event, then the slot each registrant chose in each group."""
    found: list[Column] = [("Participation", lambda r: r.mode_label)] if event.mode == "hybrid" else []
    for label in choice_groups(event):
        found.append((label, lambda r, label=label: _chosen(r, label)))
    return found


def _chosen(registration: Registration, label: str) -> str | None:
    return next((slot.title for slot in registration.slots if slot.choice == label), None)


def table(event: Event, slot: Slot | None = None) -> tuple[list[str], list[list]]:
    """The headers and the rows (values as the columns give them) of ``event``'s export (of the
    registrants of ``slot``, when given)."""
    chosen = columns(event)
    rows = [
        [value(registration) for _, value in chosen]
        for registration in registrants.of_event(event, EXPORTED, slot=slot)
    ]
    return [header for header, _ in chosen], rows


def to_csv(headers: list[str], rows: list[list]) -> bytes:
    """Semicolon-separated, CRLF, UTF-8 with a BOM: what French Excel opens as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_cell(header) for header in headers])
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    if not isinstance(value, str):
        return str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_xlsx(headers: list[str], rows: list[list], title: str) -> bytes:
    """One sheet: a bold, frozen header row with filters, columns as wide as their content."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, even when it starts with "="
            elif isinstance(cell.value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
    for index, header in enumerate(headers, start=1):
        values = [header, *(_shown(row[index - 1]) for row in rows)]
        sheet.column_dimensions[get_column_letter(index)].width = min(max(map(len, values)) + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.properties.creator = "RTES"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value):
    return ILLEGAL_CHARACTERS_RE.sub(" ", value) if isinstance(value, str) else value


def _shown(value) -> str:
    if isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    return "" if value is None else str(value)


FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def build(event: Event, fmt: str, slot: Slot | None = None) -> Export:
    """The export of ``event``'s registrants (of ``slot``, when given) in ``fmt`` (a key of FORMATS)."""
    headers, rows = table(event, slot)
    if fmt == "csv":
        content = to_csv(headers, rows)
    elif fmt == "xlsx":
        content = to_xlsx(headers, rows, title="Inscrit·es")
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    day = clock.local_today().isoformat()
    name = f"{event.slug}-{slugify(slot.title)[:60]}" if slot is not None else event.slug
    filename = secure_filename(f"inscrits-{name}-{day}.{fmt}") or f"inscrits.{fmt}"
    return Export(content, FORMATS[fmt], filename, len(rows))
