"""The dashboard's filters: read from the URL (so a filtered dashboard can be shared), turned into SQL clauses.

A period (a year, or a date range) restricts what is dated: partnerships (by convention date, else start,
else decision), loan reports (by the start of their period), initiatives (those running during the period)
and actors (those registered by its end). Axis, quartier, strategic sector and legal family restrict actors,
and through their actor the partnerships; for initiatives the axis and quartier are the initiative's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import (
    Actor,
    Axis,
    Initiative,
    LegalFamily,
    LegalForm,
    Quartier,
    Sector,
    actor_axes,
    actor_sectors,
    initiative_axes,
    initiative_quartiers,
)

FIRST_YEAR, LAST_YEAR = 1990, 2100


@dataclass(frozen=True)
class Filters:
    """What the dashboard is restricted to. Ids are resolved from the codes of the URL."""

    start: date | None = None
    end: date | None = None
    axis_id: int | None = None
    quartier_id: int | None = None
    sector_id: int | None = None
    family: LegalFamily | None = None
    #: The URL parameters that gave these filters (only the valid ones), to rebuild links.
    args: tuple[tuple[str, str], ...] = ()
    #: « Axe : Former », … for titles and spreadsheets.
    labels: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default=(), compare=False)

    @property
    def active(self) -> bool:
        return bool(self.args)

    @property
    def has_actor_filter(self) -> bool:
        return any(v is not None for v in (self.axis_id, self.quartier_id, self.sector_id, self.family))

    @property
    def description(self) -> str:
        return " ; ".join(self.labels)

    def years(self, today: date, count: int = 8) -> list[int]:
        """The years a chart by year shows: the period's (at most 12), else the last ``count`` years."""
        if self.start or self.end:
            first = (self.start or date(FIRST_YEAR, 1, 1)).year
            last = (self.end or today).year
            first = max(first, last - 11)
            return list(range(first, last + 1))
        return list(range(today.year - count + 1, today.year + 1))

    # --- SQL clauses --------------------------------------------------------------------------------------

    def actor_clauses(self) -> list:
        """Conditions on ``Actor`` for the axis, quartier, sector and family filters."""
        clauses = []
        if self.quartier_id is not None:
            clauses.append(Actor.quartier_id == self.quartier_id)
        if self.axis_id is not None:
            clauses.append(Actor.id.in_(sa.select(actor_axes.c.actor_id).where(actor_axes.c.axis_id == self.axis_id)))
        if self.sector_id is not None:
            clauses.append(
                Actor.id.in_(sa.select(actor_sectors.c.actor_id).where(actor_sectors.c.sector_id == self.sector_id))
            )
        if self.family is not None:
            clauses.append(Actor.legal_form_id.in_(sa.select(LegalForm.id).where(LegalForm.family == self.family)))
        return clauses

    def actor_registered_clauses(self) -> list:
        """Actor conditions plus « registered by the end of the period »."""
        clauses = self.actor_clauses()
        if self.end is not None:
            clauses.append(Actor.created_at <= datetime.combine(self.end, time.max))
        return clauses

    def actor_ids(self, column) -> list:
        """Conditions on a column holding an actor id (a partnership's, an initiative's lead)."""
        if not self.has_actor_filter:
            return []
        return [column.in_(sa.select(Actor.id).where(*self.actor_clauses()))]

    def dated(self, column) -> list:
        """Conditions putting a date column within the period."""
        clauses = []
        if self.start is not None:
            clauses.append(column >= self.start)
        if self.end is not None:
            clauses.append(column <= self.end)
        return clauses

    def initiative_clauses(self) -> list:
        """Conditions on ``Initiative``: its own axis and quartier, its lead's sector and family, the period."""
        clauses = []
        if self.axis_id is not None:
            clauses.append(
                Initiative.id.in_(
                    sa.select(initiative_axes.c.initiative_id).where(initiative_axes.c.axis_id == self.axis_id)
                )
            )
        if self.quartier_id is not None:
            clauses.append(
                Initiative.id.in_(
                    sa.select(initiative_quartiers.c.initiative_id).where(
                        initiative_quartiers.c.quartier_id == self.quartier_id
                    )
                )
            )
        if self.sector_id is not None or self.family is not None:
            lead = Filters(sector_id=self.sector_id, family=self.family)
            clauses.append(Initiative.lead_actor_id.in_(sa.select(Actor.id).where(*lead.actor_clauses())))
        if self.end is not None:
            clauses.append(sa.or_(Initiative.start_date.is_(None), Initiative.start_date <= self.end))
        if self.start is not None:
            clauses.append(sa.or_(Initiative.end_date.is_(None), Initiative.end_date >= self.start))
        return clauses


