"""The public directory: filters, search and pagination of published actors and initiatives.

One query builder serves the directory pages, the map, the JSON API and the open-data downloads, so every
public listing shows exactly the records ``visibility`` allows, filtered the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import (
    Actor,
    Axis,
    Initiative,
    InitiativeStatus,
    LegalFamily,
    LegalForm,
    Quartier,
    Sector,
    actor_axes,
    actor_sectors,
    initiative_axes,
    initiative_quartiers,
    initiative_sectors,
)
from registry.models.actors import ESUS_VALIDITY
from registry.services.public import cache as public_cache
from registry.services.public import fulltext
from registry.services.public import records as public_records
from registry.services.public.visibility import public_actor_clause, public_initiative_clause

ACTORS = fulltext.SearchTarget(Actor, "name", "actors_fts")
INITIATIVES = fulltext.SearchTarget(Initiative, "title", "initiatives_fts")
PER_PAGE = 20
#: The orders of the directory lists (URL parameter ``tri``).
SORTS = {"nom": "Nom (A à Z)", "maj": "Dernière mise à jour"}
MAX_QUERY_LENGTH = 200


class InvalidFilter(ValueError):
    """A filter value that names nothing (an unknown axis code, a page that is not a number)."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Filters:
    """What the public asked for. Field names are the URL parameters (French, shared by pages and API)."""

    q: str = ""
    axe: str = ""
    quartier: str = ""
    secteur: str = ""
    famille: str = ""
    esus: bool = False
    statut: str = ""
    #: Order of the list: "" (name matches first, then alphabetical) or "maj" (last updated first).
    tri: str = ""
    #: Parameters given with a value that names nothing; the pages ignore them, the API refuses them.
    invalid: dict[str, str] = field(default_factory=dict, compare=False)
    #: What each reference code names, resolved once when the parameters are read (axe, quartier, secteur: an id;
    #: famille: the ids of its legal forms), so that the list, its count and the map query reuse it.
    ids: dict[str, object] = field(default_factory=dict, compare=False)

    def as_params(self, **changes) -> dict[str, str]:
        """The non-empty parameters (for links: pagination, a removed filter, the map's data URL)."""
        merged = replace(self, **changes) if changes else self
        names = ("q", "axe", "quartier", "secteur", "famille", "statut", "tri")
        params = {name: getattr(merged, name) for name in names}
        params["esus"] = "1" if merged.esus else ""
        return {k: v for k, v in params.items() if v}

    @property
    def active(self) -> bool:
        """True when anything narrows the list (the order does not)."""
        return bool(self.as_params(tri=""))


