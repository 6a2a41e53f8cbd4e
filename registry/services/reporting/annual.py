"""« Bilan annuel de la politique ESS — année N »: the figures of the report, from the dashboard's own figures
filtered to the year, so the report says what the dashboard says for that year.

The figures are computed on the registry as it stood at the end of 31/12 of year N, rebuilt from the audit
trail (``history.as_of``): a report regenerated next spring says the same thing. ``AnnualReport.basis`` says so
in the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    actor_axes,
    initiative_quartiers,
)
from registry.models.actors import ESUS_VALIDITY
from registry.services.history.as_of import registry_as_of
from registry.services.reporting import dashboard as figures
from registry.services.reporting.base import COUNTED_STATUSES, PARTNERSHIP_DATE, Table
from registry.services.reporting.charts import dashboard_charts
from registry.services.reporting.filters import Filters

BASIS = (
    "Chiffres tirés du registre tel qu'il était le 31 décembre {year} au soir, reconstitué depuis le journal des "
    "modifications : les fiches créées depuis n'y sont pas, celles archivées ou modifiées depuis y figurent telles "
    "qu'elles étaient. Acteurs inscrits et non archivés au 31 décembre, initiatives menées pendant l'année, "
    "partenariats datés de l'année (convention, à défaut début ou décision). Un rapport régénéré plus tard dit "
    "la même chose."
)


def year_filters(year: int) -> Filters:
    return Filters(start=date(year, 1, 1), end=date(year, 12, 31), args=(("annee", str(year)),), labels=(f"{year}",))


@dataclass
class KeyFigure:
    label: str
    value: Decimal | int
    previous: Decimal | int
    kind: str = "int"

    @property
    def change(self) -> float | None:
        return (float(self.value) - float(self.previous)) / float(self.previous) if self.previous else None


@dataclass
class AnnualReport:
    year: int
    generated_on: date
    key_figures: list[KeyFigure]
    tables: dict[str, Table]
    charts: dict = field(default_factory=dict)
    proximity: list[tuple[str, str, str]] = field(default_factory=list)
    basis: str = ""

    def __post_init__(self) -> None:
        self.basis = self.basis or BASIS.format(year=self.year)

    @property
    def title(self) -> str:
        return f"Bilan annuel de la politique ESS — année {self.year}"


def _key_figures(session: so.Session, year: int) -> dict[str, Decimal | int]:
    f = year_filters(year)
    end = f.end
    actors = session.scalar(
        sa.select(sa.func.count())
        .select_from(Actor)
        .where(Actor.status != ActorStatus.ARCHIVED, *f.actor_registered_clauses())
    )
    initiatives = session.scalar(
        sa.select(sa.func.count())
        .select_from(Initiative)
        .where(Initiative.archived_at.is_(None), *f.initiative_clauses())
    )
    counted = sa.and_(Partnership.status.in_(COUNTED_STATUSES), *f.dated(PARTNERSHIP_DATE))
    n_partnerships, amount = session.execute(
        sa.select(sa.func.count(), sa.func.sum(Partnership.amount)).where(counted)
    ).one()
    loans, loan_amount = session.execute(
        sa.select(sa.func.sum(LoanReport.loans_granted), sa.func.sum(LoanReport.amount_granted)).where(
            *f.dated(LoanReport.period_start)
        )
    ).one()
    esus = session.scalar(
        sa.select(sa.func.count())
        .select_from(Actor)
        .where(
            Actor.status != ActorStatus.ARCHIVED,
            Actor.esus_date <= end,
            Actor.esus_date > end - ESUS_VALIDITY,
        )
    )
    return {
        "actors": actors or 0,
        "initiatives": initiatives or 0,
        "partnerships": n_partnerships or 0,
        "amount": amount or Decimal(0),
        "loans": loans or 0,
        "loan_amount": loan_amount or Decimal(0),
        "esus": esus or 0,
    }


KEY_LABELS = (
    ("actors", "Acteurs inscrits au 31 décembre", "int"),
    ("initiatives", "Initiatives menées dans l'année", "int"),
    ("partnerships", "Partenariats de l'année", "int"),
    ("amount", "Montant des partenariats", "money"),
    ("loans", "Prêts bonifiés accordés", "int"),
    ("loan_amount", "Montant des prêts accordés", "money"),
    ("esus", "Agréments ESUS en cours au 31 décembre", "int"),
)


def per_axis(session: so.Session, year: int) -> Table:
    """Actors, initiatives, partnerships and amounts of each axis for the year."""
    f = year_filters(year)
    actors = figures.actors_by_axis_and_quartier(session, f)
    initiatives = figures.initiatives_by_axis_and_quartier(session, f)
    counted = sa.and_(Partnership.status.in_(COUNTED_STATUSES), *f.dated(PARTNERSHIP_DATE))
    deals = {
        axis_id: (n, s or Decimal(0))
        for axis_id, n, s in session.execute(
            sa.select(actor_axes.c.axis_id, sa.func.count(), sa.func.sum(Partnership.amount))
            .join(actor_axes, actor_axes.c.actor_id == Partnership.actor_id)
            .where(counted)
            .group_by(actor_axes.c.axis_id)
        )
    }
    axes = list(session.execute(sa.select(Axis.id, Axis.label).order_by(Axis.position)))
    rows = []
    for (axis_id, label), a_row, i_row in zip(axes, actors.rows, initiatives.rows, strict=False):
        n, s = deals.get(axis_id, (0, Decimal(0)))
        rows.append([label, a_row[-1], i_row[-1], n, s])
    return Table(
        "bilan-axes",
        f"Par axe du plan ({year})",
        ["Axe", "Acteurs", "Initiatives", "Partenariats", "Montant"],
        ["text", "int", "int", "int", "money"],
        rows,
        "Un acteur, une initiative ou un partenariat inscrit dans deux axes compte dans chacun.",
    )


def per_quartier(session: so.Session, year: int) -> tuple[Table, list[tuple[str, str, str]]]:
    """Actors, initiatives and amounts of each quartier, and the proximity work: initiatives led in its own
    quartier by an actor settled there (the kind of work the Fives régie de quartier does)."""
    f = year_filters(year)
    actors = figures.actors_by_axis_and_quartier(session, f)
    initiatives = figures.initiatives_by_axis_and_quartier(session, f)
    counted = sa.and_(Partnership.status.in_(COUNTED_STATUSES), *f.dated(PARTNERSHIP_DATE))
    amounts = dict(
        session.execute(
            sa.select(Actor.quartier_id, sa.func.sum(Partnership.amount))
            .join(Actor, Actor.id == Partnership.actor_id)
            .where(counted)
            .group_by(Actor.quartier_id)
        ).all()
    )
    local = (
        sa.select(Quartier.name, Initiative.title, Actor.name)
        .join(initiative_quartiers, initiative_quartiers.c.quartier_id == Quartier.id)
        .join(Initiative, Initiative.id == initiative_quartiers.c.initiative_id)
        .join(Actor, Actor.id == Initiative.lead_actor_id)
        .where(
            Actor.quartier_id == Quartier.id,
            Initiative.city_wide.is_(False),
            Initiative.archived_at.is_(None),
            *f.initiative_clauses(),
        )
        .order_by(Quartier.name, Initiative.title)
    )
    proximity = [tuple(row) for row in session.execute(local)]
    close = {}
    for quartier, *_ in proximity:
        close[quartier] = close.get(quartier, 0) + 1
    quartiers = list(session.execute(sa.select(Quartier.id, Quartier.name).order_by(Quartier.name)))
    totals_a, totals_i = actors.rows[-1], initiatives.rows[-1]
    rows = []
    for q_id, name in quartiers:
        col_a = actors.headers.index(name)
        col_i = initiatives.headers.index(name)
        rows.append([name, totals_a[col_a], totals_i[col_i], close.get(name, 0), amounts.get(q_id) or Decimal(0)])
    table = Table(
        "bilan-quartiers",
        f"Par quartier ({year})",
        ["Quartier", "Acteurs", "Initiatives", "dont de proximité", "Montant des partenariats"],
        ["text", "int", "int", "int", "money"],
        rows,
        "Initiatives de proximité : menées dans son propre quartier par un acteur qui y est implanté, comme les "
        "chantiers de la régie de quartier de Fives.",
    )
    return table, proximity


def loans(session: so.Session, year: int) -> Table:
    """Each programme's loans of the year: granted, amounts, repaid, defaults (no borrower's data at all)."""
    f = year_filters(year)
    rows = session.execute(
        sa.select(
            LoanProgramme.name,
            sa.func.sum(LoanReport.loans_granted),
            sa.func.sum(LoanReport.amount_granted),
            sa.func.sum(LoanReport.amount_repaid),
            sa.func.sum(LoanReport.defaults),
        )
        .join(LoanProgramme, LoanProgramme.id == LoanReport.programme_id)
        .where(*f.dated(LoanReport.period_start))
        .group_by(LoanProgramme.name)
        .order_by(LoanProgramme.name)
    )
    return Table(
        "bilan-prets",
        f"Prêts bonifiés ({year})",
        ["Programme", "Prêts accordés", "Montant accordé", "Montant remboursé", "Défauts"],
        ["text", "int", "money", "money", "int"],
        [[name, n or 0, a or Decimal(0), r or Decimal(0), d or 0] for name, n, a, r, d in rows],
        "D'après les bilans transmis par les programmes ; aucune donnée personnelle d'emprunteur.",
    )


def partnership_movements(session: so.Session, year: int) -> Table:
    """Partnerships signed, renewed and ended during the year (count and amount)."""
    f = year_filters(year)
    counted = Partnership.status.in_(COUNTED_STATUSES)
    signed = sa.and_(counted, *f.dated(PARTNERSHIP_DATE))
    earlier = sa.orm.aliased(Partnership)
    renewed = sa.and_(
        signed,
        sa.exists().where(
            earlier.actor_id == Partnership.actor_id,
            earlier.id != Partnership.id,
            earlier.end_date >= date(year - 1, 1, 1),
            earlier.end_date <= f.end,
            earlier.status.in_(COUNTED_STATUSES),
        ),
    )
    ended = sa.and_(counted, *f.dated(Partnership.end_date))
    rows = []
    for label, where in (("Signés dans l'année", signed), ("dont renouvellements", renewed), ("Terminés", ended)):
        n, s = session.execute(sa.select(sa.func.count(), sa.func.sum(Partnership.amount)).where(where)).one()
        rows.append([label, n or 0, s or Decimal(0)])
    return Table(
        "bilan-mouvements",
        f"Partenariats signés, renouvelés et terminés ({year})",
        ["Partenariats", "Nombre", "Montant"],
        ["text", "int", "money"],
        rows,
        "Renouvellement : partenariat de l'année conclu avec un acteur dont un partenariat précédent s'est terminé "
        "l'année précédente ou dans l'année.",
    )


def esus(session: so.Session, year: int) -> Table:
    """ESUS agréments granted during the year, expiring during it, and running on 31/12."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    current = Actor.status != ActorStatus.ARCHIVED
    rows = []
    for label, where in (
        ("Agréments obtenus dans l'année", sa.and_(Actor.esus_date >= start, Actor.esus_date <= end)),
        (
            "Agréments arrivés à échéance dans l'année",
            sa.and_(Actor.esus_date >= start - ESUS_VALIDITY, Actor.esus_date <= end - ESUS_VALIDITY),
        ),
        ("Agréments en cours au 31 décembre", sa.and_(Actor.esus_date <= end, Actor.esus_date > end - ESUS_VALIDITY)),
    ):
        rows.append([label, session.scalar(sa.select(sa.func.count()).select_from(Actor).where(current, where)) or 0])
    return Table(
        "bilan-esus",
        f"Agréments ESUS ({year})",
        ["Agréments « entreprise solidaire d'utilité sociale »", "Acteurs"],
        ["text", "int"],
        rows,
        "Un agrément ESUS vaut cinq ans.",
    )


