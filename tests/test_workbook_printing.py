"""Workbooks that print and read well: every sheet of every workbook the registry writes carries its print
settings (read back with openpyxl), the Notice's titles do not spill over the next row, and the rows of every
sheet listing records come in French alphabetical order of their names."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from registry.models import Actor, Contact, Initiative, LoanReport
from registry.workbook import columns as cols
from registry.workbook.exporter import export_queries, export_query, export_registry, write_template
from registry.workbook.printing import PAGE_WIDTH, pages_wide
from tests.conftest import AuthActions
from tests.factories import (
    DEFAULT_PASSWORD,
    make_actor,
    make_contact,
    make_initiative,
    make_partnership,
    make_programme,
    make_user,
)
from tests.workbook_helpers import load_demo

#: Created in this order; French order puts accents and case aside: « Économie » files between « eau » and
#: « Ferme », where code points would put it after « Zèbre ».
NAMES = ["Zèbre Solidaire", "Économie Circulaire", "Ferme du Sart", "eau vive", "Abri Côtier", "École Ouverte"]
FRENCH_ORDER = ["Abri Côtier", "eau vive", "École Ouverte", "Économie Circulaire", "Ferme du Sart", "Zèbre Solidaire"]
#: The column of each sheet listing records whose values must come in that order (a new sheet must be added).
NAME_COLUMN = {
    "Acteurs": "Nom*",
    "Contacts": "Acteur*",
    "Initiatives": "Titre*",
    "Programmes de prêt": "Nom*",
    "Bilans de prêts": "Programme*",
    "Partenariats": "Acteur*",
}


def load(raw: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(raw))


def registry_export(session) -> bytes:
    out = io.BytesIO()
    export_registry(session, out, include_personal=True)
    return out.getvalue()


def template(session) -> bytes:
    out = io.BytesIO()
    write_template(session, out)
    return out.getvalue()


def list_export(session) -> bytes:
    out = io.BytesIO()
    export_query(session, "Partenariats", sa.select(cols.PARTNERSHIPS.model), out, include_personal=True)
    return out.getvalue()


def check_print_settings(wb: openpyxl.Workbook, title_start: str) -> None:
    for ws in wb:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), ws.title  # 9: A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(n)].width for n in range(1, ws.max_column + 1)]
        assert int(setup.fitToWidth) == pages_wide(widths), ws.title
        assert sum(widths) / int(setup.fitToWidth) <= PAGE_WIDTH, ws.title  # readable: about 70 % or more
        assert int(setup.fitToHeight) == 0, ws.title
        last = f"${openpyxl.utils.get_column_letter(ws.max_column)}${ws.max_row}"
        assert ws.print_area == f"'{ws.title}'!$A$1:{last}", ws.title
        assert ws.print_title_rows == (None if ws.title == cols.NOTICE_SHEET else "$1:$1"), ws.title
        if int(setup.fitToWidth) > 1 and ws.title != cols.LISTS_SHEET:
            assert ws.print_title_cols == "$A:$B", ws.title  # Réf. and name on every page across
        assert ws.oddFooter.left.text == "&A" and ws.oddFooter.right.text == "Page &P sur &N", ws.title
        assert ws.oddHeader.center.text.startswith(title_start), ws.title
        assert ws.print_options.gridLines, ws.title


@pytest.mark.parametrize(
    "write, title",
    [
        (registry_export, "Export du registre de l'ESS du "),
        (template, "Modèle de classeur du registre de l'ESS"),
        (list_export, "Export « Partenariats » du "),
    ],
)
def test_every_sheet_prints_landscape_fitted_with_header_and_footer(session, write, title):
    load_demo(session)
    wb = load(write(session))
    assert {cols.NOTICE_SHEET, cols.LISTS_SHEET} <= set(wb.sheetnames)
    check_print_settings(wb, title)


def test_wide_sheets_are_fitted_to_several_pages_and_narrow_ones_to_one(session):
    wb = load(template(session))
    assert int(wb["Acteurs"].page_setup.fitToWidth) > 1 and int(wb["Contacts"].page_setup.fitToWidth) == 1


def test_partner_download_prints_like_the_export(app, client, session):
    actor = make_actor(session, name="Régie & Co")
    make_contact(session, actor, full_name="Zoé Martin")
    make_contact(session, actor, full_name="Élodie Bernard")
    make_contact(session, actor, full_name="Alain Dupont")
    email = make_user(session, role="partner", actor=actor).email
    session.commit()
    AuthActions(client, app).login(email, DEFAULT_PASSWORD)
    wb = load(client.get("/espace-partenaire/mes-donnees.xlsx").get_data())
    check_print_settings(wb, "Données de « Régie && Co » du ")  # a literal & is doubled in a header
    names = [row[1].value for row in wb["Contacts"].iter_rows(min_row=2)]
    assert names == ["Alain Dupont", "Élodie Bernard", "Zoé Martin"]


def test_notice_titles_do_not_spill_over_the_next_row(session):
    ws = load(template(session))[cols.NOTICE_SHEET]
    title = ws["A1"]
    assert title.font.b and title.font.sz > 11 and not title.alignment.wrap_text
    assert ws.row_dimensions[1].height >= title.font.sz * 1.5  # the row is as tall as its larger font
    for row in ws.iter_rows():
        filled = [c for c in row if c.value not in (None, "")]
        if len(filled) == 1 and filled[0].font.b:  # a title: runs on over the empty cells beside it
            assert not filled[0].alignment.wrap_text, filled[0].coordinate
        for cell in filled:
            if cell.alignment.wrap_text and cell.column == 3 and len(str(cell.value)) > 110:
                assert (ws.row_dimensions[cell.row].height or 0) >= 30, cell.coordinate  # room for two lines


def crafted_registry(session) -> None:
    """Records of every sheet named NAMES, created in that (unsorted) order."""
    for name in NAMES:
        actor = make_actor(session, name=name)
        make_contact(session, actor, full_name=f"Contact de {name}")
        make_initiative(session, lead=actor, title=name)
        programme = make_programme(session, lender=actor, name=name)
        session.add(LoanReport(programme=programme, period_start=date(2025, 1, 1), period_end=date(2025, 3, 31)))
        make_partnership(session, actor=actor)
    session.commit()


def names_in(session, ws, header: str) -> list[str]:
    """The column's values as names: a Réf. stands for its actor or programme."""
    headers = [c.value for c in ws[1]]
    values = [row[headers.index(header)].value for row in ws.iter_rows(min_row=2)]
    by_ref = {a.slug: a.name for a in session.scalars(sa.select(Actor))}
    by_ref |= {p.slug: p.name for p in session.scalars(sa.select(cols.PROGRAMMES.model))}
    return [by_ref.get(v, v) for v in values]


