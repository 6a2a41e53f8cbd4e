"""Back office: subsidised-loan programmes (prêts bonifiés) and their aggregated reports."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm as so
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from registry.admin import filters as f
from registry.admin.base import SecureModelView
from registry.admin.formatting import money, percent, record_link
from registry.admin.lookups import actor_lookup
from registry.extensions import db
from registry.models import Axis, LoanProgramme, LoanPurpose, LoanReport, ProgrammeStatus, Quartier, programme_axes
from registry.services.records.loans import clean_programme, clean_report


def _purposes(view, context, model, name):
    return ", ".join(p.label for p in model.purpose_members)


class ProgrammeView(SecureModelView):
    """Loan programmes: lender, purposes, amounts, rates, envelope."""

    allow_export = True
    workbook_sheet = "Programmes de prêt"
    export_types = ["xlsx"]

    cleaner = clean_programme
    archived_clause = LoanProgramme.archived_at.is_not(None)
    query_options = (so.selectinload(LoanProgramme.lender), so.selectinload(LoanProgramme.axes))

    column_list = ("name", "lender", "status", "purposes", "max_amount", "borrower_rate", "yearly_envelope",
                   "published")  # fmt: skip
    column_default_sort = ("name", False)
    column_sortable_list = ("name", "status", "max_amount", "yearly_envelope", "published")
    column_searchable_list = ("name", "target_public")
    column_formatters = {
        "name": record_link("name", "archivé"),
        "purposes": _purposes,
        "min_amount": money,
        "max_amount": money,
        "yearly_envelope": money,
        "nominal_rate": percent,
        "borrower_rate": percent,
    }
    column_formatters_detail = {k: v for k, v in column_formatters.items() if k != "name"}
    column_details_list = (
        "name", "slug", "lender", "status", "published", "purposes", "target_public", "min_amount", "max_amount",
        "max_duration_months", "nominal_rate", "borrower_rate", "yearly_envelope", "start_date", "end_date",
        "eligibility", "how_to_apply", "axes", "archived_at", "created_at", "updated_at",
    )  # fmt: skip
    column_filters = (
        f.many_to_many(LoanProgramme.id, "Axe", programme_axes, "programme_id", "axis_id",
                       f.reference_choices(Axis, "label", "position")),
        f.equals(LoanProgramme.status, "Statut", ProgrammeStatus.choices(), parse=ProgrammeStatus),
        f.yes_no(LoanProgramme.published, "Publié"),
        *f.amount_range(LoanProgramme.yearly_envelope, "Enveloppe annuelle"),
    )  # fmt: skip
    form_columns = (
        "name", "slug", "lender", "status", "published", "purposes", "target_public", "min_amount", "max_amount",
        "max_duration_months", "nominal_rate", "borrower_rate", "yearly_envelope", "start_date", "end_date",
        "eligibility", "how_to_apply", "axes",
    )  # fmt: skip
    form_overrides = {"purposes": SelectMultipleField}
    form_args = {
        "slug": {"description": "Laissez vide pour la calculer à partir du nom.", "validators": [Optional()]},
        "purposes": {"choices": [SelectChoice(v, label) for v, label in LoanPurpose.choices()], "coerce": str},
        "nominal_rate": {"description": "En pourcentage : 4,5 pour 4,5 %."},
        "borrower_rate": {"description": "Taux payé par l'emprunteur après la bonification de la Ville (%)."},
    }
    form_ajax_refs = {"lender": actor_lookup("lender")}


class LoanReportView(SecureModelView):
    """Aggregated results of a programme for a period: never data about one borrower."""

    allow_export = True
    workbook_sheet = "Bilans de prêts"
    export_types = ["xlsx"]

    cleaner = clean_report
    query_options = (so.joinedload(LoanReport.programme), so.joinedload(LoanReport.quartier))

    column_list = ("programme", "period_start", "period_end", "quartier", "purpose", "loans_granted",
                   "amount_granted", "amount_repaid", "defaults")  # fmt: skip
    column_default_sort = ("period_start", True)
    column_sortable_list = ("period_start", "period_end", "loans_granted", "amount_granted")
    column_formatters = {"amount_granted": money, "amount_repaid": money}
    column_formatters_detail = column_formatters
    column_filters = (
        f.equals(LoanReport.programme_id, "Programme",
                 f.reference_choices(LoanProgramme, "name", "sort_name")),
        f.equals(LoanReport.quartier_id, "Quartier", f.reference_choices(Quartier, "name")),
        f.equals(LoanReport.purpose, "Objet", LoanPurpose.choices(), parse=LoanPurpose),
        *f.year_of(LoanReport.period_start, "Année"),
    )  # fmt: skip
    form_columns = ("programme", "period_start", "period_end", "quartier", "purpose", "loans_granted",
                    "amount_granted", "amount_repaid", "defaults")  # fmt: skip
    form_args = {
        "programme": {
            "query_factory": lambda: db.session.scalars(sa.select(LoanProgramme).order_by(LoanProgramme.sort_name))
        }
    }
