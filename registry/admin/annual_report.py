"""« Bilan annuel »: the annual report of the ESS policy, downloaded as PDF or DOCX from the back office."""

from __future__ import annotations

from datetime import date

from flask import Response, flash, redirect, request, url_for
from flask_admin import expose

from registry.admin.base import SecureBaseView
from registry.extensions import db
from registry.services.reporting.annual import build_report
from registry.services.reporting.documents import PdfUnavailable, render_docx, render_pdf

FORMATS = {
    "pdf": ("application/pdf", render_pdf),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", render_docx),
}


class AnnualReportView(SecureBaseView):
    """Pick a year, download its report (officers, analysts and admins: the READ ability)."""

    @expose("/")
    def index(self):
        this_year = date.today().year
        return self.render(
            "admin/annual_report.html", years=list(range(this_year, this_year - 10, -1)), default=this_year - 1
        )

    @expose("/telecharger")
    def download(self):
        year, kind = (request.args.get("annee") or "").strip(), request.args.get("format", "pdf")
        if not (year.isdigit() and 1990 <= int(year) <= 2100) or kind not in FORMATS:
            flash("Choisissez une année (par exemple 2025) et un format, PDF ou DOCX.", "error")
            return redirect(url_for(".index"))
        mimetype, render = FORMATS[kind]
        try:
            content = render(build_report(db.session, int(year)))
        except PdfUnavailable as error:
            flash(str(error), "error")
            return redirect(url_for(".index"))
        filename = f"bilan-ess-{year}.{kind}"
        return Response(
            content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )
