"""Write registry workbooks: the full export, one list's export, the empty template, the errors of a preview.

Every workbook is written in openpyxl's write-only mode (rows go to disk as they come: bounded memory) from
the column specs, so it imports back unchanged. Text that a spreadsheet would run as a formula is written
as a string cell (data type ``s``), never as a formula; numbers stay numbers, dates are date cells and
amounts carry a euro format. Rows come in French alphabetical order of their names (``ordering``), except
a list view's export, which keeps the list's sort; every sheet prints on landscape pages fitted to the width,
its header row repeated (``printing``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import orm as so

from registry.models import Actor
from registry.services.outputs.spreadsheet import finish_sheet, is_formula_like, start_sheet
from registry.services.reference.matching import ReferenceData
from registry.workbook import columns as cols
from registry.workbook.actor_rows import actor_rows
from registry.workbook.columns import SheetSpec
from registry.workbook.index import LOAD_OPTIONS
from registry.workbook.notice import notice_rows
from registry.workbook.ordering import in_order, sorted_ids
from registry.workbook.printing import finish as finish_printing
from registry.workbook.printing import prepare as prepare_printing

YIELD_PER = 1000
#: Drop-down lists cover this many rows below the last one, for rows an officer adds.
VALIDATION_MARGIN = 2000
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


class SheetWriter:
    """Writes the rows of one sheet: reusable styled cells per column, formula-like text kept as text."""

    def __init__(self, wb: Workbook, spec: SheetSpec, title: str):
        self.spec = spec
        self.ws = wb.create_sheet(spec.name)
        self.rows = 0
        widths = [max(col.kind.width, len(col.header) + 2) for col in spec.columns]
        prepare_printing(self.ws, title, widths)
        start_sheet(self.ws, [col.header for col in spec.columns], widths)
        self._styled = {}
        for number, col in enumerate(spec.columns):
            if col.kind.number_format:
                cell = WriteOnlyCell(self.ws)
                cell.number_format = col.kind.number_format
                self._styled[number] = cell
        self._text_cell = WriteOnlyCell(self.ws)

    def _cell(self, number: int, value):
        if value is None:
            return None
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if is_formula_like(value):
                cell = self._text_cell
                cell.value = value
                cell.data_type = "s"  # openpyxl would otherwise write "=..." as a formula
                return cell
            return value
        if isinstance(value, datetime):
            value = value.date()
        styled = self._styled.get(number)
        if styled is not None and not isinstance(value, bool):
            styled.value = value
            return styled
        return value

    def write(self, record) -> None:
        self.ws.append([self._cell(i, col.to_cell(record)) for i, col in enumerate(self.spec.columns)])
        self.rows += 1

    def finish(self, lists: dict[tuple[str, str], str]) -> None:
        """Autofilter and print area over the rows written, drop-downs on the single-value enumerated columns."""
        finish_sheet(self.ws, len(self.spec.columns), self.rows)
        finish_printing(self.ws, len(self.spec.columns), self.rows + 1)
        for number, col in enumerate(self.spec.columns, start=1):
            formula = lists.get((self.spec.name, col.header))
            if formula is None or col.kind.name.endswith(("_many", "_list")):
                continue
            validation = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle="Valeur inhabituelle",
                error="Cette valeur n'est pas dans la liste (feuille « Listes ») : vérifiez-la.",
            )
            letter = get_column_letter(number)
            validation.add(f"{letter}2:{letter}{self.rows + VALIDATION_MARGIN}")
            self.ws.data_validations.append(validation)


def _records(session: so.Session, spec: SheetSpec, query=None, *, keep_order: bool = False) -> Iterable:
    """The records of one sheet: those ``query`` selects (all when None), in French order of their names, or
    in the query's own order with ``keep_order`` (a back-office list's sort)."""
    if keep_order and query is not None:
        if spec.model is Actor:
            return actor_rows(session, query)  # the largest sheet: read without the ORM
        query = query.options(*LOAD_OPTIONS.get(spec.model, ()))
        return session.scalars(query.execution_options(yield_per=YIELD_PER))
    ids = sorted_ids(session, spec.model, query)
    if spec.model is Actor:
        return actor_rows(session, ids)
    return in_order(session, spec.model, ids, LOAD_OPTIONS.get(spec.model, ()), YIELD_PER)


def _new_workbook() -> Workbook:
    wb = Workbook(write_only=True)
    wb.properties.creator = "Registre de l'ESS — Ville de Lille"
    return wb


def _write_lists(
    wb: Workbook, session: so.Session, specs: Iterable[SheetSpec], title: str
) -> dict[tuple[str, str], str]:
    """The Listes sheet (allowed values of every enumerated column); returns the range of each list."""
    refdata = ReferenceData(session)
    ws = wb.create_sheet(cols.LISTS_SHEET)
    columns = [(spec, col, col.choices(refdata)) for spec in specs for col in spec.columns if col.choices]
    prepare_printing(ws, title, [28] * len(columns), key_columns=None)  # lists side by side, unrelated
    for number in range(1, len(columns) + 1):
        ws.column_dimensions[get_column_letter(number)].width = 28
    header = []
    for spec, col, _values in columns:
        cell = WriteOnlyCell(ws, value=f"{spec.name} — {col.header}")
        cell.font = BOLD
        header.append(cell)
    ws.append(header)
    longest = max((len(v) for _s, _c, v in columns), default=0)
    for i in range(longest):
        ws.append([values[i] if i < len(values) else None for _s, _c, values in columns])
    finish_printing(ws, len(columns), longest + 1)
    ranges = {}
    for number, (spec, col, values) in enumerate(columns, start=1):
        letter = get_column_letter(number)
        ranges[(spec.name, col.header)] = f"={cols.LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _write_notice(wb: Workbook, specs: list[SheetSpec], title: str) -> None:
    ws = wb.create_sheet(cols.NOTICE_SHEET)
    widths = (28, 14, 90)
    prepare_printing(ws, title, widths)
    for letter, width in zip("ABC", widths, strict=True):
        ws.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = notice_rows(specs, title)
    # Titles are single cells left unwrapped: they run on over the empty cells beside them. A wrapped text
    # gets a row as tall as its lines, since not every reader sizes rows itself (LibreOffice does not).
    ws.row_dimensions[1].height = 24
    for number, row in enumerate(rows, start=1):
        lines = max((-(-len(str(v)) // int(w * 1.1)) for v, w in zip(row, widths, strict=False) if v), default=1)
        if len(row) > 1 and lines > 1:
            ws.row_dimensions[number].height = 15 * lines
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value)
            if len(row) == 1:
                cell.font = TITLE if number == 1 else BOLD
            else:
                cell.alignment = wrap
            cells.append(cell)
        ws.append(cells)
    finish_printing(ws, 3, len(rows), header_row=False)


def _specs(include_personal: bool, only: SheetSpec | None = None) -> list[SheetSpec]:
    specs = [only] if only is not None else list(cols.SHEETS)
    return [s for s in specs if include_personal or not s.personal]


def export_registry(session: so.Session, fp: BinaryIO, *, include_personal: bool) -> dict[str, int]:
    """The whole registry as one workbook (no Contacts sheet without ``include_personal``); rows per sheet."""
    parts = [(spec, None) for spec in _specs(include_personal)]
    return export_queries(session, parts, fp, include_personal=include_personal, title="Export du registre de l'ESS")


def export_query(session: so.Session, sheet: SheetSpec | str, query, fp: BinaryIO, *, include_personal: bool) -> int:
    """The rows of ``query`` (a ``select`` of the sheet's model, e.g. an admin list's filters, search and sort)
    in its order, as a workbook of that one sheet, with its Notice and Listes; returns the number of rows."""
    spec = sheet if isinstance(sheet, SheetSpec) else cols.SHEETS_BY_KEY[cols.header_key(sheet)]
    counts = export_queries(
        session,
        [(spec, query)],
        fp,
        include_personal=include_personal,
        title=f"Export « {spec.name} »",
        keep_order=True,
    )
    return counts[spec.name]


def export_queries(
    session: so.Session,
    parts: list[tuple[SheetSpec, object]],
    fp: BinaryIO,
    *,
    include_personal: bool,
    title: str,
    keep_order: bool = False,
) -> dict[str, int]:
    """Several sheets, each holding the rows of its ``select`` (e.g. one organisation's profile, contacts and
    partnerships; None: every record), with the Notice and Listes; returns the rows per sheet. Rows are in
    French order of their names, or in each query's own order with ``keep_order``."""
    if any(spec.personal for spec, _q in parts) and not include_personal:
        raise PermissionError("Les contacts (données personnelles) ne sont exportés que pour les agents.")
    specs = [spec for spec, _q in parts]
    wb = _new_workbook()
    title = f"{title} du {date.today():%d/%m/%Y}"
    _write_notice(wb, specs, title)
    writers = []
    for spec, query in parts:
        writer = SheetWriter(wb, spec, title)
        for record in _records(session, spec, query, keep_order=keep_order):
            writer.write(record)
        writers.append(writer)
    lists = _write_lists(wb, session, specs, title)
    for writer in writers:
        writer.finish(lists)
    wb.save(fp)
    return {w.spec.name: w.rows for w in writers}


