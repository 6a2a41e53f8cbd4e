"""The fast way to read a plain workbook: python-calamine (Rust), in a fifteenth of openpyxl's read-only time.

It is used only when it reads exactly what the streaming openpyxl reader (``reader``) would, and nothing in the
file could make it misbehave; otherwise ``read_sheets_fast`` returns None and the caller uses the full reader,
which reports each problem precisely. Before calamine parses anything, the archive has passed
``reader.check_archive`` (entry count, sizes, ratios, no DTD or entity), and every XML part holding cells is
scanned with a few regular expressions (milliseconds per megabyte). The full reader is used when a sheet has:

- merged cells, hidden rows or columns, formulas, or error cells (the full reader names them as errors);
- a DTD or entity declaration anywhere in an XML part (beyond the start that ``check_archive`` reads):
  openpyxl parses with defusedxml, which refuses it;
- a namespace prefix on its elements (the scan could not see the above), or cells without a reference;
- a cell beyond column AZ or row 210,000: calamine builds a dense grid from A1 to the last cell, and a single
  far-away cell must not cost gigabytes (a registry allowing more rows than that per import reads them with
  the full reader);
- more than ``max_empty_run`` empty rows in a row, or more rows than allowed (the full reader stops
  there or refuses the file, with its messages).

Values are given the types openpyxl gives: whole numbers as int, dates as datetime; blank cells are left out.
Two rare cases keep another type, read alike by the cell parsers: a whole number written ``3.0`` (int here,
float there) and an ISO date cell (``t="d"``: datetime here, date there).
``tests/test_workbook_reader.py`` reads the same workbooks both ways and compares.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import python_calamine

from registry.workbook.cells import is_blank

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: What only the full reader handles: merged cells, hidden rows or columns, formulas, error cells, and the
#: main namespace under a prefix (``<x:c>``: the scan would not see the rest). Separate expressions, each with
#: a literal start, scan ten times faster than one alternation.
_NEEDS_FULL_READER = tuple(
    re.compile(pattern)
    for pattern in (
        rb"<mergeCell[\s>/]",
        rb"hidden\s*=\s*[\"'](?:1|true)",
        rb"<f[\s>/]",
        rb"t\s*=\s*[\"']e[\"']",
        rb"xmlns:[\w.-]+\s*=\s*[\"']" + re.escape(MAIN_NS),
    )
)
#: A cell whose first attribute is not its reference (calamine and openpyxl would place it by counting).
_UNREFERENCED_CELL = re.compile(rb"<c(?:>|/>|\s+(?!r\s*=))")
#: A cell beyond column AZ (BA and after, three letters) or row 209,999 (six digits from 210000, or seven).
_TOO_FAR = re.compile(rb"(?i)<c\s+r\s*=\s*[\"'](?:[A-Z]{3}|[B-Z][A-Z]|[A-Z]{1,2}(?:\d{7}|2[1-9]\d{4}|[3-9]\d{5})\b)")


def read_sheets_fast(data: bytes, *, wanted, max_rows: int, max_empty_run: int) -> tuple[list[str], list] | None:
    """For an archive that passed ``reader.check_archive``: every sheet name, and (name, rows) of the wanted
    sheets, rows as in ``reader.RawSheet``; or None when the full reader must read it."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            xml = archive.read(info) if info.filename.lower().endswith((".xml", ".rels")) else b""
            # A DTD further in than check_archive looks: defusedxml (the full reader) refuses it.
            if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
                return None
            # Every part holding cells, wherever the workbook's relationships put it.
            if b"sheetData" in xml and not _plain(xml):
                return None
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [m.name for m in workbook.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        sheets = []
        for name in names:
            if not wanted(name):
                continue
            rows = _rows(workbook.get_sheet_by_name(name), max_rows, max_empty_run)
            if rows is None:
                return None
            sheets.append((name, rows))
    except Exception:  # noqa: BLE001 - anything calamine cannot read, the full reader reads or explains
        return None
    return names, sheets


def _plain(xml: bytes) -> bool:
    """The worksheet's XML holds nothing that only the full reader handles, and no far-away cell."""
    return (
        b'xmlns="' + MAIN_NS + b'"' in xml[:4096]
        and not any(pattern.search(xml) for pattern in _NEEDS_FULL_READER)
        and not _UNREFERENCED_CELL.search(xml)
        and not _TOO_FAR.search(xml)
    )


def _rows(source, max_rows: int, max_empty_run: int) -> list | None:
    rows = []
    empty_run = 0
    if source.start is None:  # an empty sheet
        return rows
    # Row by row from calamine (not ``to_python``, which builds every row's list first: a second copy of the
    # sheet). Its rows count from row 1, its cells from the first filled column.
    first_column = source.start[1] + 1
    for number, cells in enumerate(source.iter_rows(), start=1):
        # Most cells are empty (calamine gives ""): those are skipped before the call to is_blank.
        values = {
            column: v if type(v) is str else _value(v)
            for column, v in enumerate(cells, start=first_column)
            if v != "" and not is_blank(v)
        }
        if not values:
            empty_run += 1
            if empty_run >= max_empty_run:
                return None
            continue
        empty_run = 0
        rows.append((number, values))
        if len(rows) > max_rows + 1:
            return None
    return rows


def _value(value):
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is date:
        return datetime(value.year, value.month, value.day)
    return value
