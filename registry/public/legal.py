"""The legal pages every French public site carries, linked from the footer of every public page.

Route layout::

    /mentions-legales        public.legal_notice       publisher, director of publication, host
    /accessibilite           public.accessibility      the accessibility statement (RGAA model)
    /donnees-personnelles    public.personal_data      the processing register entry of this registry
    /plan-du-site            public.site_map           every public page
    /contact                 public.contact            whom to write to

The texts are templates, not code: ``templates/public/legal/<page>.html`` by default, replaced by a file of the same
name in the folder of the LEGAL_TEXTS_DIR setting (``instance/legal/`` by default) when an officer puts one there.
Their variable parts (publisher, host, audit, contacts) are settings: ``LEGAL`` in the configuration.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader

from registry.public.views import bp

#: endpoint → (path, title): the order of the footer.
LEGAL_PAGES = {
    "public.legal_notice": ("/mentions-legales", "Mentions légales", "mentions-legales"),
    "public.accessibility": ("/accessibilite", "Accessibilité", "accessibilite"),
    "public.personal_data": ("/donnees-personnelles", "Données personnelles", "donnees-personnelles"),
    "public.site_map": ("/plan-du-site", "Plan du site", "plan-du-site"),
    "public.contact": ("/contact", "Contact", "contact"),
}


class OfficerTexts(BaseLoader):
    """The templates of the folder LEGAL_TEXTS_DIR (read at each lookup, so the setting may change)."""

    def get_source(self, environment, template):
        folder = current_app.config.get("LEGAL_TEXTS_DIR") or str(Path(current_app.instance_path) / "legal")
        return FileSystemLoader(folder).get_source(environment, template)


@bp.record_once
def _officer_texts(state) -> None:
    """Put the officers' folder of legal texts before the application's templates, under ``textes/``."""
    app = state.app
    app.jinja_loader = ChoiceLoader([PrefixLoader({"textes": OfficerTexts()}), app.jinja_loader])


@bp.app_context_processor
def footer_context() -> dict:
    """What the footer of every page shows: the legal pages and the accessibility status."""
    return {"legal_footer": LEGAL_PAGES, "accessibility_status": legal_settings()["accessibility_status"]}


def legal_settings() -> dict:
    """The variable parts of the legal texts (setting ``LEGAL``, over sensible placeholders)."""
    config = current_app.config
    values = {
        "publisher": config["ORGANISATION_NAME"],
        "publisher_address": "Hôtel de Ville, place Augustin Laurent, 59000 Lille",
        "publisher_phone": "03 20 49 50 00",
        "director": "Le maire de Lille, directeur de la publication",
        "host": "Hébergeur à compléter (raison sociale, adresse, téléphone)",
        "contact_service": config["PARTNER_SERVICE_NAME"],
        "contact_email": config["PARTNER_SERVICE_EMAIL"],
        "dpo": config["DPO_CONTACT"],
        "accessibility_status": "partiellement conforme",
        "accessibility_rate": "",
        "audit_date": "",
        "audit_method": "Audit interne : vérifications automatiques (axe-core) sur toutes les pages publiques, "
        "à 1280 et 375 pixels de large, et parcours au clavier.",
        "account_retention_days": config["ACCOUNT_REQUEST_RETENTION_DAYS"],
    }
    values.update(config.get("LEGAL") or {})
    return values


def render_legal(endpoint: str, **context):
    _, title, name = LEGAL_PAGES[endpoint]
    return render_template(
        "public/legal/page.html",
        title=title,
        text_templates=[f"textes/{name}.html", f"public/legal/{name}.html"],
        legal=legal_settings(),
        **context,
    )


@bp.route("/mentions-legales")
def legal_notice():
    return render_legal("public.legal_notice")


@bp.route("/accessibilite")
def accessibility():
    return render_legal("public.accessibility")


@bp.route("/donnees-personnelles")
def personal_data():
    return render_legal("public.personal_data")


@bp.route("/plan-du-site")
def site_map():
    return render_legal("public.site_map", legal_pages=LEGAL_PAGES)


@bp.route("/contact")
def contact():
    return render_legal("public.contact")