NO_FILTERS = Filters()


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_filters(session: so.Session, args) -> Filters:
    """Filters from URL parameters (``annee``, ``du``, ``au``, ``axe``, ``quartier``, ``secteur``, ``famille``).

    A value that is not understood is left out and explained in French in ``errors``; it never fails.
    """
    values: dict = {}
    kept: list[tuple[str, str]] = []
    labels: list[str] = []
    errors: list[str] = []

    def text(name: str) -> str:
        return (args.get(name) or "").strip()[:100]

    year = text("annee")
    if year:
        if year.isdigit() and FIRST_YEAR <= int(year) <= LAST_YEAR:
            values["start"], values["end"] = date(int(year), 1, 1), date(int(year), 12, 31)
            kept.append(("annee", year))
            labels.append(f"Année {year}")
        else:
            errors.append(f"Année « {year} » non comprise : indiquez une année comme 2025.")
    if "start" not in values:
        for name, key, word in (("du", "start", "Du"), ("au", "end", "Au")):
            raw = text(name)
            if not raw:
                continue
            parsed = _parse_date(raw)
            if parsed is None or not FIRST_YEAR <= parsed.year <= LAST_YEAR:
                errors.append(f"Date « {raw} » non comprise : indiquez une date comme 31/12/2025.")
                continue
            values[key] = parsed
            kept.append((name, parsed.isoformat()))
            labels.append(f"{word} {parsed:%d/%m/%Y}")
        if values.get("start") and values.get("end") and values["start"] > values["end"]:
            errors.append("La date de début est après la date de fin : la période est ignorée.")
            values.pop("start"), values.pop("end")
            kept = [(k, v) for k, v in kept if k not in ("du", "au")]
            labels = []
        elif values.get("start") and values.get("end"):
            labels = [f"Du {values['start']:%d/%m/%Y} au {values['end']:%d/%m/%Y}"]
    lookups = (
        ("axe", "axis_id", Axis, Axis.code, Axis.label, "Axe", "Axe inconnu"),
        ("quartier", "quartier_id", Quartier, Quartier.code, Quartier.name, "Quartier", "Quartier inconnu"),
        ("secteur", "sector_id", Sector, Sector.code, Sector.label, "Secteur", "Secteur stratégique inconnu"),
    )
    for name, key, model, code_column, label_column, word, unknown in lookups:
        code = text(name)
        if not code:
            continue
        query = sa.select(model.id, label_column).where(code_column == code)
        if model is Sector:
            query = query.where(Sector.strategic.is_(True))
        row = session.execute(query).first()
        if row is None:
            errors.append(f"{unknown} : « {code} ». Le filtre est ignoré.")
            continue
        values[key] = row[0]
        kept.append((name, code))
        labels.append(f"{word} : {row[1]}")
    family = text("famille")
    if family:
        try:
            values["family"] = LegalFamily(family)
            kept.append(("famille", family))
            labels.append(f"Famille juridique : {values['family'].label}")
        except ValueError:
            errors.append(f"Famille juridique inconnue : « {family} ». Le filtre est ignoré.")
    return Filters(**values, args=tuple(kept), labels=tuple(labels), errors=tuple(errors))


def choices(session: so.Session) -> dict[str, list[tuple[str, str]]]:
    """The values each filter offers, as (code, label)."""
    return {
        "axe": list(session.execute(sa.select(Axis.code, Axis.label).order_by(Axis.position))),
        "quartier": list(session.execute(sa.select(Quartier.code, Quartier.name).order_by(Quartier.name))),
        "secteur": list(
            session.execute(
                sa.select(Sector.code, Sector.label).where(Sector.strategic.is_(True)).order_by(Sector.label)
            )
        ),
        "famille": [(f.value, f.label) for f in LegalFamily],
    }
