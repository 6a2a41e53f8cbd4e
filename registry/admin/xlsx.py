"""A dashboard table as an .xlsx file (openpyxl write-only): numbers stay numbers, text never runs as a formula."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from registry.services.outputs.spreadsheet import is_formula_like
from registry.services.reporting.dashboard import Table

FORMATS = {"money": '#,##0.00 "€"', "percent": "0.0 %", "date": "DD/MM/YYYY", "int": "0", "year": "0"}


def _cell(sheet, value, kind: str, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, Decimal):
        value = float(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"  # shown as the text typed, never evaluated (OWASP CSV/formula injection)
    if kind in FORMATS and isinstance(value, int | float | date):
        cell.number_format = FORMATS[kind]
    if bold:
        cell.font = Font(bold=True)
    return cell


def table_to_xlsx(table: Table, sheet_title: str | None = None) -> bytes:
    """The table with its title, headers, rows and note, as .xlsx bytes."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(sheet_title or table.title)[:31].replace("/", "-"))
    sheet.append([_cell(sheet, table.title, "text", bold=True)])
    sheet.append([])
    sheet.append([_cell(sheet, h, "text", bold=True) for h in table.headers])
    for row in table.rows:
        sheet.append([_cell(sheet, v, k) for v, k in zip(row, table.kinds, strict=False)])
    if table.note:
        sheet.append([])
        sheet.append([_cell(sheet, table.note, "text")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
