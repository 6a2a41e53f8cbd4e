"""Cell values that are safe to hand to a spreadsheet (CSV or XLSX), and the one style of a sheet's header —
shared by every export."""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

HEADER_FONT = Font(bold=True)

#: A cell starting with one of these may be run as a formula by Excel or LibreOffice (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """True when ``text`` would be read as a formula if written as is."""
    return bool(text) and text.startswith(FORMULA_TRIGGERS)


def neutralise_formula(text: str) -> str:
    """For CSV: prefix formula-like text with an apostrophe so spreadsheets show it as text."""
    return "'" + text if is_formula_like(text) else text


def start_sheet(ws, headers: list[str], widths: list[float]) -> None:
    """The house style of every sheet people open (back-office workbooks and open data): column widths, one bold
    header row, frozen below it. ``ws`` may be a write-only sheet: call before appending any row."""
    for number, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(number)].width = width
    ws.freeze_panes = "A2"
    header = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = HEADER_FONT
        header.append(cell)
    ws.append(header)


def finish_sheet(ws, columns: int, rows: int) -> None:
    """The filter over the header and the ``rows`` data rows written."""
    ws.auto_filter.ref = f"A1:{get_column_letter(max(columns, 1))}{rows + 1}"
