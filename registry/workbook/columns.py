"""One spec per sheet: the single source of sheet names, headers, parsing, validation and formatting.

Import, export, the empty template (with its ``Notice`` and ``Listes`` sheets) and the demo data all read
these specs; the contract they implement is WORKBOOK.md (interchange format v1).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from registry.models import (
    Actor,
    ActorStatus,
    Contact,
    Initiative,
    InitiativeStatus,
    LoanProgramme,
    LoanPurpose,
    LoanReport,
    Partnership,
    PartnershipKind,
    PartnershipNature,
    PartnershipStatus,
    PaymentTerms,
    ProgrammeStatus,
    SiaeType,
)
from registry.services.records.actors import clean_actor, clean_contact
from registry.services.records.initiatives import clean_initiative
from registry.services.records.loans import clean_programme, clean_report
from registry.services.records.partnerships import clean_partnership
from registry.services.records.slugs import check_slug
from registry.services.reference import normalize as n
from registry.workbook import cells
from registry.workbook.cells import Kind


def header_key(text: str | None) -> str:
    """The form under which headers match: case, accents, spaces, a trailing '*' and a '(unit)' ignored."""
    raw = re.sub(r"\([^)]*\)", " ", str(text or "")).replace("*", " ")
    return n.fold(raw)


@dataclass(frozen=True, eq=False)
class Column:
    """One column of a sheet: its contract header, the model attribute it fills and how its cells read."""

    header: str
    attr: str
    kind: Kind
    note: str = ""
    #: Field names of ``clean_*`` errors reported under this column (the attribute by default).
    fields: tuple[str, ...] = ()
    #: For references to other records: "actor", "initiative" or "programme".
    target: str | None = None
    #: The allowed values (Listes sheet, drop-downs), from the reference data.
    choices: Callable[[Any], list[str]] | None = None
    #: A required field with a default (status, nature): an empty cell keeps the current value.
    keep_when_empty: bool = False
    getter: Callable[[Any], Any] | None = None
    setter: Callable[[Any, Any], None] | None = None

    @property
    def required(self) -> bool:
        return self.header.endswith("*")

    @property
    def key(self) -> str:
        return header_key(self.header)

    @property
    def error_fields(self) -> tuple[str, ...]:
        return self.fields or (self.attr,)

    def get(self, obj):
        """The record's current value, in the form ``parse`` returns (sequences as tuples)."""
        if self.getter is not None:
            return self.getter(obj)
        value = getattr(obj, self.attr)
        return tuple(value) if isinstance(value, list) else value

    def set(self, obj, value) -> None:
        if self.setter is not None:
            self.setter(obj, value)
        else:
            setattr(obj, self.attr, self.stored(value))

    @staticmethod
    def stored(value):
        """A parsed value as the model keeps it (sequences as lists)."""
        return list(value) if isinstance(value, tuple) else value

    def to_cell(self, obj):
        """The value written in an exported cell."""
        return self.kind.to_cell(self.get(obj))


@dataclass(frozen=True, eq=False)
class SheetSpec:
    """A sheet of the workbook and the record type its rows describe."""

    name: str
    model: type
    clean: Callable
    columns: tuple[Column, ...]
    #: Personal data (the Contacts sheet): officers only.
    personal: bool = False
    #: How rows without Réf. find their record, in French, for the Notice sheet.
    matching: str = ""
    #: ``clean`` takes ``check_unique`` (the importer checks Réf. and SIRET uniqueness in batch).
    unique: bool = False
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})

    @functools.cached_property
    def direct_columns(self) -> dict[Column, bool]:
        """Columns whose value a new record can take without SQLAlchemy's change tracking (a new record is
        inserted in bulk from its values): table columns, and links without a back-reference to keep in step;
        True for a collection of links."""
        mapper = sa.inspect(self.model)
        direct = {}
        for col in self.columns:
            if col.setter is not None:
                continue
            if col.attr in mapper.column_attrs:
                direct[col] = False
                continue
            rel = mapper.relationships.get(col.attr)
            if rel is not None and not rel.back_populates and not rel.backref:
                direct[col] = rel.uselist
        return direct

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column_for_field(self, field_name: str) -> Column | None:
        """The column under which a ``clean_*`` error about ``field_name`` is reported."""
        return next((c for c in self.columns if field_name in c.error_fields), None)


