"""Jinja filters and globals for French formats and the page header."""

from __future__ import annotations

import secrets
from datetime import date

from flask import Flask, current_app, g, request

from registry.services.history.display import format_datetime
from registry.services.reference.normalize import format_date, format_money, format_number, format_siret


def csp_nonce() -> str:
    """One random nonce per request, for inline scripts and styles allowed by the CSP."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


#: Main navigation of the public site: (endpoint, label). Entries whose endpoint does not exist are left out.
NAVIGATION = [
    ("public.home", "À découvrir"),
    ("public.actors", "Acteurs"),
    ("public.initiatives", "Initiatives"),
    ("public.loans", "Prêts bonifiés"),
    ("public.map", "Carte"),
    ("public.open_data", "Données ouvertes"),
]


def navigation() -> list[tuple[str, str]]:
    """The navigation entries this application serves."""
    return [(e, label) for e, label in NAVIGATION if e in current_app.view_functions]


def page_address() -> str:
    """The address of the page being served, from BASE_URL (never the request's Host header), for print."""
    return current_app.config["BASE_URL"].rstrip("/") + request.full_path.rstrip("?")


def absolute_url(endpoint: str, **values) -> str:
    """``BASE_URL`` + the path of ``endpoint``: e-mailed links never depend on the request's Host header."""
    path = current_app.url_map.bind("registry.invalid", script_name="/").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def init_templating(app: Flask) -> None:
    """Register filters (money, date_fr, datetime_fr, number, siret) and header helpers."""
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["date_fr"] = format_date
    app.jinja_env.filters["datetime_fr"] = format_datetime
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["siret"] = format_siret
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.globals["page_address"] = page_address
    app.jinja_env.globals["absolute_url"] = absolute_url
    app.jinja_env.globals["today"] = date.today

    @app.context_processor
    def header_context():
        from registry.web import LogoutForm

        return {
            "logout_form": LogoutForm,
            "site_name": "Registre de l'ESS — Ville de Lille",
            "navigation": navigation,
        }