def build_report(session: so.Session, year: int, today: date | None = None) -> AnnualReport:
    """Every figure of the year's report (and of the year before, for the changes), on the registry as it stood
    at the end of 31/12 of the year."""
    with registry_as_of(session, date(year, 12, 31)) as snap:
        return _build(snap.session, year, today)


def _build(session: so.Session, year: int, today: date | None) -> AnnualReport:
    now, before = _key_figures(session, year), _key_figures(session, year - 1)
    key = [KeyFigure(label, now[k], before[k], kind) for k, label, kind in KEY_LABELS]
    f = year_filters(year)
    dashboard = {
        "acteurs-axes-quartiers": figures.actors_by_axis_and_quartier(session, f),
        "initiatives-axes-quartiers": figures.initiatives_by_axis_and_quartier(session, f),
        "partenariats-annees-axes": figures.partnership_amounts_by_year_and_axis(
            session, Filters(start=date(year - 4, 1, 1), end=date(year, 12, 31))
        ),
        "prets-programmes-trimestres": figures.loans_by_programme_and_quarter(session, f),
        "secteurs-strategiques": figures.strategic_sectors_share(session, f),
    }
    quartier_table, proximity = per_quartier(session, year)
    tables = {
        "axes": per_axis(session, year),
        "quartiers": quartier_table,
        "prets": loans(session, year),
        "secteurs": dashboard["secteurs-strategiques"],
        "mouvements": partnership_movements(session, year),
        "esus": esus(session, year),
        "annees": dashboard["partenariats-annees-axes"],
    }
    charts = dashboard_charts(
        dashboard, Filters(start=date(year - 4, 1, 1), end=date(year, 12, 31)), today=date(year, 12, 31)
    )
    return AnnualReport(year, today or date.today(), key, tables, charts, proximity)