def _labels(enum_cls) -> Callable[[Any], list[str]]:
    return lambda _r: [m.label for m in enum_cls]


def _values(enum_cls) -> Callable[[Any], list[str]]:
    return lambda _r: [m.value for m in enum_cls]


def _items(matcher: str) -> Callable[[Any], list[str]]:
    return lambda refdata: [str(item) for item in getattr(refdata, matcher).items]


YES_NO = lambda _r: ["Oui", "Non"]  # noqa: E731


def _slug(value) -> str | None:
    text = cells.as_text(value)
    return check_slug(text) if text and text.strip() else None


def _ref(header: str, attr: str, note: str = "", **kw) -> Column:
    return Column(header, attr, cells.normalized(_slug, width=30), note, keep_when_empty=True, **kw)


def _record(header: str, attr: str, target: str, note: str, many: bool = False, **kw) -> Column:
    return Column(header, attr, cells.record_kind(many=many), note, target=target, **kw)


def _partners_get(initiative) -> tuple:
    return tuple(p.actor for p in initiative.partners)


def _partners_set(initiative, actors) -> None:
    from registry.models import InitiativePartner

    kept = {id(p.actor): p for p in initiative.partners}
    initiative.partners = [kept.get(id(a)) or InitiativePartner(actor=a) for a in actors]


def _siret_column() -> Column:
    return Column("SIRET", "siret", cells.normalized(n.normalize_siret), "14 chiffres, espaces acceptés.")


def _axes(header: str = "Axes") -> Column:
    return Column(
        header,
        "axes",
        cells.reference_kind("axes", many=True),
        "Axes du plan, séparés par « ; » (code ou libellé).",
        choices=_items("axes"),
    )


ACTORS = SheetSpec(
    "Acteurs",
    Actor,
    clean_actor,
    (
        _ref(
            "Réf.",
            "slug",
            "Référence de la fiche (minuscules, chiffres, tirets). Vide : créée à partir du nom.",
            fields=("slug",),
        ),
        Column("Nom*", "name", cells.text(200, width=36)),
        Column(
            "Forme juridique*",
            "legal_form",
            cells.reference_kind("legal_forms", many=False),
            "",
            choices=_items("legal_forms"),
        ),
        _siret_column(),
        Column("RNA", "rna", cells.normalized(n.normalize_rna), "W suivi de 9 chiffres."),
        Column("Code APE", "ape_code", cells.normalized(n.normalize_ape, width=10), "Par exemple 88.10A."),
        Column("Agrément ESUS", "esus_date", cells.DATE, "Date de l'agrément."),
        Column(
            "Type SIAE",
            "siae_type",
            cells.enum_kind(SiaeType, "Type SIAE", by_value=True, width=10),
            "",
            choices=_values(SiaeType),
        ),
        _axes(),
        Column(
            "Secteurs",
            "sectors",
            cells.reference_kind("sectors", many=True),
            "Séparés par « ; ».",
            choices=_items("sectors"),
        ),
        Column("Quartier", "quartier", cells.reference_kind("quartiers", many=False), "", choices=_items("quartiers")),
        Column("Adresse", "address", cells.text(300, width=30)),
        Column("Code postal", "postcode", cells.normalized(n.normalize_postcode, width=10)),
        Column("Commune", "commune", cells.text(120, width=14)),
        Column("Latitude", "latitude", cells.LATITUDE, "Degrés décimaux (50.63)."),
        Column("Longitude", "longitude", cells.LONGITUDE, "Degrés décimaux (3.06)."),
        Column("Site web", "website", cells.normalized(n.normalize_url, width=30)),
        Column("Courriel", "email", cells.normalized(n.normalize_email, width=30)),
        Column("Téléphone", "phone", cells.normalized(n.normalize_phone, width=16)),
        Column("Salariés", "employees", cells.INT),
        Column("Bénévoles", "volunteers", cells.INT),
        Column("Année de création", "founding_year", cells.YEAR),
        Column(
            "Statut",
            "status",
            cells.enum_kind(ActorStatus, "Statut", width=10),
            "Vide : inchangé (Actif).",
            choices=_labels(ActorStatus),
            keep_when_empty=True,
        ),
        Column("Publié", "published", cells.BOOL, "Oui / Non.", choices=YES_NO),
        Column("Description", "description", cells.text(None, width=50)),
    ),
    matching="Réf., sinon SIRET ; sinon nouvel acteur (doublon possible signalé : même nom et même code postal).",
    unique=True,
)