@dataclass
class Page:
    """One page of results."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


def _id_of(session: so.Session, model, code: str) -> int | None:
    return session.scalar(sa.select(model.id).where(model.code == code))


def _family_forms(session: so.Session, family: str) -> list[int] | None:
    if family not in {f.value for f in LegalFamily}:
        return None
    return list(session.scalars(sa.select(LegalForm.id).where(LegalForm.family == family)))


def parse_filters(session: so.Session, args: Mapping[str, str], *, kind: str = "actors") -> Filters:
    """Read the filters from URL parameters; values that name nothing are set aside in ``invalid``."""
    invalid: dict[str, str] = {}
    ids: dict[str, object] = {}
    # NUL characters name nothing, and PostgreSQL refuses them in text: dropped before any query.
    values: dict[str, object] = {"q": (args.get("q") or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]}
    checks = {
        "axe": (lambda code: _id_of(session, Axis, code), "Axe inconnu"),
        "quartier": (lambda code: _id_of(session, Quartier, code), "Quartier inconnu"),
        "secteur": (lambda code: _id_of(session, Sector, code), "Secteur inconnu"),
    }
    if kind == "actors":
        checks["famille"] = (lambda code: _family_forms(session, code), "Famille juridique inconnue")
    else:
        statuses = {s.value for s in InitiativeStatus}
        checks["statut"] = (lambda code: code if code in statuses else None, "Statut inconnu")
    for name, (resolve, message) in checks.items():
        value = (args.get(name) or "").strip()
        if not value:
            continue
        resolved = None if "\x00" in value else resolve(value[:100])
        if resolved is not None:
            values[name], ids[name] = value, resolved
        else:
            invalid[name] = f"{message} : « {value[:60]} »."
    tri = (args.get("tri") or "").strip()
    if tri in SORTS and tri != "nom":
        values["tri"] = tri
    elif tri and tri not in SORTS:
        invalid["tri"] = f"Tri inconnu : « {tri[:60]} » (attendu : nom ou maj)."
    esus = (args.get("esus") or "").strip().lower()
    if kind == "actors" and esus:
        if esus in ("1", "oui", "true", "on"):
            values["esus"] = True
        elif esus not in ("0", "non", "false", "off"):
            invalid["esus"] = "Valeur ESUS invalide : attendu 1 (oui) ou 0 (non)."
    return Filters(**values, invalid=invalid, ids=ids)


def parse_page(value: str | None) -> int:
    """A page number from the URL (1 when absent); InvalidFilter when not a positive integer."""
    if value is None or value == "":
        return 1
    if not (value.isascii() and value.isdigit()) or int(value) < 1 or int(value) > 100_000:
        raise InvalidFilter("page", "Numéro de page invalide : attendu un entier positif.")
    return int(value)


def esus_clause(today: date | None = None) -> sa.ColumnElement[bool]:
    """Actors holding an ESUS agrément still valid today (granted for five years): SQL form."""
    today = today or date.today()
    return sa.and_(Actor.esus_date.is_not(None), Actor.esus_date > today - ESUS_VALIDITY, Actor.esus_date <= today)


def esus_is_current(esus_date: date | None, today: date | None = None) -> bool:
    """The same rule as ``esus_clause``, for one record."""
    today = today or date.today()
    return esus_date is not None and today - ESUS_VALIDITY < esus_date <= today


def _resolved(session: so.Session, filters: Filters, name: str, model) -> int | None:
    # Resolved first (once, by parse_filters), so the planner sees a value rather than a subquery.
    if name in filters.ids:
        return filters.ids[name]
    return _id_of(session, model, getattr(filters, name))


def _in_link(actor_column, other_column, other_id) -> sa.ColumnElement[bool]:
    return Actor.id.in_(sa.select(actor_column).where(other_column == other_id))


def _exists_link(actor_column, other_column, other_id) -> sa.ColumnElement[bool]:
    return sa.exists().where(actor_column == Actor.id, other_column == other_id)


def actor_conditions(session: so.Session, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """WHERE terms of the public actors matching ``filters`` (without the text search)."""
    terms = [public_actor_clause()]
    # With a quartier, the planner should start from its index and check the axis and sector of each actor
    # (EXISTS); without one, the actors of an axis or sector are gathered first (IN).
    link = _exists_link if filters.quartier else _in_link
    if filters.axe:
        terms.append(link(actor_axes.c.actor_id, actor_axes.c.axis_id, _resolved(session, filters, "axe", Axis)))
    if filters.quartier:
        terms.append(Actor.quartier_id == _resolved(session, filters, "quartier", Quartier))
    if filters.secteur:
        terms.append(
            link(actor_sectors.c.actor_id, actor_sectors.c.sector_id, _resolved(session, filters, "secteur", Sector))
        )
    if filters.famille:
        form_ids = filters.ids.get("famille")
        if form_ids is None:
            form_ids = _family_forms(session, filters.famille) or []
        terms.append(Actor.legal_form_id.in_(form_ids))
    if filters.esus:
        terms.append(esus_clause())
    return terms


def initiative_conditions(session: so.Session, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """WHERE terms of the public initiatives matching ``filters`` (city-wide ones count in every quartier)."""
    terms = [public_initiative_clause()]
    if filters.axe:
        axis_id = _resolved(session, filters, "axe", Axis)
        link = initiative_axes.c
        terms.append(Initiative.id.in_(sa.select(link.initiative_id).where(link.axis_id == axis_id)))
    if filters.quartier:
        quartier_id = _resolved(session, filters, "quartier", Quartier)
        link = initiative_quartiers.c
        terms.append(
            sa.or_(
                Initiative.city_wide.is_(True),
                Initiative.id.in_(sa.select(link.initiative_id).where(link.quartier_id == quartier_id)),
            )
        )
    if filters.secteur:
        sector_id = _resolved(session, filters, "secteur", Sector)
        link = initiative_sectors.c
        terms.append(Initiative.id.in_(sa.select(link.initiative_id).where(link.sector_id == sector_id)))
    if filters.statut:
        terms.append(Initiative.status == InitiativeStatus(filters.statut))
    return terms


def _search(session: so.Session, target, terms, filters: Filters, page: int, per_page: int, options) -> Page:
    model = target.model
    dialect = session.get_bind().dialect.name
    words = fulltext.search_words(filters.q)
    order = [fulltext.sort_key(model), model.id]
    if words:
        terms = [*terms, fulltext.match_clause(target, words, dialect)]
        order.insert(0, sa.case((fulltext.name_match(target, words, dialect), 0), else_=1))
    if filters.tri == "maj":
        order = [model.updated_at.desc(), model.id]
    total = public_cache.count(session, model, terms)
    rows = session.scalars(
        sa.select(model)
        .where(*terms)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(*options)
        # Collections loaded with the visibility rule must replace any already in the session.
        .execution_options(populate_existing=True)
    ).all()
    return Page(items=list(rows), total=total, page=page, per_page=per_page)


def search_actors(
    session: so.Session, filters: Filters, page: int = 1, per_page: int = PER_PAGE, *, located: bool = False
) -> Page:
    """One page of public actors matching ``filters``: name matches first, then alphabetical order.

    ``located`` keeps only the actors with coordinates (the map).
    """
    terms = actor_conditions(session, filters)
    if located:
        terms += [Actor.latitude.is_not(None), Actor.longitude.is_not(None)]
    return _search(session, ACTORS, terms, filters, page, per_page, public_records.actor_options())


def search_initiatives(session: so.Session, filters: Filters, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of public initiatives matching ``filters``: title matches first, then alphabetical order."""
    terms = initiative_conditions(session, filters)
    return _search(session, INITIATIVES, terms, filters, page, per_page, public_records.initiative_options())


def iter_matching(session: so.Session, kind: str, filters: Filters):
    """Every public record of a directory matching ``filters`` (no page), by chunks: « Exporter cette sélection »."""
    if kind == "actors":
        target, terms, options = ACTORS, actor_conditions(session, filters), public_records.actor_options()
    else:
        target, terms, options = (
            INITIATIVES,
            initiative_conditions(session, filters),
            public_records.initiative_options(),
        )
    words = fulltext.search_words(filters.q)
    if words:
        terms.append(fulltext.match_clause(target, words, session.get_bind().dialect.name))
    return public_records.iterate(session, sa.select(target.model).where(*terms).options(*options))
