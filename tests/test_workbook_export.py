"""Export, list export and template: same sheets and columns, cells typed right, formulas neutralised."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
import xlsxwriter

from registry.models import Actor, Contact, Initiative
from registry.workbook import columns as cols
from registry.workbook.exporter import export_query, export_registry, write_template
from tests.factories import make_actor, make_contact, make_initiative, make_partnership
from tests.workbook_helpers import load_demo, run

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def export(session, include_personal=True):
    out = io.BytesIO()
    counts = export_registry(session, out, include_personal=include_personal)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue())), counts, out.getvalue()


def column(ws, header):
    headers = [c.value for c in ws[1]]
    return [row[headers.index(header)] for row in ws.iter_rows(min_row=2)]


@pytest.mark.parametrize("text", ["=1+1", "+33 3 20", "-moins", "@SOMME(A1)", "\tTab", "\rRetour", '=HYPERLINK("x")'])
def test_export_formula_like_text_stays_text(session, text):
    make_actor(session, name="Atelier")
    session.execute(sa.update(Actor).values(description=text))  # as stored, even with a leading tab
    session.commit()
    wb, _counts, _raw = export(session)
    cell = column(wb["Acteurs"], "Description")[0]
    # XML parsers read a raw carriage return as a line feed: the text is the same up to line endings.
    assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")


def test_export_raw_xml_has_no_formula(session):
    make_actor(session, name="Atelier", description="=1+1")
    session.commit()
    import zipfile

    _wb, _counts, raw = export(session)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in sheets and b"<f " not in sheets


def test_export_numbers_dates_and_amounts_are_typed(session):
    a = make_actor(session, name="Atelier", employees=12, latitude=50.63, longitude=3.06, esus_date=date(2024, 1, 15))
    make_partnership(session, a, amount=Decimal("47800.20"), convention_date=date(2025, 3, 1))
    session.commit()
    wb, _counts, _raw = export(session)
    employees = column(wb["Acteurs"], "Salariés")[0]
    assert employees.data_type == "n" and employees.value == 12
    assert column(wb["Acteurs"], "Latitude")[0].value == pytest.approx(50.63)
    esus = column(wb["Acteurs"], "Agrément ESUS")[0]
    assert esus.is_date and esus.value == datetime(2024, 1, 15) and esus.number_format == "DD/MM/YYYY"
    amount = column(wb["Partenariats"], "Montant (€)")[0]
    assert amount.data_type == "n" and amount.value == pytest.approx(47800.2) and "€" in amount.number_format
    siret = column(wb["Acteurs"], "SIRET")[0]
    assert siret.value is None or siret.data_type == "s"


def test_export_layout_header_filter_freeze_notice_lists(session):
    load_demo(session)
    wb, counts, _raw = export(session)
    assert wb.sheetnames == ["Notice", *[s.name for s in cols.SHEETS], "Listes"]
    assert counts["Acteurs"] == 44
    ws = wb["Acteurs"]
    assert [c.value for c in ws[1]] == cols.ACTORS.headers and ws["A1"].font.b
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:Y{44 + 1}"
    assert ws.column_dimensions["B"].width >= 30
    status = next(v for v in ws.data_validations.dataValidation if "W" in str(v.sqref))
    assert status.formula1.startswith("Listes!") or status.formula1.startswith("=Listes!")
    lists = wb["Listes"]
    titles = [c.value for c in lists[1]]
    assert "Acteurs — Statut" in titles
    assert [c.value for c in lists[get_letter(titles.index("Acteurs — Statut"))][1:4]] == [
        "Actif",
        "Inactif",
        "Archivé",
    ]


def get_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def test_export_without_personal_data_has_no_contacts_sheet(session):
    a = make_actor(session, name="Atelier")
    make_contact(session, a, full_name="Camille Privée", email="camille@example.org")
    session.commit()
    wb, counts, raw = export(session, include_personal=False)
    assert "Contacts" not in wb.sheetnames and "Contacts" not in counts
    assert b"camille@example.org" not in raw and "Camille" not in str([c.value for ws in wb for r in ws for c in r])


def test_export_query_follows_filters(session):
    make_initiative(session, title="Jardin partagé")
    make_initiative(session, title="Atelier vélo")
    session.commit()
    out = io.BytesIO()
    query = sa.select(Initiative).where(Initiative.title.like("%vélo%"))
    assert export_query(session, "Initiatives", query, out, include_personal=False) == 1
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert wb.sheetnames == ["Notice", "Initiatives", "Listes"]
    assert [r[1] for r in wb["Initiatives"].iter_rows(min_row=2, values_only=True)] == ["Atelier vélo"]
    with pytest.raises(PermissionError):
        export_query(session, cols.CONTACTS, sa.select(Contact), io.BytesIO(), include_personal=False)


def test_template_is_empty_with_notice_lists_and_dropdowns(session):
    out = io.BytesIO()
    write_template(session, out)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert wb.sheetnames == ["Notice", *[s.name for s in cols.SHEETS], "Listes"]
    assert all(wb[s.name].max_row == 1 for s in cols.SHEETS)
    notice = " ".join(str(c.value) for r in wb["Notice"] for c in r if c.value)
    assert "Nom*" in notice and "Une cellule vide efface le champ" in notice
    assert "Acteur et nom complet" in notice and "Programme, début et fin de période" in notice
    kinds = {str(v.sqref).split(":")[0] for v in wb["Partenariats"].data_validations.dataValidation}
    assert {"C2", "M2", "N2", "O2"} <= kinds  # Type, Nature, Versement, Statut
    # Filled in and imported, the template works.
    ws = wb["Acteurs"]
    ws.append(["", "Atelier du modèle", "Association déclarée"])
    filled = io.BytesIO()
    wb.save(filled)
    report = run(session, filled.getvalue())
    assert report.applied, report.to_text()


def test_export_streams_in_write_only_mode(session, monkeypatch):
    created = []
    real = openpyxl.Workbook

    def spy(*args, **kwargs):
        created.append(kwargs.get("write_only"))
        return real(*args, **kwargs)

    monkeypatch.setattr("registry.workbook.exporter.Workbook", spy)
    export_registry(session, io.BytesIO(), include_personal=True)
    assert created == [True]


def test_import_xlsxwriter_workbook(session):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Acteurs")
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for c, header in enumerate(["Réf.", "Nom*", "Forme juridique*", "Agrément ESUS", "Salariés", "Axes", "Publié"]):
        sheet.write(0, c, header)
    sheet.write_string(1, 0, "atelier-xlsxwriter")
    sheet.write_string(1, 1, "Atelier XlsxWriter")
    sheet.write_string(1, 2, "SCOP")
    sheet.write_datetime(1, 3, datetime(2023, 6, 1), date_format)
    sheet.write_number(1, 4, 7)
    sheet.write_formula(1, 5, '="former"&";"&"consommer"', None, "former;consommer")
    sheet.write_boolean(1, 6, True)
    book.close()
    report = run(session, out.getvalue())
    assert report.applied, report.to_text()
    a = session.scalar(sa.select(Actor))
    assert (a.slug, a.legal_form.code, a.esus_date, a.employees, a.published) == (
        "atelier-xlsxwriter",
        "scop",
        date(2023, 6, 1),
        7,
        True,
    )
    assert {x.code for x in a.axes} == {"former", "consommer"}


def test_import_libreoffice_saved_export(session):
    """The demo export opened and saved by LibreOffice Calc (fixture) imports back with zero changes."""
    data = (FIXTURES / "libreoffice_export.xlsx").read_bytes()
    fresh = run(session, data, dry_run=True)
    assert fresh.ok and fresh.counts["Acteurs"].new == 44, fresh.to_text()
    load_demo(session)
    report = run(session, data, dry_run=True)
    assert report.ok and report.changes == [], report.to_text()
