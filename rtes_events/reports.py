"""The indicators as files: an XLSX workbook (one sheet per table) and the funders' list of events
(« date – titre – co-organisateurs – N participants ») as plain text or CSV."""

import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .exports import MAX_WIDTH, to_csv
from .indicators import MEMBER_PARTICIPANTS, Report, source_label

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def build(report: Report, fmt: str) -> tuple[bytes, str]:
    """The content and file name of the report in ``fmt`` (a key of FORMATS)."""
    selection = report.selection
    name = f"indicateurs-{selection.start.isoformat()}-{selection.end.isoformat()}"
    if selection.programme is not None:
        name += f"-{selection.programme.slug}"
    if fmt == "xlsx":
        return xlsx(report), f"{name}.xlsx"
    if fmt == "csv":
        headers = [
            "Date",
            "Titre",
            "Co-organisateurs",
            "Participants",
            "Source du chiffre",
            MEMBER_PARTICIPANTS,
        ]
        rows = [
            [
                item.date_label,
                item.event.title,
                item.co_organisers,
                item.participants,
                source_label(item.source),
                item.member_participants,
            ]
            for item in report.events
        ]
        return to_csv(headers, rows), f"{name}-evenements.csv"
    if fmt == "txt":
        return funders_text(report).encode("utf-8"), f"{name}-evenements.txt"
    raise ValueError(f"unknown format {fmt!r}")


def funders_text(report: Report) -> str:
    """One line per event, as the activity reports list them."""
    return "".join(item.funders_line() + "\r\n" for item in report.events)


def xlsx(report: Report) -> bytes:
    """One sheet per table of the report, each with a bold frozen header row and filters."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in report.tables():
        sheet = workbook.create_sheet(SHEET_NAME.sub(" ", table.title)[:31])
        sheet.append(table.headers)
        for row in table.rows:
            sheet.append([_value(value) for value in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
        for index, header in enumerate(table.headers, start=1):
            widths = [len(str(header)), *(len(str(row[index - 1])) for row in table.rows)]
            sheet.column_dimensions[get_column_letter(index)].width = min(max(widths) + 2, MAX_WIDTH)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        if table.note:
            sheet.append([])
            sheet.append([table.note])
    workbook.properties.creator = "RTES"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _value(value):
    return ILLEGAL_CHARACTERS_RE.sub(" ", value) if isinstance(value, str) else value
