"""Back-office pages for workbooks: import (upload → preview → confirm or discard, history) and exports.

The import pages are a thin caller of ``registry.workbook.staging``: the uploaded file and its report are kept
in the database between the preview and the confirmation; the browser only sends the batch number back.
"""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import Admin, expose
from flask_login import current_user

from registry.admin.base import SecureBaseView
from registry.downloads import XLSX_MIMETYPE, audited_download, no_store, send_download
from registry.extensions import db
from registry.models import ImportBatch
from registry.services.accounts.abilities import EXPORT, IMPORT, READ_PERSONAL, has_ability
from registry.services.public.publication import pending_conventions, publication_threshold
from registry.workbook import staging
from registry.workbook.exporter import export_registry, write_error_workbook, write_template
from registry.workbook.scdl import write_scdl_csv

PAGE_SIZE = 50
#: The prefix of the preview's radio buttons, one group per possible duplicate: ``doublon-Acteurs!12``.
DUPLICATE_FIELD = "doublon-"


class ImportView(SecureBaseView):
    """Import a workbook: upload, preview, confirm or discard; the history of imports."""

    required_ability = IMPORT

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if request.method == "GET":
            batches = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc()).limit(50)).all()
            return self.render("admin/workbook/import.html", batches=batches)
        upload = request.files.get("fichier")
        if upload is None or not upload.filename:
            flash("Choisissez un classeur (.xlsx, .ods, .xls) ou un fichier .csv à importer.", "error")
            return redirect(url_for(".index"))
        batch = staging.stage(
            db.session,
            upload.read(),
            upload.filename,
            current_user._get_current_object(),
            other_attributor=bool(request.form.get("autre_attribuant")),
        )
        db.session.commit()
        return redirect(url_for(".preview", batch_id=batch.id))

    @expose("/<int:batch_id>")
    def preview(self, batch_id: int):
        batch = db.get_or_404(ImportBatch, batch_id)
        report, pages = staging.preview(batch), {}
        for name in ("errors", "changes") if report is not None else ():
            items, page = getattr(report, name), max(request.args.get(f"page_{name}", 1, type=int), 1)
            pages[name] = (items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], page, -(-len(items) // PAGE_SIZE))
        decidable = batch.status in staging.DECIDABLE and staging.kept_file(batch) is not None
        html = self.render("admin/workbook/preview.html", batch=batch, report=report, paging=pages,
                           expired=staging.is_expired(batch), decidable=decidable)  # fmt: skip
        return no_store(current_app.make_response(html))

    @expose("/<int:batch_id>/erreurs.xlsx")
    def errors_workbook(self, batch_id: int):
        batch = db.get_or_404(ImportBatch, batch_id)
        report = staging.preview(batch)
        if report is None:
            abort(404)
        out = io.BytesIO()
        write_error_workbook(staging.kept_file(batch) or b"", report, out)
        return send_download(out, f"erreurs-import-{batch.id}.xlsx")

    @expose("/<int:batch_id>/confirmer", methods=("POST",))
    def confirm(self, batch_id: int):
        batch = db.get_or_404(ImportBatch, batch_id)
        try:
            report = staging.confirm(db.session, batch, current_user._get_current_object())
        except staging.StagingError as exc:
            flash(exc.message, "error")
        except staging.PlanChanged:
            flash("Le registre a changé depuis l'aperçu : vérifiez ce nouvel aperçu avant de confirmer.", "warning")
        else:
            if report.applied:
                flash(report.summary, "success")
            elif report.undecided:
                flash("Les doublons possibles ont changé depuis vos choix (le registre ou le fichier a changé) : "
                      "choisissez à nouveau avant de confirmer ; rien n'a été importé.", "warning")  # fmt: skip
            else:
                flash("Le classeur contient désormais des erreurs : rien n'a été importé.", "error")
        db.session.commit()
        return redirect(url_for(".preview", batch_id=batch_id))

    @expose("/<int:batch_id>/doublons", methods=("POST",))
    def decide(self, batch_id: int):
        """The officer's choice for each « doublon possible » (``doublon-<sheet>!<row>`` = update | new)."""
        batch = db.get_or_404(ImportBatch, batch_id)
        answers = {k.removeprefix(DUPLICATE_FIELD): v for k, v in request.form.items() if k.startswith(DUPLICATE_FIELD)}
        if not answers:
            flash("Choisissez, pour chaque doublon possible, de mettre à jour la fiche existante ou d'en créer une.",
                  "error")  # fmt: skip
            return redirect(url_for(".preview", batch_id=batch_id))
        try:
            report = staging.decide(db.session, batch, answers)
        except staging.StagingError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            left = len(report.undecided)
            flash(f"Choix enregistrés ; {left} doublon(s) possible(s) encore à décider." if left else
                  "Choix enregistrés : vérifiez l'aperçu ci-dessous avant de confirmer.", "info")  # fmt: skip
        return redirect(url_for(".preview", batch_id=batch_id))

    @expose("/<int:batch_id>/abandonner", methods=("POST",))
    def discard(self, batch_id: int):
        if staging.discard(db.session, db.get_or_404(ImportBatch, batch_id)):
            flash("Import abandonné : rien n'a été importé.", "info")
        db.session.commit()
        return redirect(url_for(".index"))


class ExportView(SecureBaseView):
    """Exports: the whole registry, the empty template, the SCDL open-data file."""

    required_ability = EXPORT

    @expose("/")
    def index(self):
        return self.render(
            "admin/workbook/export.html",
            personal=has_ability(current_user, READ_PERSONAL),
            pending=pending_conventions(db.session),
            threshold=publication_threshold(),
        )

    def _send(self, out, name: str, label: str, mimetype: str = XLSX_MIMETYPE):
        return audited_download(
            db.session, out, name, user=current_user, source="admin", label=label, mimetype=mimetype
        )

    @expose("/registre.xlsx")
    def registry(self):
        # ?contacts=0: without the contacts sheet, as the CLI's --sans-contacts (a file to share more widely).
        personal = has_ability(current_user, READ_PERSONAL) and request.args.get("contacts") != "0"
        out = _spooled()
        counts = export_registry(db.session, out, include_personal=personal)
        label = "Export complet (" + ", ".join(f"{k} : {v}" for k, v in counts.items()) + ")"
        return self._send(out, f"registre-ess-{date.today():%Y-%m-%d}.xlsx", label)

    @expose("/modele.xlsx")
    def template(self):
        out = io.BytesIO()
        write_template(db.session, out, include_personal=has_ability(current_user, READ_PERSONAL))
        return self._send(out, "modele-registre-ess.xlsx", "Modèle de classeur vide")

    @expose("/subventions.csv")
    def scdl(self):
        include_all = request.args.get("tout") == "1"
        out = io.BytesIO()
        count = write_scdl_csv(db.session, out, include_all=include_all)
        label = f"Export SCDL subventions ({count} conventions{', toutes' if include_all else ''})"
        name = f"subventions-{'toutes-' if include_all else ''}{date.today():%Y-%m-%d}.csv"
        return self._send(out, name, label, "text/csv; charset=utf-8")


def _spooled():
    """A file for a large export: in memory while small, on disk beyond 32 MB."""
    import tempfile

    return tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)


def init_io_views(admin: Admin) -> None:
    """Add the workbook pages to the back office."""
    admin.add_view(ImportView(name="Importer", endpoint="workbook_import", url="/admin/import", category=None))
    admin.add_view(ExportView(name="Exporter", endpoint="workbook_export", url="/admin/export", category=None))
