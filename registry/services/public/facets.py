"""Facet counts of the public directory: beside each filter value, how many records the list would show with it
(the other filters and the text search kept). One GROUP BY per filter, remembered until public data changes."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import (
    Actor,
    Axis,
    Initiative,
    LegalForm,
    Quartier,
    Sector,
    actor_axes,
    actor_sectors,
    initiative_axes,
    initiative_quartiers,
    initiative_sectors,
)
from registry.services.public import cache as public_cache
from registry.services.public import directory, fulltext


def _terms(session: so.Session, kind: str, filters: directory.Filters) -> list:
    if kind == "actors":
        target, terms = directory.ACTORS, directory.actor_conditions(session, filters)
    else:
        target, terms = directory.INITIATIVES, directory.initiative_conditions(session, filters)
    words = fulltext.search_words(filters.q)
    if words:
        terms.append(fulltext.match_clause(target, words, session.get_bind().dialect.name))
    return terms


def _grouped(session, statement) -> dict[str, int]:
    return {str(code): n for code, n in session.execute(statement)}


def _link_counts(session, kind, filters, name, link_model, link_column, record_column, code_model):
    """Per code of ``code_model``: the records linked to it through ``link_model`` that match the other filters."""
    model = Actor if kind == "actors" else Initiative
    terms = _terms(session, kind, replace(filters, **{name: ""}))
    return _grouped(
        session,
        sa.select(code_model.code, sa.func.count(sa.distinct(record_column)))
        .select_from(link_model)
        .join(code_model, code_model.id == link_column)
        .join(model, model.id == record_column)
        .where(*terms)
        .group_by(code_model.code),
    )


def actor_facets(session: so.Session, filters: directory.Filters) -> dict[str, dict[str, int]]:
    c = actor_axes.c
    s = actor_sectors.c
    others = {
        "famille": _terms(session, "actors", replace(filters, famille="")),
        "quartier": _terms(session, "actors", replace(filters, quartier="")),
        "esus": _terms(session, "actors", replace(filters, esus=False)),
    }
    esus_terms = [*others["esus"], directory.esus_clause()]
    return {
        "axe": _link_counts(session, "actors", filters, "axe", actor_axes, c.axis_id, c.actor_id, Axis),
        "secteur": _link_counts(session, "actors", filters, "secteur", actor_sectors, s.sector_id, s.actor_id, Sector),
        "quartier": _grouped(
            session,
            sa.select(Quartier.code, sa.func.count(Actor.id))
            .join(Quartier, Quartier.id == Actor.quartier_id)
            .where(*others["quartier"])
            .group_by(Quartier.code),
        ),
        "famille": _grouped(
            session,
            sa.select(LegalForm.family, sa.func.count(Actor.id))
            .join(LegalForm, LegalForm.id == Actor.legal_form_id)
            .where(*others["famille"])
            .group_by(LegalForm.family),
        ),
        "esus": {"1": session.scalar(sa.select(sa.func.count(Actor.id)).where(*esus_terms))},
    }


def initiative_facets(session: so.Session, filters: directory.Filters) -> dict[str, dict[str, int]]:
    a, s, q = initiative_axes.c, initiative_sectors.c, initiative_quartiers.c
    quartier_terms = _terms(session, "initiatives", replace(filters, quartier=""))
    by_quartier = _link_counts(
        session, "initiatives", filters, "quartier", initiative_quartiers, q.quartier_id, q.initiative_id, Quartier
    )
    # City-wide initiatives count in every quartier (as the quartier filter keeps them).
    city_wide = session.scalar(
        sa.select(sa.func.count(Initiative.id)).where(*quartier_terms, Initiative.city_wide.is_(True))
    )
    linked_city_wide = _grouped(
        session,
        sa.select(Quartier.code, sa.func.count(sa.distinct(q.initiative_id)))
        .select_from(initiative_quartiers)
        .join(Quartier, Quartier.id == q.quartier_id)
        .join(Initiative, Initiative.id == q.initiative_id)
        .where(*quartier_terms, Initiative.city_wide.is_(True))
        .group_by(Quartier.code),
    )
    quartiers = session.scalars(sa.select(Quartier.code)).all()
    statut_terms = _terms(session, "initiatives", replace(filters, statut=""))
    return {
        "axe": _link_counts(session, "initiatives", filters, "axe", initiative_axes, a.axis_id, a.initiative_id, Axis),
        "secteur": _link_counts(
            session, "initiatives", filters, "secteur", initiative_sectors, s.sector_id, s.initiative_id, Sector
        ),
        "quartier": {code: by_quartier.get(code, 0) - linked_city_wide.get(code, 0) + city_wide for code in quartiers},
        "statut": {
            getattr(status, "value", status): n
            for status, n in session.execute(
                sa.select(Initiative.status, sa.func.count(Initiative.id))
                .where(*statut_terms)
                .group_by(Initiative.status)
            )
        },
    }


def facets(session: so.Session, kind: str, filters: directory.Filters) -> dict[str, dict[str, int]]:
    """Counts per filter value for the directory of ``kind`` (actors, initiatives), remembered per filter set."""
    compute = actor_facets if kind == "actors" else initiative_facets
    key = ("facets", kind, tuple(sorted(filters.as_params().items())))
    return public_cache.remember(session, key, lambda: compute(session, filters))
