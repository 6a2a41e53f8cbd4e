"""Back-office pages for workbooks: import (upload → preview → confirm or discard, history) and exports.

The uploaded file stays on the server between the preview and the confirmation (instance/imports/, named
by its SHA-256, removed after IMPORT_UPLOAD_TTL seconds); the browser only sends the batch number back, and
the file is checked against the hash recorded at upload before it is applied.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import Admin, expose
from flask_login import current_user

from registry.admin.base import SecureBaseView
from registry.extensions import db
from registry.models import ImportBatch, ImportStatus
from registry.models.base import utcnow
from registry.services.accounts.abilities import EXPORT, IMPORT, READ_PERSONAL, has_ability
from registry.services.public.publication import pending_conventions, publication_threshold
from registry.sqlite import reading, write_lock
from registry.workbook.exporter import export_registry, record_export, write_error_workbook, write_template
from registry.workbook.importer import PlanChanged, import_workbook
from registry.workbook.report import ImportReport
from registry.workbook.scdl import write_scdl_csv

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def uploads_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def purge_expired_uploads() -> None:
    """Remove kept files older than IMPORT_UPLOAD_TTL."""
    limit = time.time() - current_app.config["IMPORT_UPLOAD_TTL"]
    for path in uploads_dir().iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _file(batch: ImportBatch) -> Path:
    return uploads_dir() / f"{batch.file_hash}.xlsx"


def _report_file(batch: ImportBatch) -> Path:
    return uploads_dir() / f"{batch.file_hash}-{batch.id}.json"


def _kept_bytes(batch: ImportBatch) -> bytes | None:
    """The uploaded file, if still kept and unchanged (its hash is the one recorded at upload)."""
    path = _file(batch)
    if not path.exists() or time.time() - path.stat().st_mtime > current_app.config["IMPORT_UPLOAD_TTL"]:
        return None
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == batch.file_hash else None


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


class ImportView(SecureBaseView):
    """Import a workbook: upload, preview, confirm or discard; the history of imports."""

    required_ability = IMPORT

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if request.method == "POST":
            return self._upload()
        batches = db.session.scalars(sa.select(ImportBatch).order_by(ImportBatch.id.desc()).limit(50)).all()
        return self.render("admin/workbook/import.html", batches=batches)

    def _upload(self):
        upload = request.files.get("fichier")
        if upload is None or not upload.filename:
            flash("Choisissez un classeur (.xlsx) à importer.", "error")
            return redirect(url_for(".index"))
        data = upload.read()
        purge_expired_uploads()
        filename = Path(upload.filename).name[:255]
        user = current_user._get_current_object()
        with reading():  # planning only reads: other officers' saves need not wait for it
            db.session.rollback()  # ends the request's write transaction before the long read
            report = import_workbook(db.session, io.BytesIO(data), filename=filename, user=user, dry_run=True)
        batch = ImportBatch(
            filename=filename,
            file_hash=report.file_hash,
            user_id=user.id,
            user_label=user.email,
            status=ImportStatus.PREVIEWED if report.ok else ImportStatus.FAILED,
            counts=report.counts_dict(),
            error_count=len(report.errors),
            warning_count=len(report.warnings),
            message=None if report.ok else "Aperçu avec erreurs : rien n'a été importé.",
        )
        db.session.add(batch)
        db.session.commit()
        (uploads_dir() / f"{report.file_hash}.xlsx").write_bytes(data)
        report.batch_id = batch.id
        _report_file(batch).write_text(json.dumps(report.to_dict(), default=str))
        return redirect(url_for(".preview", batch_id=batch.id))

    def _batch(self, batch_id: int) -> ImportBatch:
        batch = db.session.get(ImportBatch, batch_id)
        if batch is None:
            abort(404)
        return batch

    def _report(self, batch: ImportBatch) -> ImportReport | None:
        path = _report_file(batch)
        return ImportReport.from_dict(json.loads(path.read_text())) if path.exists() else None

    @expose("/<int:batch_id>")
    def preview(self, batch_id: int):
        batch = self._batch(batch_id)
        report = self._report(batch)
        pages = {}
        if report is not None:
            for name, items in (("errors", report.errors), ("changes", report.changes)):
                page = max(request.args.get(f"page_{name}", 1, type=int), 1)
                pages[name] = (items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], page, -(-len(items) // PAGE_SIZE))
        expired = batch.status is ImportStatus.PREVIEWED and _kept_bytes(batch) is None
        return _no_store(
            current_app.make_response(
                self.render("admin/workbook/preview.html", batch=batch, report=report, paging=pages, expired=expired)
            )
        )

    @expose("/<int:batch_id>/erreurs.xlsx")
    def errors_workbook(self, batch_id: int):
        batch = self._batch(batch_id)
        report, data = self._report(batch), _kept_bytes(batch)
        if report is None:
            abort(404)
        out = io.BytesIO()
        write_error_workbook(data or b"", report, out)
        out.seek(0)
        name = f"erreurs-import-{batch.id}.xlsx"
        return _no_store(send_file(out, mimetype=XLSX, as_attachment=True, download_name=name))

    @expose("/<int:batch_id>/confirmer", methods=("POST",))
    def confirm(self, batch_id: int):
        batch = self._batch(batch_id)
        report = self._report(batch)
        if batch.status is not ImportStatus.PREVIEWED or report is None or not report.ok:
            flash("Cet aperçu ne peut pas être appliqué.", "error")
            return redirect(url_for(".preview", batch_id=batch.id))
        data = _kept_bytes(batch)
        if data is None:
            flash("Le fichier n'est plus disponible (délai dépassé) : importez-le à nouveau.", "error")
            return redirect(url_for(".preview", batch_id=batch.id))
        db.session.commit()
        try:
            applied = import_workbook(
                db.session,
                io.BytesIO(data),
                filename=batch.filename,
                user=current_user,
                expected_fingerprint=report.fingerprint(),
                batch_id=batch.id,
            )
        except PlanChanged as exc:
            new_report = exc.args[0]
            new_report.batch_id = batch.id
            _report_file(batch).write_text(json.dumps(new_report.to_dict(), default=str))
            flash("Le registre a changé depuis l'aperçu : vérifiez ce nouvel aperçu avant de confirmer.", "warning")
            return redirect(url_for(".preview", batch_id=batch.id))
        if not applied.applied:
            _report_file(batch).write_text(json.dumps(applied.to_dict(), default=str))
            flash("Le classeur contient désormais des erreurs : rien n'a été importé.", "error")
            return redirect(url_for(".preview", batch_id=batch.id))
        _file(batch).unlink(missing_ok=True)
        _report_file(batch).write_text(json.dumps(applied.to_dict(), default=str))
        flash(applied.summary, "success")
        return redirect(url_for(".preview", batch_id=batch.id))

    @expose("/<int:batch_id>/abandonner", methods=("POST",))
    def discard(self, batch_id: int):
        batch = self._batch(batch_id)
        if batch.status is ImportStatus.PREVIEWED:
            batch.status = ImportStatus.DISCARDED
            batch.finished_at = utcnow()
            db.session.commit()
            _file(batch).unlink(missing_ok=True)
            flash("Import abandonné : rien n'a été importé.", "info")
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

    def _send(self, out: io.BytesIO, name: str, mimetype: str, label: str):
        db.session.commit()  # ends the export's read transaction; the audit write waits for the lock
        with write_lock():
            record_export(db.session, user=current_user, source="admin", label=label)
            db.session.commit()
        out.seek(0)
        return _no_store(send_file(out, mimetype=mimetype, as_attachment=True, download_name=name))

    @expose("/registre.xlsx")
    def registry(self):
        personal = has_ability(current_user, READ_PERSONAL)
        out = _spooled()
        counts = export_registry(db.session, out, include_personal=personal)
        label = "Export complet (" + ", ".join(f"{k} : {v}" for k, v in counts.items()) + ")"
        return self._send(out, f"registre-ess-{date.today():%Y-%m-%d}.xlsx", XLSX, label)

    @expose("/modele.xlsx")
    def template(self):
        out = io.BytesIO()
        write_template(db.session, out, include_personal=has_ability(current_user, READ_PERSONAL))
        return self._send(out, "modele-registre-ess.xlsx", XLSX, "Modèle de classeur vide")

    @expose("/subventions.csv")
    def scdl(self):
        include_all = request.args.get("tout") == "1"
        out = io.BytesIO()
        count = write_scdl_csv(db.session, out, include_all=include_all)
        label = f"Export SCDL subventions ({count} conventions{', toutes' if include_all else ''})"
        name = f"subventions-{'toutes-' if include_all else ''}{date.today():%Y-%m-%d}.csv"
        return self._send(out, name, "text/csv; charset=utf-8", label)


def _spooled():
    """A file for a large export: in memory while small, on disk beyond 32 MB."""
    import tempfile

    return tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)


def init_io_views(admin: Admin) -> None:
    """Add the workbook pages to the back office."""
    admin.add_view(ImportView(name="Importer", endpoint="workbook_import", url="/admin/import", category=None))
    admin.add_view(ExportView(name="Exporter", endpoint="workbook_export", url="/admin/export", category=None))