CONTACTS = SheetSpec(
    "Contacts",
    Contact,
    clean_contact,
    (
        _record("Acteur*", "actor", "actor", "Réf., SIRET ou nom exact de l'acteur."),
        Column("Nom complet*", "full_name", cells.text(200, width=26)),
        Column("Fonction", "role", cells.text(200)),
        Column("Courriel", "email", cells.normalized(n.normalize_email, width=30)),
        Column("Téléphone", "phone", cells.normalized(n.normalize_phone, width=16)),
        Column(
            "Visible publiquement", "public", cells.BOOL, "Oui seulement avec l'accord de la personne.", choices=YES_NO
        ),
    ),
    personal=True,
    matching="Acteur et nom complet (sans tenir compte des majuscules ni des accents).",
)

INITIATIVES = SheetSpec(
    "Initiatives",
    Initiative,
    clean_initiative,
    (
        _ref("Réf.", "slug", "Vide : créée à partir du titre.", fields=("slug",)),
        Column("Titre*", "title", cells.text(200, width=36)),
        _record("Porteur*", "lead_actor", "actor", "Réf., SIRET ou nom exact de l'acteur porteur."),
        _record(
            "Partenaires",
            "partners",
            "actor",
            "Acteurs partenaires séparés par « ; ».",
            many=True,
            getter=_partners_get,
            setter=_partners_set,
        ),
        _axes(),
        Column("Secteurs", "sectors", cells.reference_kind("sectors", many=True), "", choices=_items("sectors")),
        Column(
            "Quartiers",
            "quartiers",
            cells.reference_kind("quartiers", many=True),
            "Séparés par « ; ».",
            choices=_items("quartiers"),
        ),
        Column(
            "Statut",
            "status",
            cells.enum_kind(InitiativeStatus, "Statut", width=10),
            "Vide : inchangé.",
            choices=_labels(InitiativeStatus),
            keep_when_empty=True,
        ),
        Column("Date de début", "start_date", cells.DATE),
        Column("Date de fin", "end_date", cells.DATE),
        Column("Budget total (€)", "budget", cells.MONEY),
        Column("Financement Ville (€)", "city_funding", cells.MONEY),
        Column("Emplois créés", "jobs_created", cells.INT),
        Column("Personnes formées", "people_trained", cells.INT),
        Column("Personnes touchées", "people_reached", cells.INT),
        Column("Publié", "published", cells.BOOL, "Oui / Non.", choices=YES_NO),
        Column("Résumé", "summary", cells.text(500, width=40)),
        Column("Description", "description", cells.text(None, width=50)),
    ),
    matching="Réf. ; sinon nouvelle initiative.",
    unique=True,
)

PROGRAMMES = SheetSpec(
    "Programmes de prêt",
    LoanProgramme,
    clean_programme,
    (
        _ref("Réf.", "slug", "Vide : créée à partir du nom.", fields=("slug",)),
        Column("Nom*", "name", cells.text(200, width=30)),
        _record("Prêteur*", "lender", "actor", "Réf., SIRET ou nom exact de l'acteur prêteur."),
        Column(
            "Objets",
            "purposes",
            cells.enum_list_kind(LoanPurpose, "Objet de prêt"),
            "Séparés par « ; ».",
            choices=_labels(LoanPurpose),
        ),
        Column("Public visé", "target_public", cells.text(200)),
        Column("Montant min (€)", "min_amount", cells.MONEY),
        Column("Montant max (€)", "max_amount", cells.MONEY),
        Column("Durée max (mois)", "max_duration_months", cells.INT),
        Column("Taux nominal (%)", "nominal_rate", cells.RATE, "En pourcentage : 4,5 pour 4,5 %."),
        Column("Taux emprunteur (%)", "borrower_rate", cells.RATE, "En pourcentage, après bonification."),
        Column("Enveloppe annuelle (€)", "yearly_envelope", cells.MONEY),
        Column("Date de début", "start_date", cells.DATE),
        Column("Date de fin", "end_date", cells.DATE),
        _axes(),
        Column(
            "Statut",
            "status",
            cells.enum_kind(ProgrammeStatus, "Statut", width=10),
            "Vide : inchangé.",
            choices=_labels(ProgrammeStatus),
            keep_when_empty=True,
        ),
        Column("Publié", "published", cells.BOOL, "Oui / Non.", choices=YES_NO),
        Column("Conditions", "eligibility", cells.text(None, width=40)),
        Column("Comment candidater", "how_to_apply", cells.text(None, width=40)),
    ),
    matching="Réf. ; sinon nouveau programme.",
    unique=True,
)

