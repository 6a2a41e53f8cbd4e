"""The back office (Flask-Admin), built afresh for each application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from registry.admin.account_requests import DecidedRequestView, PendingRequestView
from registry.admin.accounts import UserView
from registry.admin.actors import ActorView
from registry.admin.annual_report import AnnualReportView
from registry.admin.as_of import AsOfView
from registry.admin.audit import AuditEventView, ImportBatchView, ReviewQueueView
from registry.admin.dashboard import DashboardView
from registry.admin.flask_admin_overrides import french_catalogue, views_of
from registry.admin.formatting import inline_wording
from registry.admin.history import entity_name, event_changes, source_name
from registry.admin.initiatives import InitiativeView
from registry.admin.loans import LoanReportView, ProgrammeView
from registry.admin.partnerships import PartnershipView
from registry.admin.personal_data import PersonalDataView
from registry.admin.reference import REFERENCE_VIEWS
from registry.admin.reports import CitizenReportView
from registry.models import (
    AccountRequest,
    Actor,
    AuditEvent,
    CitizenReport,
    ImportBatch,
    Initiative,
    LoanProgramme,
    LoanReport,
    Partnership,
    User,
)
from registry.services.reference.labels import field_label
from registry.templating import csp_nonce


def init_admin(app: Flask) -> Admin:
    """A fresh Admin with every view (never a module-level object: create_app may run many times)."""
    catalogue = str(Path(__file__).resolve().parent.parent / "translations")
    french_catalogue(catalogue)
    admin = Admin(
        app,
        name="Registre ESS",
        index_view=DashboardView(name="Tableau de bord", url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/registry_base.html", swatch="default", fluid=True),
        csp_nonce_generator=csp_nonce,
        translations_path=catalogue,
    )
    admin.add_view(ActorView(Actor, name="Acteurs", endpoint="actor"))
    admin.add_view(InitiativeView(Initiative, name="Initiatives", endpoint="initiative"))
    admin.add_view(PartnershipView(Partnership, name="Partenariats", endpoint="partnership"))
    loans = "Prêts bonifiés"
    admin.add_view(ProgrammeView(LoanProgramme, name="Programmes", endpoint="loanprogramme", category=loans))
    admin.add_view(LoanReportView(LoanReport, name="Bilans", endpoint="loanreport", category=loans))
    admin.add_view(ReviewQueueView(AuditEvent, name="À relire", endpoint="review", url="/admin/a-relire"))
    admin.add_view(
        CitizenReportView(CitizenReport, name="Signalements", endpoint="citizen_reports", url="/admin/signalements")
    )
    follow_up = "Suivi"
    admin.add_view(AnnualReportView(name="Bilan annuel", endpoint="annual_report", url="/admin/bilan-annuel",
                                    category=follow_up))  # fmt: skip
    admin.add_view(AsOfView(name="Registre à une date", endpoint="as_of", url="/admin/registre-a-une-date",
                            category=follow_up))  # fmt: skip
    admin.add_view(AuditEventView(AuditEvent, name="Journal des modifications", endpoint="auditevent",
                                  category=follow_up))  # fmt: skip
    admin.add_view(ImportBatchView(ImportBatch, name="Imports", endpoint="importbatch", category=follow_up))
    admin.add_view(PersonalDataView(name="Données personnelles", endpoint="personal_data",
                                    url="/admin/donnees-personnelles", category=follow_up))  # fmt: skip
    for view_class, model, name in REFERENCE_VIEWS:
        admin.add_view(view_class(model, name=name, endpoint=model.__name__.lower(), category="Référentiels"))
    app.extensions["registry_admin"] = admin
    _register_helpers(app, admin)
    accounts = "Comptes"
    admin.add_view(UserView(User, name="Utilisateurs", endpoint="users", category=accounts))
    admin.add_view(
        PendingRequestView(AccountRequest, name="Demandes d'accès", endpoint="account_requests", category=accounts)
    )
    admin.add_view(
        DecidedRequestView(
            AccountRequest, name="Demandes traitées", endpoint="account_requests_decided", category=accounts
        )
    )
    return admin


def _register_helpers(app: Flask, admin: Admin) -> None:
    """Template filters of the back office, and no caching of its pages."""
    app.jinja_env.globals["inline_wording"] = inline_wording
    app.jinja_env.filters.update(
        entity_fr=entity_name,
        source_fr=source_name,
        audit_changes=event_changes,
        field_fr=lambda field, entity_type: field_label(entity_type, field),
    )

    @app.after_request
    def no_store_in_admin(response):
        # Back-office pages and files hold non-public data: never kept by browsers or proxies.
        endpoint = request.endpoint or ""
        if request.blueprint and not endpoint.endswith(".static") and _is_admin_blueprint(admin, request.blueprint):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response


def _is_admin_blueprint(admin: Admin, blueprint: str) -> bool:
    return any(view.endpoint == blueprint for view in views_of(admin)) or blueprint == admin.endpoint
