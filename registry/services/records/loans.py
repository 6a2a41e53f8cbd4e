"""Rules for loan programmes and loan reports, applied by every writer."""

from __future__ import annotations

from sqlalchemy import orm as so

from registry.models import LoanProgramme, LoanPurpose, LoanReport
from registry.services.records.checks import check_date_order, check_range, clean_field, require_text, without_autoflush
from registry.services.records.errors import Collector
from registry.services.records.slugs import clean_slug
from registry.services.reference import normalize as n


@without_autoflush
def clean_programme(session: so.Session, programme: LoanProgramme, *, check_unique: bool = True) -> None:
    """Normalise a loan programme in place and check it; raises ValidationErrors.

    ``check_unique=False`` skips the uniqueness queries: the workbook importer checks them in batch.
    """
    c = Collector()
    clean_field(c, programme, "name", require_text, 200, "Le nom")
    clean_field(c, programme, "target_public", n.clean_text, 200)
    if programme.lender is None and programme.lender_id is None:
        c.add("lender", "Le prêteur est obligatoire.")
    purposes = []
    for value in programme.purposes or []:
        try:
            purposes.append(LoanPurpose(str(value)).value)
        except ValueError:
            c.add("purposes", f"Objet de prêt inconnu « {value} ».")
    programme.purposes = sorted(set(purposes), key=[p.value for p in LoanPurpose].index)
    for field in ("min_amount", "max_amount", "yearly_envelope"):
        clean_field(c, programme, field, n.parse_decimal)
    for field in ("nominal_rate", "borrower_rate"):
        clean_field(c, programme, field, n.parse_decimal, places=3, minimum=0, maximum=100)
    check_range(c, programme, "max_duration_months", 1, 600, what="La durée maximale")
    if (
        programme.min_amount is not None
        and programme.max_amount is not None
        and programme.max_amount < programme.min_amount
    ):
        c.add("max_amount", "Le montant maximum est inférieur au montant minimum.")
    if (
        programme.borrower_rate is not None
        and programme.nominal_rate is not None
        and programme.borrower_rate > programme.nominal_rate
    ):
        c.add("borrower_rate", "Le taux payé par l'emprunteur ne peut pas dépasser le taux nominal.")
    check_date_order(c, programme.start_date, programme.end_date, "end_date")
    clean_slug(c, session, programme, "name", "du programme", check_unique=check_unique)
    c.raise_if_any()


@without_autoflush
def clean_report(session: so.Session, report: LoanReport) -> None:
    """Check a loan report (aggregated figures only); raises ValidationErrors."""
    c = Collector()
    if report.programme is None and report.programme_id is None:
        c.add("programme", "Le programme est obligatoire.")
    if report.period_start is None:
        c.add("period_start", "Le début de période est obligatoire.")
    if report.period_end is None:
        c.add("period_end", "La fin de période est obligatoire.")
    check_date_order(c, report.period_start, report.period_end, "period_end", "La fin de période")
    for field in ("amount_granted", "amount_repaid"):
        clean_field(c, report, field, n.parse_decimal)
    for field in ("loans_granted", "defaults"):
        check_range(c, report, field, 0, what="Le nombre")
    for field in ("loans_granted", "defaults", "amount_granted", "amount_repaid"):
        if getattr(report, field) is None:
            setattr(report, field, 0)
    if report.defaults is not None and report.loans_granted is not None and report.defaults > report.loans_granted > 0:
        c.add("defaults", "Le nombre de défauts dépasse le nombre de prêts accordés.")
    c.raise_if_any()
