"""The figures of the back-office dashboard, each computed by aggregate SQL (never a loop over rows).

Each function returns a ``Table``: the same object is shown as an HTML table, drawn as a chart and written
to a spreadsheet, so the three always agree. Each takes the dashboard's ``Filters`` (none by default).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import (
    Actor,
    ActorStatus,
    Axis,
    Initiative,
    LoanProgramme,
    LoanReport,
    Partnership,
    Quartier,
    Sector,
    actor_axes,
    actor_sectors,
    initiative_axes,
    initiative_quartiers,
)
from registry.services.reporting.base import (
    COUNTED_STATUSES,
    PARTNERSHIP_DATE,
    PARTNERSHIP_YEAR,
    Table,
    share,
    year_of,
)
from registry.services.reporting.filters import NO_FILTERS, Filters
from registry.services.reporting.renewals import esus_expiring, partnerships_ending  # noqa: F401


def _current_actor():
    return Actor.status != ActorStatus.ARCHIVED


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


def actors_by_axis_and_quartier(session: so.Session, filters: Filters = NO_FILTERS) -> Table:
    """Non-archived actors per axis (rows) and quartier (columns), with totals of distinct actors."""
    quartiers, axes = _quartiers(session, filters), _axes(session, filters)
    where = [_current_actor(), *filters.actor_registered_clauses()]
    joined = sa.select(actor_axes.c.axis_id, Actor.quartier_id, Actor.id).join(Actor, Actor.id == actor_axes.c.actor_id)
    joined = joined.where(*where).subquery()
    cells = {
        (a, q): n
        for a, q, n in session.execute(
            sa.select(joined.c.axis_id, joined.c.quartier_id, sa.func.count()).group_by(
                joined.c.axis_id, joined.c.quartier_id
            )
        )
    }
    per_axis: dict = {}
    for (axis_id, _), n in cells.items():  # each (actor, axis) pair lies in one quartier: the row sums exactly
        per_axis[axis_id] = per_axis.get(axis_id, 0) + n
    per_quartier = dict(
        session.execute(sa.select(Actor.quartier_id, sa.func.count()).where(*where).group_by(Actor.quartier_id)).all()
    )
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
    current = sa.select(Initiative.id).where(Initiative.archived_at.is_(None), *filters.initiative_clauses())
    pairs = (
        sa.select(initiative_axes.c.axis_id, initiative_quartiers.c.quartier_id, sa.func.count())
        .join(initiative_quartiers, initiative_quartiers.c.initiative_id == initiative_axes.c.initiative_id)
        .where(initiative_axes.c.initiative_id.in_(current))
        .group_by(initiative_axes.c.axis_id, initiative_quartiers.c.quartier_id)
    )
    cells = {(a, q): n for a, q, n in session.execute(pairs)}
    per_axis = dict(
        session.execute(
            sa.select(initiative_axes.c.axis_id, sa.func.count())
            .where(initiative_axes.c.initiative_id.in_(current))
            .group_by(initiative_axes.c.axis_id)
        ).all()
    )
    per_quartier = dict(
        session.execute(
            sa.select(initiative_quartiers.c.quartier_id, sa.func.count())
            .where(initiative_quartiers.c.initiative_id.in_(current))
            .group_by(initiative_quartiers.c.quartier_id)
        ).all()
    )
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


def partnership_amounts_by_year_and_axis(
    session: so.Session, filters: Filters = NO_FILTERS, today: date | None = None
) -> Table:
    """Sum of partnership amounts per year (rows) and axis of the actor (columns), and the year's total.

    The years of the chart (the period's, else the last eight) are all listed, empty ones included."""
    axes = _axes(session, filters)
    year = PARTNERSHIP_YEAR.label("year")
    counted = sa.and_(
        Partnership.status.in_(COUNTED_STATUSES),
        *filters.dated(PARTNERSHIP_DATE),
        *filters.actor_ids(Partnership.actor_id),
    )
    by_axis = session.execute(
        sa.select(year, actor_axes.c.axis_id, sa.func.sum(Partnership.amount))
        .join(actor_axes, actor_axes.c.actor_id == Partnership.actor_id)
        .where(counted, year.is_not(None), *([actor_axes.c.axis_id == filters.axis_id] if filters.axis_id else []))
        .group_by(year, actor_axes.c.axis_id)
    )
    cells = {(int(y), a): s or Decimal(0) for y, a, s in by_axis}
    totals = {
        int(y): (s or Decimal(0), n)
        for y, s, n in session.execute(
            sa.select(year, sa.func.sum(Partnership.amount), sa.func.count())
            .where(counted, year.is_not(None))
            .group_by(year)
        )
    }
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
    current = sa.and_(_current_actor(), *filters.actor_registered_clauses())
    total_actors = session.scalar(sa.select(sa.func.count()).select_from(Actor).where(current)) or 0
    counted = sa.and_(
        Partnership.status.in_(COUNTED_STATUSES),
        *filters.dated(PARTNERSHIP_DATE),
        *filters.actor_ids(Partnership.actor_id),
    )
    total_amount = session.scalar(sa.select(sa.func.sum(Partnership.amount)).where(counted)) or Decimal(0)
    strategic_ids = sa.select(Sector.id).where(Sector.strategic.is_(True))
    strategic = actor_sectors.c.sector_id.in_(strategic_ids)
    actors = dict(
        session.execute(
            sa.select(actor_sectors.c.sector_id, sa.func.count())
            .join(Actor, Actor.id == actor_sectors.c.actor_id)
            .where(current, strategic)
            .group_by(actor_sectors.c.sector_id)
        ).all()
    )
    amounts = dict(
        session.execute(
            sa.select(actor_sectors.c.sector_id, sa.func.sum(Partnership.amount))
            .join(Partnership, Partnership.actor_id == actor_sectors.c.actor_id)
            .where(counted, strategic)
            .group_by(actor_sectors.c.sector_id)
        ).all()
    )
    sectors = sa.select(Sector.id, Sector.label).where(Sector.strategic.is_(True)).order_by(Sector.label)
    if filters.sector_id is not None:
        sectors = sectors.where(Sector.id == filters.sector_id)
    in_any = sa.select(actor_sectors.c.actor_id).where(actor_sectors.c.sector_id.in_(strategic_ids))
    any_actors = session.scalar(sa.select(sa.func.count()).select_from(Actor).where(current, Actor.id.in_(in_any))) or 0
    any_amount = session.scalar(
        sa.select(sa.func.sum(Partnership.amount)).where(counted, Partnership.actor_id.in_(in_any))
    )
    rows = []
    for sector_id, label in session.execute(sectors):
        n, amount = actors.get(sector_id, 0), amounts.get(sector_id) or Decimal(0)
        rows.append([label, n, share(n, total_actors), amount, share(amount, total_amount)])
    any_amount = any_amount or Decimal(0)
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
