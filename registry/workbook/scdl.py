"""SCDL « subventions » 2.1.1: the open-data CSV of the city's subsidy conventions (décret n° 2017-779).

16 columns in the schema's order, UTF-8, comma, CRLF, decimal point, ISO dates, ``oui``/``non``, one row per
beneficiary. By default only the conventions the city must publish; which ones, and why one cannot be
published, is the rule of registry.services.public.publication (the pending ones are listed on the back-office
export page, counted on the dashboard and on the open-data page). Reserved contracts are never included.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import TextIO

from flask import current_app
from sqlalchemy import orm as so

from registry.models import Partnership, PartnershipNature, PaymentTerms
from registry.services.outputs.spreadsheet import neutralise_formula
from registry.services.public.publication import published_query

HEADER = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
)
NATURE = {
    PartnershipNature.CASH: "aide en numéraire",
    PartnershipNature.IN_KIND: "aide en nature",
    PartnershipNature.MIXED: "aide en numéraire;aide en nature",
}
PAYMENT = {PaymentTerms.SINGLE: "unique", PaymentTerms.INSTALMENTS: "échelonné", PaymentTerms.OTHER: "autre"}


def scdl_query(*, include_all: bool = False, public_only: bool = False):
    """The partnerships of the SCDL file, oldest convention first (``public_only``: of public actors only)."""
    return published_query(include_all=include_all, public_only=public_only)


def _number(value: Decimal) -> str:
    """'47800.20', '25000', '0.5': decimal point, no thousands separator, no exponent."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def scdl_row(p: Partnership, funder_name: str, funder_siret: str) -> list[str]:
    """One SCDL row for a partnership (its one beneficiary)."""
    actor = p.actor
    rna = actor.rna if actor.rna and actor.rna.startswith("W") else ""
    if p.start_date and p.end_date:
        period = f"{p.start_date.isoformat()}/{p.end_date.isoformat()}"
    else:
        period = (p.start_date or p.convention_date).isoformat()
    return [
        funder_name,
        funder_siret,
        p.convention_date.isoformat(),
        neutralise_formula(p.decision_reference or ""),
        neutralise_formula(actor.name),
        actor.siret or "",
        rna,
        neutralise_formula(p.object)[:256],
        _number(p.amount),
        NATURE[p.nature or PartnershipNature.CASH],
        PAYMENT.get(p.payment_terms, "unique"),
        period,
        "",
        "oui" if p.eu_notification else "non",
        _number(p.subsidy_share or Decimal("1")),
        "",
    ]


def write_scdl_csv(session: so.Session, fp, *, include_all: bool = False, public_only: bool = False) -> int:
    """Write the SCDL « subventions » CSV to ``fp`` (binary, or text opened with newline=''); returns the
    number of rows. The funder is ORGANISATION_NAME with the SIRET CITY_SIRET. ``public_only`` keeps the
    conventions of actors shown on the public site (the open-data page)."""
    text: TextIO = fp if isinstance(fp, io.TextIOBase) else io.TextIOWrapper(fp, encoding="utf-8", newline="")
    writer = csv.writer(text, delimiter=",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    funder_name = current_app.config["ORGANISATION_NAME"]
    funder_siret = current_app.config["CITY_SIRET"]
    count = 0
    for p in session.scalars(
        scdl_query(include_all=include_all, public_only=public_only).execution_options(yield_per=1000)
    ):
        writer.writerow(scdl_row(p, funder_name, funder_siret))
        count += 1
    text.flush()
    if text is not fp:
        text.detach()
    return count


def scdl_for_excel(raw: bytes) -> bytes:
    """The SCDL CSV « pour Excel »: byte order mark, semicolons, decimal commas and JJ/MM/AAAA convention dates;
    same columns and rows (the machine file stays the one that follows the national schema)."""
    rows = csv.reader(io.StringIO(raw.decode("utf-8"), newline=""))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    columns = {name: HEADER.index(name) for name in ("montant", "pourcentageSubvention", "dateConvention")}
    writer.writerow(next(rows))
    for row in rows:
        for name in ("montant", "pourcentageSubvention"):
            row[columns[name]] = row[columns[name]].replace(".", ",")
        day = row[columns["dateConvention"]]
        if len(day) == 10:
            row[columns["dateConvention"]] = f"{day[8:10]}/{day[5:7]}/{day[0:4]}"
        writer.writerow(row)
    return out.getvalue().encode("utf-8")