def test_every_sheet_listing_records_is_in_french_order(session):
    crafted_registry(session)
    wb = load(registry_export(session))
    for spec in cols.SHEETS:
        assert names_in(session, wb[spec.name], NAME_COLUMN[spec.name]) == FRENCH_ORDER, spec.name


def test_a_list_export_keeps_the_lists_own_sort(session):
    crafted_registry(session)
    out = io.BytesIO()
    export_query(session, "Acteurs", sa.select(Actor).order_by(Actor.id.desc()), out, include_personal=True)
    assert names_in(session, load(out.getvalue())["Acteurs"], "Nom*") == NAMES[::-1]


def test_a_restricted_export_is_sorted_within_its_rows(session):
    crafted_registry(session)
    kept = [a.id for a in session.scalars(sa.select(Actor).where(Actor.name.in_(NAMES[:3])))]
    out = io.BytesIO()
    parts = [
        (cols.CONTACTS, sa.select(Contact).where(Contact.actor_id.in_(kept)).order_by(Contact.id)),
        (cols.INITIATIVES, sa.select(Initiative).where(Initiative.lead_actor_id.in_(kept))),
    ]
    export_queries(session, parts, out, include_personal=True, title="Extrait")
    wb = load(out.getvalue())
    expected = [n for n in FRENCH_ORDER if n in NAMES[:3]]
    assert names_in(session, wb["Contacts"], "Acteur*") == expected
    assert names_in(session, wb["Initiatives"], "Titre*") == expected