def write_template(session: so.Session, fp: BinaryIO, *, include_personal: bool = True) -> None:
    """The empty workbook to fill in: every sheet with its headers, the Notice, the Listes and drop-downs."""
    specs = _specs(include_personal)
    wb = _new_workbook()
    title = "Modèle de classeur du registre de l'ESS"
    _write_notice(wb, specs, title)
    writers = [SheetWriter(wb, spec, title) for spec in specs]
    lists = _write_lists(wb, session, specs, title)
    for writer in writers:
        writer.finish(lists)
    wb.save(fp)


def record_export(session: so.Session, *, user, source: str, label: str) -> None:
    """Audit an export (who, when, what); the caller commits."""
    from registry.models import AuditAction
    from registry.services.history.audit import record_event

    record_event(
        session, action=AuditAction.EXPORT, source=source, user=user, entity_type="Workbook", entity_label=label
    )


def write_error_workbook(data: bytes, report, fp: BinaryIO) -> None:
    """The rows in error of an uploaded workbook, as they were, with a « Erreurs » column to fix them by,
    plus an « Erreurs » sheet listing every error (sheet, row, column, value, message)."""
    from registry.workbook.reader import WorkbookRejected, read_sheets

    by_row: dict[tuple[str, int], list[str]] = {}
    for e in report.errors:
        if e.row:
            by_row.setdefault((e.sheet, e.row), []).append(f"{e.column} : {e.message}" if e.column else e.message)
    wb = _new_workbook()
    summary = wb.create_sheet("Erreurs")
    for letter, width in zip("ABCDE", (20, 8, 22, 30, 90), strict=True):
        summary.column_dimensions[letter].width = width
    summary.append([_bold(summary, h) for h in ("Feuille", "Ligne", "Colonne", "Valeur", "Message")])
    for e in report.errors:
        summary.append([_text(summary, v) for v in (e.sheet, e.row, e.column, e.value, e.message)])
    try:
        _names, sheets = read_sheets(data, wanted=lambda n: any(s == n for s, _r in by_row), max_rows=10**7)
    except WorkbookRejected:
        sheets = []
    for raw in sheets:
        if not raw.rows:
            continue
        ws = wb.create_sheet(raw.name[:31])
        header = raw.rows[0][1]
        width = max(max(values) for _n, values in raw.rows)
        ws.append([_bold(ws, "Erreurs"), *[_bold(ws, header.get(c)) for c in range(1, width + 1)]])
        for number, values in raw.rows[1:]:
            messages = by_row.get((raw.name, number))
            if messages:
                cells = [_text(ws, values.get(c)) for c in range(1, width + 1)]
                ws.append([_text(ws, f"Ligne {number} — " + " ; ".join(messages)), *cells])
    wb.save(fp)


def _bold(ws, value):
    cell = _text(ws, value)
    cell.font = BOLD
    return cell


def _text(ws, value):
    """A cell for any value from a workbook or a report: formula-like text stays text."""
    cell = WriteOnlyCell(ws)
    if value is None:
        return cell
    if not isinstance(value, str | int | float | date | datetime):
        value = str(value)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
    if isinstance(value, str) and is_formula_like(value):
        cell.data_type = "s"
    return cell