REPORTS = SheetSpec(
    "Bilans de prêts",
    LoanReport,
    clean_report,
    (
        _record("Programme*", "programme", "programme", "Réf. ou nom exact du programme."),
        Column("Début de période*", "period_start", cells.DATE),
        Column("Fin de période*", "period_end", cells.DATE),
        Column(
            "Quartier",
            "quartier",
            cells.reference_kind("quartiers", many=False),
            "Vide : toute la ville.",
            choices=_items("quartiers"),
        ),
        Column("Objet", "purpose", cells.enum_kind(LoanPurpose, "Objet de prêt"), "", choices=_labels(LoanPurpose)),
        Column("Prêts accordés", "loans_granted", cells.INT),
        Column("Montant accordé (€)", "amount_granted", cells.MONEY),
        Column("Montant remboursé (€)", "amount_repaid", cells.MONEY),
        Column("Défauts", "defaults", cells.INT),
    ),
    matching="Programme, début et fin de période, quartier et objet.",
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
        _record("Acteur*", "actor", "actor", "Réf., SIRET ou nom exact de l'acteur."),
        Column(
            "Type*",
            "kind",
            cells.enum_kind(PartnershipKind, "Type de partenariat", width=26),
            "",
            choices=_labels(PartnershipKind),
        ),
        Column("Objet*", "object", cells.text(256, width=40)),
        _record("Initiative", "initiative", "initiative", "Réf. ou titre exact de l'initiative."),
        _record("Programme de prêt", "loan_programme", "programme", "Réf. ou nom exact du programme."),
        Column("Référence de la décision", "decision_reference", cells.text(200, width=16)),
        Column("Date de la décision", "decision_date", cells.DATE),
        Column("Date de la convention", "convention_date", cells.DATE),
        Column("Date de début", "start_date", cells.DATE),
        Column("Date de fin", "end_date", cells.DATE),
        Column("Montant (€)", "amount", cells.MONEY),
        Column(
            "Nature",
            "nature",
            cells.enum_kind(PartnershipNature, "Nature"),
            "Vide : inchangée (Numéraire).",
            choices=_labels(PartnershipNature),
            keep_when_empty=True,
        ),
        Column(
            "Versement",
            "payment_terms",
            cells.enum_kind(PaymentTerms, "Versement", width=12),
            "",
            choices=_labels(PaymentTerms),
        ),
        Column(
            "Statut",
            "status",
            cells.enum_kind(PartnershipStatus, "Statut", width=10),
            "Vide : inchangé.",
            choices=_labels(PartnershipStatus),
            keep_when_empty=True,
        ),
        Column("Agent référent", "officer_name", cells.text(200, width=18)),
        Column("Notes", "notes", cells.text(None, width=40)),
    ),
    matching="Réf. ; sinon nouveau partenariat (référence attribuée).",
    unique=True,
)

#: Every data sheet, in the order records are imported (a sheet may refer to the ones before it).
SHEETS: tuple[SheetSpec, ...] = (ACTORS, CONTACTS, INITIATIVES, PROGRAMMES, REPORTS, PARTNERSHIPS)
SHEETS_BY_KEY = {header_key(s.name): s for s in SHEETS}
#: Sheets written by the export and the template, skipped by the importer.
NOTICE_SHEET = "Notice"
LISTS_SHEET = "Listes"
IGNORED_SHEETS = {header_key(NOTICE_SHEET), header_key(LISTS_SHEET)}
