"""The figures of the back-office dashboard, each computed by aggregate SQL (never a loop over rows).

Each function returns a ``Table``: the same object is shown as an HTML table, drawn as a chart and written
to a spreadsheet, so the three always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.ext.compiler import compiles

from registry.models import (
    Actor,
    ActorStatus,
    Axis,
    Initiative,
    LoanProgramme,
    LoanReport,
    Partnership,
    PartnershipStatus,
    Quartier,
    Sector,
    actor_axes,
    actor_sectors,
    initiative_axes,
    initiative_quartiers,
)
from registry.models.actors import ESUS_VALIDITY

#: Partnerships that count in amounts: everything but drafts and cancelled ones.
COUNTED_STATUSES = (PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE, PartnershipStatus.ENDED)


class year_of(sa.sql.functions.FunctionElement):
    """The year of a date column, computed cheaply on each engine."""

    type = sa.Integer()
    inherit_cache = True


@compiles(year_of)
def _year_default(element, compiler, **kw):
    return f"EXTRACT(YEAR FROM {compiler.process(element.clauses, **kw)})"


@compiles(year_of, "sqlite")
def _year_sqlite(element, compiler, **kw):
    # SQLite stores dates as 'YYYY-MM-DD' text: the first four characters, no date parsing per row.
    return f"CAST(substr({compiler.process(element.clauses, **kw)}, 1, 4) AS INTEGER)"


PARTNERSHIP_YEAR = year_of(
    sa.func.coalesce(Partnership.convention_date, Partnership.start_date, Partnership.decision_date)
)


@dataclass
class Table:
    """A titled table of figures: ``kinds`` says how to show each column (text, int, money, percent, date)."""

    key: str
    title: str
    headers: list[str]
    kinds: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    links: list[str | None] = field(default_factory=list)
    total: int | None = None


def _current_actor():
    return Actor.status != ActorStatus.ARCHIVED


def actors_by_axis_and_quartier(session: so.Session) -> Table:
    """Non-archived actors per axis (rows) and quartier (columns), with totals of distinct actors."""
    quartiers = list(session.execute(sa.select(Quartier.id, Quartier.name).order_by(Quartier.name)))
    axes = list(session.execute(sa.select(Axis.id, Axis.label).order_by(Axis.position)))
    joined = sa.select(actor_axes.c.axis_id, Actor.quartier_id, Actor.id).join(Actor, Actor.id == actor_axes.c.actor_id)
    joined = joined.where(_current_actor()).subquery()
    cells = {
        (a, q): n
        for a, q, n in session.execute(
            sa.select(joined.c.axis_id, joined.c.quartier_id, sa.func.count()).group_by(
                joined.c.axis_id, joined.c.quartier_id
            )
        )
    }
    per_axis = dict(session.execute(sa.select(joined.c.axis_id, sa.func.count()).group_by(joined.c.axis_id)).all())
    per_quartier = dict(
        session.execute(
            sa.select(Actor.quartier_id, sa.func.count()).where(_current_actor()).group_by(Actor.quartier_id)
        ).all()
    )
    return _cross_table(
        "acteurs-axes-quartiers",
        "Acteurs par axe et par quartier",
        axes,
        quartiers,
        cells,
        per_axis,
        per_quartier,
        "Acteurs non archivés. Un acteur inscrit dans deux axes compte dans chacun ; les totaux comptent chaque "
        "acteur une fois.",
    )


def initiatives_by_axis_and_quartier(session: so.Session) -> Table:
    """Non-archived initiatives per axis and quartier (an initiative counts in each of its quartiers)."""
    quartiers = list(session.execute(sa.select(Quartier.id, Quartier.name).order_by(Quartier.name)))
    axes = list(session.execute(sa.select(Axis.id, Axis.label).order_by(Axis.position)))
    current = sa.select(Initiative.id).where(Initiative.archived_at.is_(None))
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
    return _cross_table(
        "initiatives-axes-quartiers",
        "Initiatives par axe et par quartier",
        axes,
        quartiers,
        cells,
        per_axis,
        per_quartier,
        "Initiatives non archivées ; une initiative menée dans plusieurs quartiers compte dans chacun.",
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


def partnership_amounts_by_year_and_axis(session: so.Session) -> Table:
    """Sum of partnership amounts per year (rows) and axis of the actor (columns), and the year's total."""
    axes = list(session.execute(sa.select(Axis.id, Axis.label).order_by(Axis.position)))
    year = PARTNERSHIP_YEAR.label("year")
    counted = Partnership.status.in_(COUNTED_STATUSES)
    by_axis = session.execute(
        sa.select(year, actor_axes.c.axis_id, sa.func.sum(Partnership.amount))
        .join(actor_axes, actor_axes.c.actor_id == Partnership.actor_id)
        .where(counted, year.is_not(None))
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
    rows = [[y, *(cells.get((y, a), Decimal(0)) for a, _ in axes), totals[y][0], totals[y][1]] for y in sorted(totals)]
    kinds = ["year", *["money"] * (len(axes) + 1), "int"]
    note = (
        "Partenariats signés, en cours ou terminés, par année de convention (à défaut de début ou de décision). "
        "Un partenariat compte pour chaque axe de son acteur : les colonnes d'axes ne s'additionnent pas."
    )
    title = "Montants des partenariats par année et par axe"
    return Table("partenariats-annees-axes", title, headers, kinds, rows, note)


def loans_by_programme_and_quarter(session: so.Session) -> Table:
    """Loans granted and amounts per programme and calendar quarter (from the programmes' reports)."""
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
        "D'après les bilans des programmes, au trimestre de début de la période du bilan.",
    )


