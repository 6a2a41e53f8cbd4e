"""Dashboard filters: every figure under a filter equals the same figure computed from the filtered lists,
the filters live in the URL, reach every spreadsheet, and a bad value gets a French message, never a 500."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from registry.models import (
    Actor,
    ActorStatus,
    Axis,
    Initiative,
    LegalForm,
    Partnership,
    PartnershipStatus,
    Quartier,
    Sector,
)
from registry.models.actors import ESUS_VALIDITY
from registry.services.reporting import dashboard as figures
from registry.services.reporting.base import COUNTED_STATUSES
from registry.services.reporting.filters import parse_filters
from tests.admin_support import database
from tests.factories import make_actor, make_initiative, make_partnership

AXES = ["entreprendre", "consommer", "echanger"]
QUARTIERS = ["fives", "wazemmes", "lille-moulins"]
TODAY = date(2026, 3, 1)
WINDOW = 90


@pytest.fixture
def varied(app):
    """Thirty actors spread over axes, quartiers, sectors and legal families, with partnerships and
    initiatives over several years."""
    with database(app) as session:
        forms = session.scalars(sa.select(LegalForm).order_by(LegalForm.id)).all()
        families = {}
        for form in forms:
            families.setdefault(form.family, form)
        forms = list(families.values())
        sectors = session.scalars(sa.select(Sector.code).where(Sector.strategic.is_(True)).order_by(Sector.code)).all()
        for n in range(30):
            actor = make_actor(
                session,
                name=f"Acteur {n}",
                axes=[AXES[n % 3]] + ([AXES[(n + 1) % 3]] if n % 4 == 0 else []),
                quartier=QUARTIERS[n % 3] if n % 7 else None,
                sectors=[sectors[n % len(sectors)]] if n % 2 else [],
                legal_form=forms[n % len(forms)],
                status=ActorStatus.ARCHIVED if n % 9 == 0 else ActorStatus.ACTIVE,
            )
            actor.created_at = datetime(2019 + n % 7, 6, 1)
            if n % 3 == 0:  # agréments expiring around TODAY, and one long expired
                actor.esus_date = TODAY - ESUS_VALIDITY + timedelta(days=(n % 5) * 20 - 40 if n % 6 else 400)
            if n % 5 == 0:  # partnerships ending within the window, or just after it
                make_partnership(
                    session,
                    actor=actor,
                    convention_date=date(2024, 1, 1),
                    start_date=date(2024, 1, 1),
                    end_date=TODAY + timedelta(days=10 + 15 * (n // 5)),
                    status=PartnershipStatus.SIGNED,
                )
            for k, status in enumerate(list(COUNTED_STATUSES)[: 1 + n % 3]):
                make_partnership(
                    session,
                    actor=actor,
                    amount=Decimal(1000 * (n + 1) + k),
                    convention_date=date(2020 + (n + k) % 6, 1 + n % 12, 1),
                    status=status,
                )
            if n % 2 == 0:
                make_initiative(
                    session,
                    lead=actor,
                    axes=[AXES[(n // 2) % 3]],
                    quartiers=[QUARTIERS[n % 3], QUARTIERS[(n + 1) % 3]] if n % 4 else [QUARTIERS[n % 3]],
                    start_date=date(2020 + n % 6, 1, 1),
                    end_date=date(2021 + n % 6, 12, 31) if n % 3 else None,
                )
        session.commit()
    return None


def combinations(session):
    axis = session.scalar(sa.select(Axis.code).where(Axis.code == "consommer"))
    sector = session.scalar(sa.select(Sector.code).where(Sector.strategic.is_(True)).order_by(Sector.code))
    return [
        {},
        {"annee": "2023"},
        {"axe": axis},
        {"quartier": "fives"},
        {"secteur": sector},
        {"famille": "association"},
        {"annee": "2022", "axe": axis, "quartier": "wazemmes"},
        {"du": "2021-03-01", "au": "2024-06-30", "famille": "cooperative"},
        {"au": "2022-12-31", "secteur": sector, "quartier": "lille-moulins"},
    ]


def matches(actor: Actor, f) -> bool:
    """The actor filters, in Python."""
    return (
        (f.quartier_id is None or actor.quartier_id == f.quartier_id)
        and (f.axis_id is None or f.axis_id in {a.id for a in actor.axes})
        and (f.sector_id is None or f.sector_id in {s.id for s in actor.sectors})
        and (f.family is None or actor.legal_form.family == f.family)
    )


def in_period(day, f) -> bool:
    return day is not None and (f.start is None or day >= f.start) and (f.end is None or day <= f.end)


def test_every_figure_under_a_filter_equals_the_filtered_lists(app, varied):
    with database(app) as session:
        actors = session.scalars(sa.select(Actor)).all()
        partnerships = session.scalars(sa.select(Partnership)).all()
        initiatives = session.scalars(sa.select(Initiative)).all()
        quartier_names = dict(session.execute(sa.select(Quartier.id, Quartier.name)).all())
        axis_labels = dict(session.execute(sa.select(Axis.id, Axis.label)).all())
        renewals = []
        for args in combinations(session):
            f = parse_filters(session, MultiDict(args))
            assert not f.errors and len(f.args) == len(args), args
            current = [
                a
                for a in actors
                if a.status != ActorStatus.ARCHIVED
                and matches(a, f)
                and (f.end is None or a.created_at.date() <= f.end)
            ]
            # Actors by axis and quartier: the grand total and every cell.
            table = figures.actors_by_axis_and_quartier(session, f)
            assert table.rows[-1][-1] == len(current), args
            for row in table.rows[:-1]:
                axis_id = next(i for i, label in axis_labels.items() if label == row[0])
                assert row[-1] == sum(axis_id in {x.id for x in a.axes} for a in current), (args, row[0])
                for col, header in enumerate(table.headers[1:-1], start=1):
                    if header == "Sans quartier":
                        continue
                    expected = sum(
                        axis_id in {x.id for x in a.axes} and quartier_names.get(a.quartier_id) == header
                        for a in current
                    )
                    assert row[col] == expected, (args, row[0], header)
            # Initiatives by quartier.
            running = [
                i
                for i in initiatives
                if i.archived_at is None
                and (f.axis_id is None or f.axis_id in {a.id for a in i.axes})
                and (f.quartier_id is None or f.quartier_id in {q.id for q in i.quartiers})
                and (f.sector_id is None or f.sector_id in {s.id for s in i.lead_actor.sectors})
                and (f.family is None or i.lead_actor.legal_form.family == f.family)
                and (f.end is None or i.start_date is None or i.start_date <= f.end)
                and (f.start is None or i.end_date is None or i.end_date >= f.start)
            ]
            table = figures.initiatives_by_axis_and_quartier(session, f)
            for col, header in enumerate(table.headers[1:-1], start=1):
                expected = sum(header in {q.name for q in i.quartiers} for i in running)
                assert table.rows[-1][col] == expected, (args, header)
            # Partnership amounts per year: the total column of each year.
            counted = [
                p
                for p in partnerships
                if p.status in COUNTED_STATUSES
                and matches(p.actor, f)
                and in_period(p.convention_date or p.start_date or p.decision_date, f)
            ]
            table = figures.partnership_amounts_by_year_and_axis(session, f, today=TODAY)
            for row in table.rows:
                of_year = [p for p in counted if p.convention_date.year == row[0]]
                assert row[-2] == sum((p.amount for p in of_year), Decimal(0)), (args, row[0])
                assert row[-1] == len(of_year), (args, row[0])
            # ... and each axis column of each year.
            for row in table.rows:
                for col, header in enumerate(table.headers[1:-2], start=1):
                    axis_id = next(i for i, label in axis_labels.items() if label == header)
                    of_axis = [
                        p
                        for p in counted
                        if p.convention_date.year == row[0] and axis_id in {a.id for a in p.actor.axes}
                    ]
                    assert row[col] == sum((p.amount for p in of_axis), Decimal(0)), (args, row[0], header)
            # Initiatives: each axis's row total.
            table = figures.initiatives_by_axis_and_quartier(session, f)
            for row in table.rows[:-1]:
                axis_id = next(i for i, label in axis_labels.items() if label == row[0])
                assert row[-1] == sum(axis_id in {a.id for a in i.axes} for i in running), (args, row[0])
            # Renewals: the partnerships ending within the window and the agréments expiring, of matching actors.
            ending = [
                p.ref
                for p in partnerships
                if p.status in (PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE)
                and p.end_date is not None
                and TODAY <= p.end_date <= TODAY + timedelta(days=WINDOW)
                and matches(p.actor, f)
            ]
            table = figures.partnerships_ending(session, WINDOW, filters=f, today=TODAY)
            assert table.total == len(ending) and [row[0] for row in table.rows] == ending, args
            expiring = [
                a.name
                for a in sorted(actors, key=lambda a: (a.esus_date or date.min, a.id))
                if a.status != ActorStatus.ARCHIVED
                and matches(a, f)
                and a.esus_date is not None
                and abs((a.esus_date + ESUS_VALIDITY - TODAY).days) <= WINDOW
            ]
            table = figures.esus_expiring(session, WINDOW, filters=f, today=TODAY)
            assert table.total == len(expiring) and [row[0] for row in table.rows] == expiring, args
            renewals.append((len(ending), len(expiring)))
            # Strategic sectors: actors and amounts of each sector.
            table = figures.strategic_sectors_share(session, f)
            for row in table.rows[:-1]:
                inside = [a for a in current if row[0] in {s.label for s in a.sectors}]
                amount = sum((p.amount for p in counted if row[0] in {s.label for s in p.actor.sectors}), Decimal(0))
                assert row[1] == len(inside) and row[3] == amount, (args, row[0])
        # The renewal lists were not empty, and the filters did narrow them.
        unfiltered = renewals[0]
        assert min(unfiltered) > 0 and any(0 < e < unfiltered[0] for e, _ in renewals), renewals
        assert any(0 < x < unfiltered[1] for _, x in renewals), renewals


def test_eight_years_shown_empty_ones_included_and_a_period_shows_its_years(app, varied):
    with database(app) as session:
        table = figures.partnership_amounts_by_year_and_axis(session, today=TODAY)
        assert {2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026} <= {row[0] for row in table.rows}
        f = parse_filters(session, MultiDict({"du": "2016-01-01", "au": "2018-12-31"}))
        table = figures.partnership_amounts_by_year_and_axis(session, f, today=TODAY)
        assert [row[0] for row in table.rows] == [2016, 2017, 2018]
        assert all(row[-1] == 0 for row in table.rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"annee": "deux mille"}, "Année « deux mille » non comprise"),
        ({"du": "31/02/2025"}, "Date « 31/02/2025 » non comprise"),
        ({"du": "2025-06-01", "au": "2025-01-01"}, "La date de début est après la date de fin"),
        ({"axe": "inconnu"}, "Axe inconnu : « inconnu »"),
        ({"quartier": "<script>"}, "Quartier inconnu : « &lt;script&gt; »"),
        ({"secteur": "zzz"}, "Secteur stratégique inconnu"),
        ({"famille": "secte"}, "Famille juridique inconnue"),
    ],
)
def test_a_bad_filter_is_explained_in_french_and_ignored(app, client, auth, args, message):
    auth.as_role("analyst")
    response = client.get("/admin/", query_string=args)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    response = client.get("/admin/tableau/acteurs-axes-quartiers.xlsx", query_string=args)
    assert response.status_code == 200


def test_filters_are_in_the_url_and_reach_every_download(app, client, auth, varied):
    auth.as_role("analyst")
    from registry.admin.dashboard import FIGURES

    body = client.get("/admin/?annee=2023&quartier=fives&axe=consommer").get_data(as_text=True)
    assert "Année 2023" in body and "Quartier : Fives" in body
    assert 'value="fives" selected' in body
    for key in FIGURES:
        link = f"/admin/tableau/{key}.xlsx?annee=2023&amp;axe=consommer&amp;quartier=fives"
        assert link in body, key
    with database(app) as session:
        f = parse_filters(session, MultiDict({"annee": "2023", "quartier": "fives", "axe": "consommer"}))
        expected = figures.actors_by_axis_and_quartier(session, f)
    response = client.get("/admin/tableau/acteurs-axes-quartiers.xlsx?annee=2023&axe=consommer&quartier=fives")
    assert "filtre" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert rows[len(expected.rows) - 1][: len(expected.rows[-1])] == expected.rows[-1]
    notes = [row[0] for row in rows if row and isinstance(row[0], str) and row[0].startswith("Acteurs non archivés")]
    assert notes and "Filtres : Année 2023" in notes[0]


def test_charts_carry_units_values_and_give_way_to_tables_on_a_phone(app, client, auth, varied):
    auth.as_role("analyst")
    body = client.get("/admin/").get_data(as_text=True)
    assert "\u202fk€</text>" in body  # axis ticks and bar values with the unit
    assert body.count('class="chart-phone-note') == body.count('<svg class="chart"') >= 3
    assert "8 dernières années" in body
    assert 'class="btn btn-sm btn-primary dashboard-download"' in body


def test_a_new_filter_reads_no_row_and_a_write_is_seen_at_once(app, varied):
    """The figures are computed from the registry's facts, read once per data version: a new filter combination
    queries none of the large tables, and a write committed by another session shows at once."""
    from registry.services.reporting import facts

    with database(app) as session:
        engine = session.get_bind()
        total = figures.actors_by_axis_and_quartier(session).rows[-1][-1]
        statements: list[str] = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            for args in combinations(session):
                f = parse_filters(session, MultiDict(args))
                for build in (
                    figures.actors_by_axis_and_quartier,
                    figures.initiatives_by_axis_and_quartier,
                    figures.partnership_amounts_by_year_and_axis,
                    figures.strategic_sectors_share,
                ):
                    build(session, f)
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
        large = ("FROM actors", "FROM partnerships", "FROM actor_axes", "FROM initiatives", "FROM initiative_")
        read = [s for s in statements if any(t in s for t in large) and "max(" not in s]  # max(): the data version
        assert statements and not read, read
        kept = facts.facts_for(session)
        assert facts.facts_for(session) is kept
    with database(app) as other:
        make_actor(other, name="Acteur écrit ailleurs", axes=["entreprendre"], quartier="fives")
        other.commit()
    with database(app) as session:
        assert facts.facts_for(session) is not kept
        assert figures.actors_by_axis_and_quartier(session).rows[-1][-1] == total + 1
