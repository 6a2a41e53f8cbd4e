"""The Partenariats sheet."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from registry.models import Partnership, PartnershipKind, PartnershipNature, PartnershipStatus, PaymentTerms
from registry.services.records.partnerships import clean_partnership
from registry.services.reference.normalize import fold
from registry.workbook import cells
from registry.workbook.spec import (
    Column,
    NaturalKey,
    RefIndex,
    SheetSpec,
    enum_labels,
    record_column,
    target_id,
)


def numbered_reference(partnership, index, counters: dict) -> None:
    """A new partnership without Réf. gets the next PART-<year>-NNN of its year (convention, start or decision
    date; else this year), unique across the registry and the workbook."""
    if partnership.ref:
        return
    year = partnership.convention_date or partnership.start_date or partnership.decision_date
    prefix = f"PART-{year.year if year else date.today().year}"
    if prefix not in counters:
        tails = [k[len(prefix) + 1 :] for k in index.by_key if k.startswith(prefix + "-")]
        counters[prefix] = max([int(t) for t in tails if t.isdigit()] or [0])
    counters[prefix] += 1
    partnership.ref = f"{prefix}-{counters[prefix]:03d}"


#: Other words officers and finance software use for the enumerated values (``typed``), {text: member value}.
KIND_SYNONYMS = {
    "CPO": "objectives_convention",
    "convention d'objectifs": "objectives_convention",
    "subvention d'investissement": "project_subsidy",
    "subvention exceptionnelle": "project_subsidy",
    "locaux": "premises",
    "clause sociale": "reserved_contract",
    "marché réservé": "reserved_contract",
}
NATURE_SYNONYMS = {
    "argent": "cash",
    "financier": "cash",
    "financière": "cash",
    "espèces": "cash",
    "aide en nature": "in_kind",
    "valorisation": "in_kind",
    "mixte": "mixed",
}
PAYMENT_SYNONYMS = {
    "en une fois": "single",
    "versement unique": "single",
    "en plusieurs fois": "instalments",
    "fractionné": "instalments",
    "acomptes": "instalments",
}
STATUS_SYNONYMS = {
    "convention signée": "signed",
    "notifié": "signed",
    "en cours d'exécution": "active",
    "en cours de versement": "active",
    "soldé": "ended",
    "clôturé": "ended",
    "achevé": "ended",
    "abandonné": "cancelled",
    "en préparation": "draft",
    "à l'étude": "draft",
}


def _actor_and(p: dict, *attrs: str) -> tuple | None:
    values = [p.get(a) for a in attrs]
    if p.get("actor") is None or any(v is None or v == "" for v in values):
        return None
    return (target_id(p["actor"]), *(fold(v) if isinstance(v, str) else v for v in values))


def _existing(*columns):
    def keys(session):
        query = sa.select(Partnership.id, Partnership.actor_id, *columns)
        for pid, actor_id, *values in session.execute(query):
            if actor_id is not None and all(v is not None and v != "" for v in values):
                yield (actor_id, *(fold(v) if isinstance(v, str) else v for v in values)), pid

    return keys


#: Rows without Réf.: the actor's partnership with this decision reference, else with this object and start date.
PARTNERSHIP_KEYS = (
    NaturalKey(
        "même acteur et même référence de décision",
        "Référence de la décision",
        lambda p: _actor_and(p, "decision_reference"),
        _existing(Partnership.decision_reference),
    ),
    NaturalKey(
        "même acteur, même objet et même date de début",
        "Objet*",
        lambda p: _actor_and(p, "object", "start_date"),
        _existing(Partnership.object, Partnership.start_date),
    ),
)


PARTNERSHIPS = SheetSpec(
    "Partenariats",
    Partnership,
    clean_partnership,
    (
        Column(
            "Réf.",
            "ref",
            cells.normalized(lambda v: (v and str(v).strip().upper()) or None, width=16),
            "Par exemple PART-2025-001. Vide : attribuée automatiquement.",
            fields=("ref",),
            keep_when_empty=True,
        ),
        record_column("Acteur*", "actor", "actor", "Réf., SIRET ou nom exact de l'acteur."),
        Column(
            "Type*",
            "kind",
            cells.enum_kind(PartnershipKind, "Type de partenariat", width=26, synonyms=KIND_SYNONYMS),
            "",
            choices=enum_labels(PartnershipKind),
        ),
        Column("Objet*", "object", cells.text(256, width=40)),
        record_column("Initiative", "initiative", "initiative", "Réf. ou titre exact de l'initiative."),
        record_column("Programme de prêt", "loan_programme", "programme", "Réf. ou nom exact du programme."),
        Column("Référence de la décision", "decision_reference", cells.text(200, width=16)),
        Column("Date de la décision", "decision_date", cells.DATE),
        Column("Date de la convention", "convention_date", cells.DATE),
        Column("Date de début", "start_date", cells.DATE),
        Column("Date de fin", "end_date", cells.DATE),
        Column("Montant (€)", "amount", cells.MONEY),
        Column(
            "Nature",
            "nature",
            cells.enum_kind(PartnershipNature, "Nature", synonyms=NATURE_SYNONYMS),
            "Vide : inchangée (Numéraire).",
            choices=enum_labels(PartnershipNature),
            keep_when_empty=True,
        ),
        Column(
            "Versement",
            "payment_terms",
            cells.enum_kind(PaymentTerms, "Versement", width=12, synonyms=PAYMENT_SYNONYMS),
            "",
            choices=enum_labels(PaymentTerms),
        ),
        Column(
            "Statut",
            "status",
            cells.enum_kind(PartnershipStatus, "Statut", width=10, synonyms=STATUS_SYNONYMS),
            "Vide : inchangé.",
            choices=enum_labels(PartnershipStatus),
            keep_when_empty=True,
        ),
        Column("Agent référent", "officer_name", cells.text(200, width=18)),
        Column("Notes", "notes", cells.text(None, width=40)),
    ),
    matching=(
        "Réf., sinon l'acteur et la référence de la décision, sinon l'acteur, l'objet (sans tenir compte des "
        "majuscules ni des accents) et la date de début ; sinon nouveau partenariat (référence attribuée)."
    ),
    unique=True,
    ref_index=RefIndex(
        "partnership",
        "partenariat",
        name_attr="object",
        taken="La référence « {value} » est déjà utilisée par un autre partenariat.",
        new_reference=numbered_reference,
        natural=PARTNERSHIP_KEYS,
    ),
)