def strategic_sectors_share(session: so.Session) -> Table:
    """For each strategic sector: its actors and the partnership amounts they received, with their shares."""
    current = _current_actor()
    total_actors = session.scalar(sa.select(sa.func.count()).select_from(Actor).where(current)) or 0
    counted = Partnership.status.in_(COUNTED_STATUSES)
    total_amount = session.scalar(sa.select(sa.func.sum(Partnership.amount)).where(counted)) or Decimal(0)
    actors = dict(
        session.execute(
            sa.select(actor_sectors.c.sector_id, sa.func.count())
            .join(Actor, Actor.id == actor_sectors.c.actor_id)
            .where(current)
            .group_by(actor_sectors.c.sector_id)
        ).all()
    )
    amounts = dict(
        session.execute(
            sa.select(actor_sectors.c.sector_id, sa.func.sum(Partnership.amount))
            .join(Partnership, Partnership.actor_id == actor_sectors.c.actor_id)
            .where(counted)
            .group_by(actor_sectors.c.sector_id)
        ).all()
    )
    strategic_ids = sa.select(Sector.id).where(Sector.strategic.is_(True))
    in_any = sa.select(actor_sectors.c.actor_id).where(actor_sectors.c.sector_id.in_(strategic_ids))
    any_actors = session.scalar(sa.select(sa.func.count()).select_from(Actor).where(current, Actor.id.in_(in_any))) or 0
    any_amount = session.scalar(
        sa.select(sa.func.sum(Partnership.amount)).where(counted, Partnership.actor_id.in_(in_any))
    )
    rows = []
    for sector_id, label in session.execute(
        sa.select(Sector.id, Sector.label).where(Sector.strategic.is_(True)).order_by(Sector.label)
    ):
        n, amount = actors.get(sector_id, 0), amounts.get(sector_id) or Decimal(0)
        rows.append([label, n, _share(n, total_actors), amount, _share(amount, total_amount)])
    any_amount = any_amount or Decimal(0)
    rows.append(
        ["Au moins un secteur stratégique", any_actors, _share(any_actors, total_actors), any_amount,
         _share(any_amount, total_amount)]
    )  # fmt: skip
    return Table(
        "secteurs-strategiques",
        "Part des secteurs stratégiques",
        ["Secteur", "Acteurs", "Part des acteurs", "Montant des partenariats", "Part des montants"],
        ["text", "int", "percent", "money", "percent"],
        rows,
        f"Sur {total_actors} acteurs non archivés et l'ensemble des partenariats signés, en cours ou terminés.",
    )


def _share(part, whole) -> float:
    return float(part) / float(whole) if whole else 0.0


def partnerships_ending(session: so.Session, window_days: int, limit: int = 50) -> Table:
    """Signed or running partnerships whose end date falls within the next ``window_days`` (the table holds
    the first ``limit``; ``Table.note`` says how many there are)."""
    today = date.today()
    ending = sa.and_(
        Partnership.end_date >= today,
        Partnership.end_date <= today + timedelta(days=window_days),
        Partnership.status.in_([PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE]),
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(Partnership).where(ending)) or 0
    rows = session.execute(
        sa.select(Partnership.id, Partnership.ref, Actor.name, Partnership.object, Partnership.end_date)
        .add_columns(Partnership.amount)
        .join(Actor, Actor.id == Partnership.actor_id)
        .where(ending)
        .order_by(Partnership.end_date, Partnership.id)
        .limit(limit)
    ).all()
    return Table(
        "partenariats-a-renouveler",
        f"Partenariats se terminant d'ici {window_days} jours",
        ["Référence", "Acteur", "Objet", "Fin", "Montant"],
        ["text", "text", "text", "date", "money"],
        [[ref, name, obj, end, amount] for _, ref, name, obj, end, amount in rows],
        _listed(len(rows), total),
        links=[f"partnership:{pid}" for pid, *_ in rows],
        total=total,
    )


def esus_expiring(session: so.Session, window_days: int, limit: int = 50) -> Table:
    """Non-archived actors whose five-year ESUS agrément expires within the window, or expired within it."""
    today = date.today()
    # The agrément lasts ESUS_VALIDITY: it expires by the horizon when granted before horizon - validity.
    esus = sa.and_(
        _current_actor(),
        Actor.esus_date.is_not(None),
        Actor.esus_date <= today + timedelta(days=window_days) - ESUS_VALIDITY,
        Actor.esus_date >= today - timedelta(days=window_days) - ESUS_VALIDITY,
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(Actor).where(esus)) or 0
    rows = session.execute(
        sa.select(Actor.id, Actor.name, Actor.esus_date).where(esus).order_by(Actor.esus_date, Actor.id).limit(limit)
    ).all()
    return Table(
        "agrements-esus",
        "Agréments ESUS expirant bientôt (ou expirés depuis peu)",
        ["Acteur", "Agrément du", "Expire le"],
        ["text", "date", "date"],
        [[name, granted, granted + ESUS_VALIDITY] for _, name, granted in rows],
        _listed(len(rows), total),
        links=[f"actor:{aid}" for aid, *_ in rows],
        total=total,
    )


def _listed(shown: int, total: int) -> str:
    return f"{total} au total ; les {shown} plus proches sont listés." if total > shown else ""
