"""Bad input (SECURITY.md 21–26): each file gets a clear French message and changes nothing."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from registry.models import Actor, ImportBatch
from registry.workbook import reader
from tests.workbook_helpers import actor, actors_sheet, run, xlsx

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def assert_refused(session, data: bytes, *fragments: str, **kwargs):
    """The import reports an error containing every fragment, and nothing is written."""
    report = run(session, data, **kwargs)
    assert not report.ok and not report.applied
    text = " ".join(e.message for e in report.errors)
    for fragment in fragments:
        assert fragment in text, text
    assert session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0
    return report


def saved(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    """A copy of an .xlsx with some entries replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


GOOD = xlsx({"Acteurs": actors_sheet(actor(1))})


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"Nom;Pr\xc3\xa9nom\nAtelier;association\n", "ne sont ceux d'aucune feuille du registre"),
        (b"<!DOCTYPE html><html><body><table><tr><td>Nom</td></tr></table></body></html>", "page web (HTML)"),
        (bytes(range(256)) * 40, "n'est ni un classeur (.xlsx, .ods, .xls) ni un fichier CSV lisible"),
        (reader.OLE_MAGIC + b"\x00" * 4000, "endommagé"),
        (b"", "Le fichier est vide"),
        (GOOD[: len(GOOD) // 2], "endommagé"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "document PDF"),
    ],
    ids=["csv", "html", "random", "renamed-xls", "empty-file", "truncated", "pdf"],
)
def test_import_refuses_what_is_not_an_xlsx(session, data, fragment):
    assert_refused(session, data, fragment)


def test_import_refuses_password_protected_workbook(session):
    assert_refused(session, (FIXTURES / "password_protected.xlsx").read_bytes(), "protégé par un mot de passe")


def test_import_refuses_macro_workbook(session):
    content_types = (
        zipfile.ZipFile(io.BytesIO(GOOD))
        .read("[Content_Types].xml")
        .replace(reader.XLSX_MAIN.encode(), b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    )
    xlsm = rezip(GOOD, {"[Content_Types].xml": content_types}, {"xl/vbaProject.bin": b"\x00" * 512})
    assert_refused(session, xlsm, "macros (.xlsm)")


def test_import_refuses_other_zip_files(session):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    # an OpenDocument spreadsheet is read (tests/test_workbook_formats.py); this one has no sheet
    assert_refused(session, out.getvalue(), "endommagé")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("photo.jpg", b"\xff\xd8\xff")
    assert_refused(session, out.getvalue(), "n'est pas un classeur Excel")


def test_import_refuses_empty_workbook(session):
    wb = Workbook()
    wb.active.title = "Feuil1"
    assert_refused(session, saved(wb), "aucune des feuilles attendues")
    assert_refused(session, xlsx({"Acteurs": [["Nom*", "Forme juridique*"]]}), "aucune ligne à importer")


def test_import_refuses_missing_required_columns(session):
    report = assert_refused(session, xlsx({"Acteurs": [["Nom", "SIRET"], ["Atelier", None]]}), "Forme juridique*")
    assert (report.errors[0].sheet, report.errors[0].row) == ("Acteurs", 1)


def test_import_refuses_header_on_another_row(session):
    rows = [["Liste des acteurs 2025"], [], ["Nom*", "Forme juridique*"], ["Atelier", "association"]]
    report = assert_refused(session, xlsx({"Acteurs": rows}), "sur la ligne 1 ; ils sont sur la ligne 3")
    assert report.errors[0].row == 3


def test_import_refuses_zip_bomb_before_parsing(session):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(GOOD)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content + b" " * (64 * 1024 * 1024)
            dst.writestr(info.filename, content)
    started = time.perf_counter()
    assert_refused(session, out.getvalue(), "bombe")
    assert time.perf_counter() - started < 5


def test_import_refuses_too_many_zip_entries(session):
    extra = {f"xl/media/image{i}.png": b"x" for i in range(reader.MAX_ENTRIES + 1)}
    assert_refused(session, rezip(GOOD, {}, extra), "éléments compressés")


SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>Nom*</t></is></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>%s</t></is></c></row></sheetData></worksheet>'
)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' + SHEET % b"&lol3;"
)
EXTERNAL_ENTITY = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + SHEET % b"&xxe;"


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_import_refuses_xml_entities(session, payload):
    assert_refused(session, rezip(GOOD, {"xl/worksheets/sheet1.xml": payload}), "déclarations XML")


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_import_refuses_xml_entities_behind_a_long_comment(session, part):
    """A DTD after 8 KB of comment escapes the first look at each part; defusedxml still refuses it."""
    original = zipfile.ZipFile(io.BytesIO(GOOD)).read(part)
    body = original.split(b"?>", 1)[1] if original.startswith(b"<?xml") else original
    dtd = b'<!DOCTYPE x [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    payload = b'<?xml version="1.0"?><!--' + b"x" * 8192 + b"-->" + dtd + body
    report = run(session, rezip(GOOD, {part: payload}))
    assert not report.ok and not report.applied
    assert "refusé par sécurité" in report.errors[0].message or "endommagé" in report.errors[0].message
    assert session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 0


@pytest.mark.no_database
@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_openpyxl_parses_with_defusedxml(payload):
    """Even without our own check, openpyxl refuses entity declarations: it parses with defusedxml."""
    from defusedxml import EntitiesForbidden

    assert openpyxl.DEFUSEDXML is True
    data = io.BytesIO(rezip(GOOD, {"xl/worksheets/sheet1.xml": payload}))
    with pytest.raises((EntitiesForbidden, ValueError)) as caught:
        list(openpyxl.load_workbook(data, read_only=True)["Acteurs"].iter_rows(values_only=True))
    error = caught.value
    assert isinstance(error, EntitiesForbidden) or isinstance(error.__cause__, EntitiesForbidden)


