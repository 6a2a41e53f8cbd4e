"""The back office (Flask-Admin), built afresh for each application."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin, expose
from flask_admin.theme import Bootstrap4Theme

from registry.admin.base import SecureIndexView
from registry.templating import csp_nonce


class DashboardView(SecureIndexView):
    """Back-office home: the figures elected officials ask for."""

    @expose("/")
    def index(self):
        from registry.extensions import db
        from registry.services.stats import public_counts_by_axis

        return self.render("admin/dashboard.html", axes=public_counts_by_axis(db.session))


def init_admin(app: Flask) -> Admin:
    """A fresh Admin with every view (never a module-level object: create_app may run many times)."""
    admin = Admin(
        app,
        name="Registre ESS",
        index_view=DashboardView(name="Tableau de bord", url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/registry_base.html", swatch="default", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    app.extensions["registry_admin"] = admin
    from registry.admin.accounts import add_account_views

    add_account_views(admin)
    return admin
