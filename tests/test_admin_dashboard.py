"""The dashboard: figures by aggregate SQL, drawn as SVG, downloadable as spreadsheets, and what to renew."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest

from registry.models import ActorStatus, LoanReport, PartnershipStatus
from registry.models.actors import ESUS_VALIDITY
from registry.services.reporting import dashboard as figures
from tests.admin_support import database
from tests.factories import make_actor, make_initiative, make_partnership, make_programme


@pytest.fixture
def registry_data(app):
    with database(app) as session:
        fives = make_actor(session, name="Régie Fives", axes=["entreprendre", "consommer"], quartier="fives")
        wazemmes = make_actor(session, name="Vélo Wazemmes", axes=["entreprendre"], quartier="wazemmes")
        make_actor(session, name="Archivé", axes=["entreprendre"], quartier="fives", status=ActorStatus.ARCHIVED)
        make_initiative(session, lead=fives, axes=["consommer"], quartiers=["fives", "wazemmes"])
        make_partnership(
            session,
            actor=fives,
            amount=Decimal("10000"),
            convention_date=date(2024, 2, 1),
            status=PartnershipStatus.ACTIVE,
        )
        make_partnership(
            session,
            actor=wazemmes,
            amount=Decimal("2500.50"),
            convention_date=date(2024, 6, 1),
            status=PartnershipStatus.SIGNED,
        )
        make_partnership(
            session,
            actor=wazemmes,
            amount=Decimal("99999"),
            convention_date=date(2024, 6, 1),
            status=PartnershipStatus.CANCELLED,
        )
        programme = make_programme(session, lender=fives, name="Microcrédit Mobilité")
        for start, n, amount in (
            (date(2025, 1, 1), 4, "6000"),
            (date(2025, 2, 1), 1, "1000"),
            (date(2025, 4, 1), 2, "3000"),
        ):
            session.add(
                LoanReport(
                    programme=programme,
                    period_start=start,
                    period_end=start + timedelta(days=27),
                    loans_granted=n,
                    amount_granted=Decimal(amount),
                )
            )
        return {"fives": fives.id, "wazemmes": wazemmes.id}


def rows_by_first_cell(table):
    return {row[0]: row for row in table.rows}


def test_actors_by_axis_and_quartier(app, registry_data):
    with database(app) as session:
        table = figures.actors_by_axis_and_quartier(session)
    rows = rows_by_first_cell(table)
    fives, wazemmes = table.headers.index("Fives"), table.headers.index("Wazemmes")
    assert rows["Entreprendre autrement"][fives] == 1 and rows["Entreprendre autrement"][wazemmes] == 1
    assert rows["Entreprendre autrement"][-1] == 2  # the archived actor does not count
    assert rows["Total"][fives] == 1 and rows["Total"][-1] == 2  # each actor once, whatever its axes


def test_initiatives_by_axis_and_quartier(app, registry_data):
    with database(app) as session:
        table = figures.initiatives_by_axis_and_quartier(session)
    rows = rows_by_first_cell(table)
    assert rows["Consommer et produire autrement"][table.headers.index("Wazemmes")] == 1
    assert rows["Total"][table.headers.index("Fives")] == 1


def test_partnership_amounts_per_year_and_axis(app, registry_data):
    with database(app) as session:
        table = figures.partnership_amounts_by_year_and_axis(session, today=date(2026, 5, 1))
    assert [r[0] for r in table.rows] == list(range(2019, 2027))  # eight years, empty ones included
    row = rows_by_first_cell(table)[2024]
    assert all(r[-1] == 0 for r in table.rows if r[0] != 2024)
    assert row[table.headers.index("Entreprendre autrement")] == Decimal("12500.50")
    assert row[table.headers.index("Consommer et produire autrement")] == Decimal("10000")
    assert row[table.headers.index("Total")] == Decimal("12500.50")  # the cancelled one is left out
    assert row[-1] == 2


def test_loans_per_programme_and_quarter(app, registry_data):
    with database(app) as session:
        table = figures.loans_by_programme_and_quarter(session)
    assert table.rows == [
        ["Microcrédit Mobilité", "2025 T1", 5, Decimal("7000")],
        ["Microcrédit Mobilité", "2025 T2", 2, Decimal("3000")],
    ]


def test_strategic_sectors_share(app):
    with database(app) as session:
        from registry.models import Sector

        strategic = session.query(Sector).filter(Sector.strategic.is_(True)).order_by(Sector.label).first()
        label = strategic.label
        inside = make_actor(session, sectors=[strategic.code])
        make_actor(session)
        make_partnership(session, actor=inside, amount=Decimal("300"), status=PartnershipStatus.ACTIVE)
        table = figures.strategic_sectors_share(session)
    rows = rows_by_first_cell(table)
    assert rows[label][1:] == [1, 0.5, Decimal("300"), 1.0]
    assert rows["Au moins un secteur stratégique"][1] == 1


def test_renewals_list_partnerships_ending_and_esus_expiring(app):
    today = date.today()
    with database(app) as session:
        soon = make_actor(session, name="Agrément bientôt échu", esus_date=today + timedelta(days=30) - ESUS_VALIDITY)
        make_actor(session, name="Agrément récent", esus_date=today - timedelta(days=100))
        make_partnership(
            session,
            actor=soon,
            object="Se termine bientôt",
            start_date=today - timedelta(days=300),
            end_date=today + timedelta(days=20),
            status=PartnershipStatus.ACTIVE,
        )
        make_partnership(
            session,
            object="Se termine plus tard",
            start_date=today,
            end_date=today + timedelta(days=200),
            status=PartnershipStatus.ACTIVE,
        )
        make_partnership(
            session,
            object="Annulé",
            start_date=today,
            end_date=today + timedelta(days=10),
            status=PartnershipStatus.CANCELLED,
        )
        ending = figures.partnerships_ending(session, 90)
        esus = figures.esus_expiring(session, 90)
        assert [row[2] for row in ending.rows] == ["Se termine bientôt"] and ending.links[0].startswith("partnership:")
        assert [row[0] for row in esus.rows] == ["Agrément bientôt échu"] and esus.links == [f"actor:{soon.id}"]
        assert figures.partnerships_ending(session, 365).total == 2  # the window is a setting


def test_dashboard_page_tables_charts_and_links(app, client, auth, registry_data):
    auth.as_role("analyst")
    body = client.get("/admin/").get_data(as_text=True)
    assert body.count('<svg class="chart"') == 4
    assert "Acteurs par axe et par quartier" in body and "Prêts accordés par programme et par trimestre" in body
    assert "12\u202f500,50\xa0€" in body  # French money
    assert 'src="http' not in body and 'href="http' not in body  # nothing from a CDN
    assert "/admin/tableau/acteurs-axes-quartiers.xlsx" in body


def test_every_table_downloads_as_a_spreadsheet_with_text_kept_as_text(app, client, auth):
    today = date.today()
    with database(app) as session:
        make_partnership(
            session,
            object='=HYPERLINK("http://evil.example")',
            start_date=today,
            end_date=today + timedelta(days=5),
            status=PartnershipStatus.SIGNED,
            amount=Decimal("42"),
        )
    auth.as_role("analyst")
    from registry.admin.dashboard import FIGURES

    for key in FIGURES:
        response = client.get(f"/admin/tableau/{key}.xlsx")
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet"), key
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        assert sheet["A1"].value, key
    response = client.get("/admin/tableau/partenariats-a-renouveler.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cell = sheet["C4"]
    assert cell.value == '=HYPERLINK("http://evil.example")' and cell.data_type == "s"
    assert sheet["E4"].value == 42 and sheet["E4"].data_type == "n"
    assert client.get("/admin/tableau/inconnu.xlsx").status_code == 404


def test_dashboard_query_count_does_not_grow_with_the_data(app, client, auth, registry_data):
    """The same statements for a small and a larger registry, whether the facts are read in full (a process's
    first visit) or merged from the change log (the first visit after writes, however many records they touched)."""
    from registry.admin import dashboard
    from registry.services.reporting import facts
    from tests.test_admin_queries import count_queries

    def write(n: int) -> None:
        with database(app) as session:
            for i in range(n):
                actor = make_actor(session, axes=["echanger"], quartier="lille-moulins")
                make_partnership(
                    session, actor=actor, convention_date=date(2020 + i % 5, 1, 1), status=PartnershipStatus.ACTIVE
                )

    def read_in_full() -> int:
        facts.forget()
        dashboard._cache.clear()
        return count_queries(app, client, "/admin/")

    auth.as_role("officer")
    count_queries(app, client, "/admin/")  # the process's first visit also asks whether the change log exists
    small = read_in_full()
    write(1)
    merged_small = count_queries(app, client, "/admin/")
    write(40)
    merged_large = count_queries(app, client, "/admin/")
    assert merged_large == merged_small and read_in_full() == small
    assert merged_small < small  # a merge reads the changed rows, not the reference data and every table