def test_import_refuses_too_many_rows_before_reading_them_all(session):
    rows = actors_sheet(*[actor(n) for n in range(1, 31)])
    assert_refused(session, xlsx({"Acteurs": rows}), "Trop de lignes", max_rows=20)


def test_import_dates_out_of_range_are_errors(session):
    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    ws.append(["Réf.", "Nom*", "Forme juridique*", "Agrément ESUS"])
    ws.append(["a", "A", "association", "31/12/1850"])
    ws.append(["b", "B", "association", datetime(2150, 1, 1)])
    ws.append(["c", "C", "association", "30/02/2024"])
    ws.append(["d", "D", "association", 9_999_999])
    ws["D5"].number_format = "DD/MM/YYYY"  # a serial beyond year 9999
    report = assert_refused(session, saved(wb), "Date hors limites", "Date inexistante")
    assert {e.row for e in report.errors} == {2, 3, 4, 5} and {e.column for e in report.errors} == {"Agrément ESUS"}


def test_import_formula_without_cached_value_is_an_error(session):
    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    ws.append(["Nom*", "Forme juridique*", "Salariés"])
    ws.append(["Atelier", "association", "=2+3"])  # openpyxl stores no computed value
    report = assert_refused(session, saved(wb), "Formule sans valeur calculée")
    assert (report.errors[0].row, report.errors[0].column) == (2, "Salariés")


def test_import_uses_the_cached_value_of_a_formula(session):
    data = rezip(
        xlsx({"Acteurs": [["Nom*", "Forme juridique*", "Salariés"], ["Atelier", "association", 0]]}),
        {},
    )
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b'<c r="C2" t="n"><v>0</v></c>', b'<c r="C2"><f>2+3</f><v>5</v></c>')
    report = run(session, rezip(data, {"xl/worksheets/sheet1.xml": sheet}))
    assert report.applied, report.to_text()
    assert session.scalar(sa.select(Actor.employees)) == 5


def test_import_refuses_merged_cells(session):
    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    ws.append(["Nom*", "Forme juridique*", "Commune"])
    ws.append(["Atelier", "association", "Lille"])
    ws.append(["Atelier 2", "association", None])
    ws.merge_cells("C2:C3")
    report = assert_refused(session, saved(wb), "Cellules fusionnées")
    assert (report.errors[0].row, report.errors[0].value) == (2, "C2:C3")


def test_import_refuses_hidden_rows(session):
    wb = Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    for row in actors_sheet(actor(1), actor(2), actor(3)):
        ws.append(row)
    ws.row_dimensions[3].hidden = True
    report = assert_refused(session, saved(wb), "Ligne masquée")
    assert [e.row for e in report.errors] == [3]


def test_import_ignores_a_dimension_of_a_million_rows(session):
    data = xlsx({"Acteurs": actors_sheet(actor(1))})
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:Y1048576"/>')
    started = time.perf_counter()
    report = run(session, rezip(data, {"xl/worksheets/sheet1.xml": sheet}))
    assert report.applied and time.perf_counter() - started < 5


def _with_empty_rows(data: bytes, count: int, then: bytes = b"") -> bytes:
    """The workbook with ``count`` formatted empty rows after its data (as LibreOffice writes), then ``then``."""
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    empty = b"".join(
        b'<row r="%d" customFormat="false" ht="12.8" hidden="false"><c r="A%d" s="0"/></row>' % (r, r)
        for r in range(3, count + 3)
    )
    return rezip(data, {"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", empty + then + b"</sheetData>")})


def test_import_reads_past_thousands_of_trailing_empty_rows(session):
    data = _with_empty_rows(xlsx({"Acteurs": actors_sheet(actor(1))}), 200_000)
    started = time.perf_counter()
    report = run(session, data)
    assert report.applied and time.perf_counter() - started < 10
    assert report.counts_dict()["Acteurs"]["new"] == 1 and not report.warnings


def test_import_stops_after_thousands_of_empty_rows_and_says_so(session):
    late = b'<row r="200003"><c r="A200003" t="inlineStr"><is><t>acteur-tard</t></is></c></row>'
    data = _with_empty_rows(xlsx({"Acteurs": actors_sheet(actor(1))}), 200_000, then=late)
    started = time.perf_counter()
    report = run(session, data)
    assert report.applied and time.perf_counter() - started < 10
    assert report.counts_dict()["Acteurs"]["new"] == 1
    assert "Lecture arrêtée à la ligne 10002" in report.warnings[0].message


def test_import_unknown_sheets_and_columns_are_warnings(session):
    rows = actors_sheet(actor(1, **{"Commentaire interne": "x"}))
    report = run(session, xlsx({"Acteurs": rows, "Brouillon": [["a"]], "Notice": [["Lisez-moi"]]}))
    assert report.applied
    assert {(w.sheet, w.column) for w in report.warnings} == {("Acteurs", "Commentaire interne"), ("Brouillon", "")}


def test_import_escapes_nothing_but_stores_markup_as_text(session):
    payload = "<img src=x onerror=alert(1)>"
    report = run(session, xlsx({"Acteurs": actors_sheet(actor(1, Description=payload))}))
    assert report.applied and session.scalar(sa.select(Actor.description)) == payload
