"""The Programmes de prêt and Bilans de prêts sheets."""

from __future__ import annotations

import sqlalchemy as sa

from registry.models import LoanProgramme, LoanPurpose, LoanReport, ProgrammeStatus
from registry.services.records.loans import clean_programme, clean_report
from registry.services.reference.normalize import fold
from registry.workbook import cells
from registry.workbook.spec import (
    YES_NO,
    Column,
    NaturalKey,
    RefIndex,
    SheetSpec,
    axes_column,
    enum_labels,
    record_column,
    ref_column,
    reference_items,
    target_id,
)


def report_key(p: dict) -> tuple | None:
    """A loan report is its programme's, period's, quartier's and purpose's."""
    if None in (p.get("programme"), p.get("period_start"), p.get("period_end")):
        return None
    quartier, purpose = p.get("quartier"), p.get("purpose")
    return (
        p["programme"],
        p["period_start"],
        p["period_end"],
        quartier.id if quartier else None,
        purpose.value if purpose else None,
    )


def report_keys(session) -> dict[tuple, int]:
    """Loan reports by (programme id, period start, period end, quartier id, purpose)."""
    rows = session.execute(
        sa.select(
            LoanReport.id,
            LoanReport.programme_id,
            LoanReport.period_start,
            LoanReport.period_end,
            LoanReport.quartier_id,
            LoanReport.purpose,
        )
    )
    return {(p, s, e, q, u.value if u else None): rid for rid, p, s, e, q, u in rows}


#: Other words for a programme's status (``typed``), {text: member value}.
STATUS_SYNONYMS = {"à venir": "planned", "fermé": "closed", "terminé": "closed", "en cours": "open"}

#: Rows without Réf.: the programme with this name (case and accents aside) and this lender.
NAME_AND_LENDER = NaturalKey(
    "même nom et même prêteur",
    "Nom*",
    lambda p: (fold(p["name"]), target_id(p["lender"])) if p.get("name") and p.get("lender") else None,
    lambda session: (
        ((fold(name), lender), pid)
        for pid, name, lender in session.execute(
            sa.select(LoanProgramme.id, LoanProgramme.name, LoanProgramme.lender_id)
        )
    ),
)


PROGRAMMES = SheetSpec(
    "Programmes de prêt",
    LoanProgramme,
    clean_programme,
    (
        ref_column("Réf.", "slug", "Vide : créée à partir du nom.", fields=("slug",)),
        Column("Nom*", "name", cells.text(200, width=30)),
        record_column("Prêteur*", "lender", "actor", "Réf., SIRET ou nom exact de l'acteur prêteur."),
        Column(
            "Objets",
            "purposes",
            cells.enum_list_kind(LoanPurpose, "Objet de prêt"),
            "Séparés par « ; ».",
            choices=enum_labels(LoanPurpose),
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
        axes_column(),
        Column(
            "Statut",
            "status",
            cells.enum_kind(ProgrammeStatus, "Statut", width=10, synonyms=STATUS_SYNONYMS),
            "Vide : inchangé.",
            choices=enum_labels(ProgrammeStatus),
            keep_when_empty=True,
        ),
        Column("Publié", "published", cells.BOOL, "Oui / Non.", choices=YES_NO),
        Column("Conditions", "eligibility", cells.text(None, width=40)),
        Column("Comment candidater", "how_to_apply", cells.text(None, width=40)),
    ),
    matching=(
        "Réf., sinon le nom (sans tenir compte des majuscules ni des accents) et le prêteur ; sinon nouveau programme."
    ),
    unique=True,
    ref_index=RefIndex("programme", "programme", "du programme", natural=(NAME_AND_LENDER,)),
)


REPORTS = SheetSpec(
    "Bilans de prêts",
    LoanReport,
    clean_report,
    (
        record_column("Programme*", "programme", "programme", "Réf. ou nom exact du programme."),
        Column("Début de période*", "period_start", cells.DATE),
        Column("Fin de période*", "period_end", cells.DATE),
        Column(
            "Quartier",
            "quartier",
            cells.reference_kind("quartiers", many=False),
            "Vide : toute la ville.",
            choices=reference_items("quartiers"),
        ),
        Column("Objet", "purpose", cells.enum_kind(LoanPurpose, "Objet de prêt"), "", choices=enum_labels(LoanPurpose)),
        Column("Prêts accordés", "loans_granted", cells.INT),
        Column("Montant accordé (€)", "amount_granted", cells.MONEY),
        Column("Montant remboursé (€)", "amount_repaid", cells.MONEY),
        Column("Défauts", "defaults", cells.INT),
    ),
    matching="Programme, début et fin de période, quartier et objet.",
    natural_key=report_key,
    natural_keys=report_keys,
)
