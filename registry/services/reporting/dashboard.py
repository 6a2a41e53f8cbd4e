"""The figures of the back-office dashboard.

Each function returns a ``Table``: the same object is shown as an HTML table, drawn as a chart and written
to a spreadsheet, so the three always agree. Each takes the dashboard's ``Filters`` (none by default). The
counts and amounts are vector operations on the registry's columnar facts (``facts``: read once per data
version, so any filter combination costs no query); the loans, small, are aggregated by the database.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Axis, LoanProgramme, LoanReport, Quartier, Sector
from registry.services.reporting import facts as facts_mod
from registry.services.reporting.base import Table, share, year_of
from registry.services.reporting.facts import facts_for
from registry.services.reporting.filters import NO_FILTERS, Filters
from registry.services.reporting.renewals import esus_expiring, partnerships_ending  # noqa: F401


def _axes(session: so.Session, filters: Filters) -> list:
    query = sa.select(Axis.id, Axis.label).order_by(Axis.position)
    if filters.axis_id is not None:
        query = query.where(Axis.id == filters.axis_id)
    return list(session.execute(query))


def _quartiers(session: so.Session, filters: Filters) -> list:
    query = sa.select(Quartier.id, Quartier.name).order_by(Quartier.name)
    if filters.quartier_id is not None:
        query = query.where(Quartier.id == filters.quartier_id)
    return list(session.execute(query))


def _present(ids: list[int], counts) -> dict:
    """{id: count} for the counts that are not zero."""
    return {i: int(n) for i, n in zip(ids, counts, strict=True) if n}


def actors_by_axis_and_quartier(session: so.Session, filters: Filters = NO_FILTERS) -> Table:
    """Non-archived actors per axis (rows) and quartier (columns), with totals of distinct actors."""
    quartiers, axes = _quartiers(session, filters), _axes(session, filters)
    facts = facts_for(session)
    selected = facts_mod.actor_mask(facts, filters, current=True)
    places = facts.actor_quartier[selected] + 1  # 0: without quartier
    keys = [None, *facts.quartier_ids]
    cells, per_axis = {}, {}
    for column, axis_id in enumerate(facts.axis_ids):
        on_axis = facts.actor_axes[selected, column]
        counts = np.bincount(places[on_axis], minlength=len(keys))
        cells.update({(axis_id, q): n for q, n in _present(keys, counts).items()})
        per_axis[axis_id] = int(on_axis.sum())  # each (actor, axis) pair lies in one quartier
    per_quartier = _present(keys, np.bincount(places, minlength=len(keys)))
    return _cross_table(
        "acteurs-axes-quartiers",
        "Acteurs par axe et par quartier",
        axes,
        quartiers,
        cells,
        per_axis,
        per_quartier,
        "Acteurs non archivés"
        + (" inscrits au registre à la fin de la période" if filters.end else "")
        + ". Un acteur inscrit dans deux axes compte dans chacun ; les totaux comptent chaque acteur une fois.",
    )


def initiatives_by_axis_and_quartier(session: so.Session, filters: Filters = NO_FILTERS) -> Table:
    """Non-archived initiatives per axis and quartier (an initiative counts in each of its quartiers)."""
    quartiers, axes = _quartiers(session, filters), _axes(session, filters)
    facts = facts_for(session)
    selected = facts_mod.current_initiatives(facts, filters)
    on_axes = facts.initiative_axes[selected].astype(np.int64)
    in_quartiers = facts.initiative_quartiers[selected].astype(np.int64)
    pairs = on_axes.T @ in_quartiers  # axes × quartiers
    cells = {
        (axis_id, quartier_id): int(pairs[a, q])
        for a, axis_id in enumerate(facts.axis_ids)
        for q, quartier_id in enumerate(facts.quartier_ids)
        if pairs[a, q]
    }
    per_axis = _present(facts.axis_ids, on_axes.sum(axis=0))
    per_quartier = _present(facts.quartier_ids, in_quartiers.sum(axis=0))
    if filters.quartier_id is not None:
        per_quartier = {q: n for q, n in per_quartier.items() if q == filters.quartier_id}
    return _cross_table(
        "initiatives-axes-quartiers",
        "Initiatives par axe et par quartier",
        axes,
        quartiers,
        cells,
        per_axis,
        per_quartier,
        "Initiatives non archivées"
        + (" menées pendant la période" if filters.start or filters.end else "")
        + " ; une initiative menée dans plusieurs quartiers compte dans chacun.",
    )


def _cross_table(key, title, axes, quartiers, cells, per_axis, per_quartier, note) -> Table:
    headers = ["Axe", *(name for _, name in quartiers)]
    if None in per_quartier:
        headers.append("Sans quartier")
    headers.append("Total")
    rows = []
    for axis_id, label in axes:
        row = [label, *(cells.get((axis_id, q), 0) for q, _ in quartiers)]
        if None in per_quartier:
            row.append(cells.get((axis_id, None), 0))
        rows.append([*row, per_axis.get(axis_id, 0)])
    total = ["Total", *(per_quartier.get(q, 0) for q, _ in quartiers)]
    if None in per_quartier:
        total.append(per_quartier[None])
    rows.append([*total, sum(per_quartier.values())])
    return Table(key, title, headers, ["text", *["int"] * (len(headers) - 1)], rows, note)


def _euros(cents) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def partnership_amounts_by_year_and_axis(
    session: so.Session, filters: Filters = NO_FILTERS, today: date | None = None
) -> Table:
    """Sum of partnership amounts per year (rows) and axis of the actor (columns), and the year's total.

    The years of the chart (the period's, else the last eight) are all listed, empty ones included."""
    axes = _axes(session, filters)
    facts = facts_for(session)
    counted = facts_mod.counted_partnerships(facts, filters) & (facts.partnership_day > 0)
    years_of = facts.partnership_day[counted] // 10_000
    cents = facts.partnership_cents[counted]
    actor_rows = facts.partnership_actor[counted]
    first = int(years_of.min()) if len(years_of) else 0
    offset = years_of - first
    size = int(offset.max()) + 1 if len(offset) else 0
    totals_cents = np.bincount(offset, weights=cents, minlength=size)
    totals_count = np.bincount(offset, minlength=size)
    totals = {first + i: (_euros(round(totals_cents[i])), int(n)) for i, n in enumerate(totals_count) if n}
    cells = {}
    for axis_id, _label in axes:
        on_axis = facts_mod.rows_in(actor_rows, facts.actor_axes[:, facts.axis_index(axis_id)])
        sums = np.bincount(offset[on_axis], weights=cents[on_axis], minlength=size)
        present = np.bincount(offset[on_axis], minlength=size)
        cells.update({(first + i, axis_id): _euros(round(sums[i])) for i, n in enumerate(present) if n})
    headers = ["Année", *(label for _, label in axes), "Total", "Nombre"]
    years = sorted(set(totals) | set(filters.years(today or date.today())))
    empty = (Decimal(0), 0)
    rows = [
        [y, *(cells.get((y, a), Decimal(0)) for a, _ in axes), totals.get(y, empty)[0], totals.get(y, empty)[1]]
        for y in years
    ]
    kinds = ["year", *["money"] * (len(axes) + 1), "int"]
    note = (
        "Partenariats signés, en cours ou terminés, par année de convention (à défaut de début ou de décision). "
        "Un partenariat compte pour chaque axe de son acteur : les colonnes d'axes ne s'additionnent pas."
    )
    title = "Montants des partenariats par année et par axe"
    return Table("partenariats-annees-axes", title, headers, kinds, rows, note)


def loans_by_programme_and_quarter(session: so.Session, filters: Filters = NO_FILTERS) -> Table:
    """Loans granted and amounts per programme and calendar quarter (from the programmes' reports); only the
    period filter applies (a report covers a whole programme, not an axis or a quartier)."""
    year = year_of(LoanReport.period_start)
    month = sa.extract("month", LoanReport.period_start)
    quarter = sa.case((month <= 3, 1), (month <= 6, 2), (month <= 9, 3), else_=4)
    rows = session.execute(
        sa.select(
            LoanProgramme.name,
            year,
            quarter,
            sa.func.sum(LoanReport.loans_granted),
            sa.func.sum(LoanReport.amount_granted),
        )
        .join(LoanProgramme, LoanProgramme.id == LoanReport.programme_id)
        .where(*filters.dated(LoanReport.period_start))
        .group_by(LoanProgramme.name, year, quarter)
        .order_by(LoanProgramme.name, year, quarter)
    )
    data = [[name, f"{int(y)} T{int(q)}", n or 0, amount or Decimal(0)] for name, y, q, n, amount in rows]
    return Table(
        "prets-programmes-trimestres",
        "Prêts accordés par programme et par trimestre",
        ["Programme", "Trimestre", "Prêts accordés", "Montant accordé"],
        ["text", "text", "int", "money"],
        data,
        "D'après les bilans des programmes, au trimestre de début de la période du bilan."
        + (" Seule la période s'applique aux prêts : un bilan couvre tout un programme." if filters.active else ""),
    )


def strategic_sectors_share(session: so.Session, filters: Filters = NO_FILTERS) -> Table:
    """For each strategic sector: its actors and the partnership amounts they received, with their shares."""
    facts = facts_for(session)
    current = facts_mod.actor_mask(facts, filters, current=True)
    total_actors = int(current.sum())
    counted = facts_mod.counted_partnerships(facts, filters)
    cents, actor_rows = facts.partnership_cents[counted], facts.partnership_actor[counted]
    total_amount = _euros(cents.sum())
    sectors = sa.select(Sector.id, Sector.label).where(Sector.strategic.is_(True)).order_by(Sector.label)
    if filters.sector_id is not None:
        sectors = sectors.where(Sector.id == filters.sector_id)
    rows = []
    for sector_id, label in session.execute(sectors):
        in_sector = facts.actor_sectors[:, facts.sector_index(sector_id)]
        n = int((current & in_sector).sum())
        amount = _euros(cents[facts_mod.rows_in(actor_rows, in_sector)].sum())
        rows.append([label, n, share(n, total_actors), amount, share(amount, total_amount)])
    in_any = facts.actor_sectors.any(axis=1)
    any_actors = int((current & in_any).sum())
    any_amount = _euros(cents[facts_mod.rows_in(actor_rows, in_any)].sum())
    rows.append(
        ["Au moins un secteur stratégique", any_actors, share(any_actors, total_actors), any_amount,
         share(any_amount, total_amount)]
    )  # fmt: skip
    return Table(
        "secteurs-strategiques",
        "Part des secteurs stratégiques",
        ["Secteur", "Acteurs", "Part des acteurs", "Montant des partenariats", "Part des montants"],
        ["text", "int", "percent", "money", "percent"],
        rows,
        f"Sur {total_actors} acteurs non archivés et les partenariats signés, en cours ou terminés"
        + (" de la période." if filters.start or filters.end else "."),
    )
