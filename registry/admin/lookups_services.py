"""The actor form's lookups in the public services and the bulk checks of the actors list: « Compléter depuis le
répertoire Sirene » and « Géolocaliser l'adresse » (JSON for registry/static/js/reference-lookups.js: POST with
the CSRF token, rate-limited per user, for those who may create or edit actors), and the bulk actions « Comparer
au répertoire Sirene » and « Géolocaliser ». What a service says is only ever proposed; the bulk geocoding writes
positions scored at or above GEOCODE_MIN_SCORE through the one audited write and leaves the others to check."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_login import current_user

from registry.extensions import db
from registry.models import ReferenceCheck
from registry.services.connectors.checks import compare_register, geocode_missing, last_comparisons
from registry.services.connectors.clients import client
from registry.services.history.display import format_datetime
from registry.services.reference.normalize import format_date, format_siret
from registry.web import lookup_limit, position_lookup, siret_lookup

#: Records one bulk action sends to a public service at most (the CLI has no such bound).
BULK_MAX = 100


class ServiceLookups:
    """Mixed into the actors' view."""

    @property
    def extra_js(self):
        return [url_for("static", filename="js/reference-lookups.js")]

    def flash_closed_establishment(self, actor) -> None:
        """On the edit form: the register said, at the last comparison, that this establishment is closed."""
        check = db.session.get(ReferenceCheck, actor.id)
        if check is not None and check.sirene_state == "closed" and actor.siret:
            when = f" le {format_date(check.sirene_closed_on)}" if check.sirene_closed_on else ""
            flash(f"Le répertoire Sirene indique que l'établissement de SIRET {format_siret(actor.siret)} est fermé"
                  f"{when} (comparaison du {format_datetime(check.sirene_checked_at)}) : vérifiez le SIRET ou le "
                  "statut de la fiche.", "warning")  # fmt: skip

    def _may_fill_forms(self) -> None:
        if not (self.can_create or self.can_edit):
            abort(403)

    @expose("/repertoire-sirene/", methods=("POST",))
    @lookup_limit
    def sirene_lookup(self):
        """The register's values beside the form's (JSON)."""
        self._may_fill_forms()
        actor = self.get_one(request.form.get("id", "")) if request.form.get("id") else None
        return siret_lookup(request.form.get("siret"), request.form, actor=actor)

    @expose("/geolocaliser/", methods=("POST",))
    @lookup_limit
    def geocode_lookup(self):
        """A proposed position for the form's address (JSON)."""
        self._may_fill_forms()
        return position_lookup(request.form)

    @expose("/repertoire-sirene/comparaison/", methods=("GET", "POST"))
    def sirene_overview(self):
        """Every actor with a SIRET and what the register last said (GET); POST « comparer » compares the
        BULK_MAX least recently compared ones and shows the report."""
        if request.method == "POST":
            if not self.writable:
                abort(403)
            if request.form.get("comparer") != "oui":
                flash("Rien n'a été lancé : utilisez le bouton « Comparer ».", "warning")
                return redirect(url_for(".sirene_overview"))
            report = compare_register(db.session, client("sirene"), limit=BULK_MAX, stale_first=True)
            db.session.commit()
            return self._report(report)
        return self.render("admin/registry/sirene_overview.html", checks=last_comparisons(db.session),
                           bulk_max=BULK_MAX)  # fmt: skip

    def _report(self, report):
        return self.render("admin/registry/sirene_report.html", report=report, bulk_max=BULK_MAX,
                           return_url=url_for(".sirene_overview"))  # fmt: skip

    @action("compare_sirene", "Comparer au répertoire Sirene")
    def action_compare_sirene(self, ids):
        records = self.records_for_ids(ids)[:BULK_MAX]
        report = compare_register(db.session, client("sirene"), ids=[r.id for r in records])
        db.session.commit()
        return self._report(report)

    @action("geocode", "Géolocaliser (fiches sans position)")
    def action_geocode(self, ids):
        records = self.records_for_ids(ids)[:BULK_MAX]
        report = geocode_missing(db.session, client("geocoder"), ids=[r.id for r in records], user=current_user,
                                 source="admin", threshold=float(current_app.config["GEOCODE_MIN_SCORE"]))  # fmt: skip
        db.session.commit()
        flash(report.summary, "warning" if report.to_check or report.stopped else "success")
