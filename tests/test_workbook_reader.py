"""The two readers: python-calamine reads plain workbooks exactly as the streaming openpyxl reader does, and
leaves every other workbook to it."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils import get_column_letter

from registry.services.reference.normalize import parse_date
from registry.workbook import reader
from registry.workbook.cells import as_text
from registry.workbook.fast_reader import read_sheets_fast
from tests.workbook_helpers import DEMO

pytestmark = pytest.mark.no_database

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def everything(_name: str) -> bool:
    return True


def both(data: bytes):
    """(fast, full) readings of the same bytes."""
    reader.check_archive(data)
    fast = read_sheets_fast(data, wanted=everything, max_rows=1000, max_empty_run=reader.MAX_EMPTY_RUN)
    full = reader.read_sheets_full(data, wanted=everything, max_rows=1000)
    return fast, full


def as_plain(result):
    names, sheets = result
    return names, [(s.name, s.rows) for s in sheets] if sheets and hasattr(sheets[0], "rows") else sheets


def assert_same(data: bytes) -> None:
    fast, full = both(data)
    assert fast is not None, "calamine should read this workbook"
    names, sheets = fast
    assert names == full[0]
    assert sheets == [(s.name, s.rows) for s in full[1]]
    assert all(not s.hidden_rows and not s.merged and s.stopped_at is None for s in full[1])


VALUES = [
    ["Texte", "Entier", "Décimal", "Date", "Date et heure", "Booléen", "Heure", "Vide", "Espaces"],
    ["Régie de quartier", 42, 1234.56, date(2024, 3, 1), datetime(2024, 3, 1, 14, 30), True, time(9, 15), None, " x "],
    ["=SOMME(A1:A2)", -7, 0.1, date(1900, 3, 1), datetime(2099, 12, 31, 23, 59, 59), False, None, "", "   "],
    ["œ ç € 😀 « » l'été\nligne 2", 10**15, 1e-7, date(2100, 1, 1), None, None, None, None, "tab\tin"],
    [None, None, None, None, None, None, None, None, None],
    ["après une ligne vide", 0, -0.0, None, None, None, None, None, None],
]


def test_openpyxl_workbook_of_every_type_reads_the_same():
    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    for row in VALUES:
        ws.append(row)
    ws["A2"].data_type = "s"  # text that looks like a formula, as the export writes it
    ws["A3"].data_type = "s"
    other = wb.create_sheet("Partenariats")
    other.append(["Montant", "Objet"])
    other.append([23000, "Aide au démarrage"])
    other["D10"] = "loin, seul"
    out = io.BytesIO()
    wb.save(out)
    assert_same(out.getvalue())


def test_xlsxwriter_workbook_with_shared_and_rich_strings_reads_the_same():
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Acteurs")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, ["Nom*", "Montant", "Date", "Riche", "Texte nombre"])
    sheet.write_string(1, 0, "Atelier")
    sheet.write_number(1, 1, 1500.5)
    sheet.write_datetime(1, 2, datetime(2023, 6, 30), dates)
    sheet.write_rich_string(1, 3, "texte ", bold, "en gras", " et normal")
    sheet.write_string(1, 4, "00123")
    sheet.write_string(2, 0, "Atelier")  # a shared string used twice
    sheet.write_boolean(2, 1, True)
    book.close()
    assert_same(out.getvalue())


def test_inline_strings_read_the_same():
    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    ws.append(["Nom*", "Note"])
    ws.append(["Atelier", CellRichText("a ", TextBlock(InlineFont(b=True), "gras"))])
    out = io.BytesIO()
    wb.save(out)
    assert_same(out.getvalue())


@pytest.mark.parametrize("cells", [["C3"], ["A1", "B2"], ["B5", "E9", "A12"], ["A3"], ["D1", "B2"]])
def test_cells_away_from_a1_read_at_the_same_place(cells):
    """calamine gives its rows from row 1 but its cells from the first filled column: both readings agree."""
    wb = Workbook()
    wb.active.title = "Acteurs"
    for coordinate in cells:
        wb.active[coordinate] = f"valeur {coordinate}"
    out = io.BytesIO()
    wb.save(out)
    assert_same(out.getvalue())
    fast, _full = both(out.getvalue())
    [(_name, rows)] = fast[1]
    found = {f"{get_column_letter(column)}{number}" for number, values in rows for column in values}
    assert found == set(cells)


@pytest.mark.parametrize("path", [DEMO, FIXTURES / "libreoffice_export.xlsx"], ids=["demo", "libreoffice"])
def test_demo_and_libreoffice_workbooks_read_the_same(path):
    assert_same(path.read_bytes())


def _sheet_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def _rezip(data: bytes, sheet: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = sheet if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename)
            dst.writestr(info.filename, content)
    return out.getvalue()


def _book(*rows, edit=None) -> bytes:
    """A workbook of one "Acteurs" sheet holding these rows, ``edit(sheet)`` applied, as bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    for row in rows:
        ws.append(row)
    if edit is not None:
        edit(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _plain_book() -> bytes:
    return _book(["Nom*", "Salariés"], ["Atelier", 3], ["Ressourcerie", 5])


def _merged() -> bytes:
    return _book(["Nom*", "Salariés"], ["Atelier", 3], edit=lambda ws: ws.merge_cells("A2:B2"))


def _hidden_row() -> bytes:
    return _book(["Nom*"], ["Atelier"], edit=lambda ws: setattr(ws.row_dimensions[2], "hidden", True))


def _formula() -> bytes:
    return _book(["Nom*", "Total"], ["Atelier", "=1+2"])


def _edited(old: bytes, new: bytes) -> bytes:
    data = _plain_book()
    sheet = _sheet_xml(data)
    assert old in sheet
    return _rezip(data, sheet.replace(old, new, 1))


@pytest.mark.parametrize(
    "make",
    [
        _merged,
        _hidden_row,
        _formula,
        lambda: _edited(b'<c r="B2" t="n">', b'<c r="B2" t="e">'),  # an error cell (#N/A…)
        lambda: _edited(b'<c r="B2"', b'<c r="BA2"'),  # beyond column AZ
        lambda: _edited(b'<c r="B2"', b'<c r="XFD2"'),
        lambda: _edited(b'<c r="B2"', b'<c r="B1048576"'),  # a single far-away cell
        lambda: _edited(b'<c r="B2"', b'<c r="B250000"'),
        lambda: _edited(b'<c r="B2"', b"<c"),  # a cell without reference
        lambda: _edited(b'<c r="B2"', b'<c t="n" r="B2"'),  # reference not first: counted as unknown
        lambda: _edited(
            b"<worksheet", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ),
    ],
    ids=[
        "merged",
        "hidden-row",
        "formula",
        "error-cell",
        "column-BA",
        "column-XFD",
        "row-1048576",
        "row-250000",
        "no-reference",
        "reference-not-first",
        "prefixed-namespace",
    ],
)
def test_what_calamine_must_not_read_goes_to_the_full_reader(make):
    data = make()
    reader.check_archive(data)
    assert read_sheets_fast(data, wanted=everything, max_rows=1000, max_empty_run=reader.MAX_EMPTY_RUN) is None
    try:  # the full reader reads it, or explains in French why it cannot
        reader.read_sheets(data, wanted=everything, max_rows=1000)
    except reader.WorkbookRejected as exc:
        assert "feuille" in exc.message


def test_the_plain_book_is_read_by_calamine():
    """The cases above are refused for what they contain, not because calamine refuses everything."""
    assert _edited(b'<c r="B2"', b'<c r="AZ2"')  # column AZ is still fine
    assert_same(_edited(b'<c r="B2"', b'<c r="AZ2"'))
    assert_same(_plain_book())


def test_a_long_run_of_empty_rows_before_more_data_goes_to_the_full_reader():
    """The full reader counts the empty rows the file holds (none here: it reads on); calamine's grid would
    count rows the file does not hold, so it leaves the decision to the full reader."""
    far = reader.MAX_EMPTY_RUN + 10
    data = _book(["Nom*"], ["Atelier"], edit=lambda ws: ws.cell(row=far, column=1, value="plus loin"))
    assert read_sheets_fast(data, wanted=everything, max_rows=1000, max_empty_run=reader.MAX_EMPTY_RUN) is None
    _names, [sheet] = reader.read_sheets(data, wanted=everything, max_rows=1000)
    assert [n for n, _v in sheet.rows] == [1, 2, far]


def test_too_many_rows_go_to_the_full_reader_which_refuses_them():
    data = _book(*[[f"ligne {n}"] for n in range(12)])
    assert read_sheets_fast(data, wanted=everything, max_rows=10, max_empty_run=reader.MAX_EMPTY_RUN) is None
    with pytest.raises(reader.WorkbookRejected, match="Trop de lignes"):
        reader.read_sheets(data, wanted=everything, max_rows=10)


@pytest.mark.parametrize(
    "cell",
    [b'<c r="B2" t="d"><v>2024-03-01</v></c>', b'<c r="B2" t="n"><v>3.0</v></c>', b'<c r="B2" t="n"><v>1E3</v></c>'],
    ids=["iso-date-cell", "whole-number-with-decimals", "exponent"],
)
def test_where_the_readings_differ_in_type_the_cells_read_alike(cell):
    """calamine cannot tell <v>3.0</v> from <v>3</v> (Excel writes the latter), nor an ISO date cell (t="d",
    rare) from a date serial: the types differ from openpyxl's there, what the cell parsers make of them does not."""
    fast, full = both(_edited(b'<c r="B2" t="n"><v>3</v></c>', cell))
    quick, slow = fast[1][0][1][1][1][2], full[1][0].rows[1][1][2]
    assert as_text(quick) == as_text(slow)
    if isinstance(slow, date):
        assert parse_date(quick) == parse_date(slow)
