"""Build small workbooks for the workbook tests."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook

from registry.workbook.importer import apply_workbook, preview_workbook

DEMO = Path(__file__).resolve().parent.parent / "seed_data" / "demo.xlsx"


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    """A workbook whose sheets hold the given rows (the first row is the header)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def actors_sheet(*rows: dict, headers: list[str] | None = None) -> list[list]:
    """An Acteurs sheet from dicts of header -> value (headers: the union, in order of appearance)."""
    if headers is None:
        headers = []
        for row in rows:
            headers += [h for h in row if h not in headers]
    return [headers, *[[row.get(h) for h in headers] for row in rows]]


def actor(n: int = 1, **cells) -> dict:
    """An Acteurs row: a valid association by default."""
    row = {"Réf.": f"acteur-test-{n}", "Nom*": f"Acteur Test {n}", "Forme juridique*": "Association déclarée"}
    row.update(cells)
    return row


def run(session, data: bytes, *, dry_run: bool = False, filename: str = "test.xlsx", **kwargs):
    """Preview (``dry_run``) or apply workbook bytes; returns the report."""
    if dry_run:
        return preview_workbook(session, data, filename=filename, **kwargs)
    return apply_workbook(session, data, filename=filename, **kwargs)


def load_demo(session):
    """Import the demo workbook (44 actors...)."""
    report = run(session, DEMO.read_bytes(), filename="demo.xlsx")
    assert report.ok and report.applied, report.to_text()
    return report


def edit(data: bytes, changes: dict[tuple[str, str], object]) -> bytes:
    """Change cells given as {(sheet, 'B3'): value} with openpyxl, like an officer in a spreadsheet."""
    wb = load_workbook(io.BytesIO(data))
    for (sheet, coordinate), value in changes.items():
        wb[sheet][coordinate] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(data: bytes, sheet: str, ref: str) -> int:
    """The number of the row whose first cell (Réf.) is ``ref``."""
    ws = load_workbook(io.BytesIO(data), read_only=True)[sheet]
    for number, (first, *_rest) in enumerate(ws.iter_rows(values_only=True), start=1):
        if first == ref:
            return number
    raise LookupError(f"{ref} not in {sheet}")


def field_changes(report) -> set[tuple[str, int, str]]:
    """(sheet, row, header) of every field a preview would change."""
    return {(c.sheet, c.row, header) for c in report.changes for header, _b, _a in c.fields}
