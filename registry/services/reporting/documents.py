"""The annual report as documents: a PDF to circulate (WeasyPrint, from an HTML template) and a DOCX for the
officer to complete (a small standard-library writer, ``reporting/docx.py``), with the same sections and figures.

WeasyPrint needs the Pango system library; it is imported only when a PDF is asked for, so the application
starts without it and ``PdfUnavailable`` says in French what to install.
"""

from __future__ import annotations

import logging

from flask import render_template

from registry.services.reference.normalize import format_money, format_number
from registry.services.reporting.annual import AnnualReport, KeyFigure
from registry.services.reporting.base import Table
from registry.services.reporting.docx import DocxDocument

PANGO_HELP = (
    "La génération du PDF demande la bibliothèque système Pango, absente de ce serveur. Installez-la avec : "
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0 (paquets Debian), puis relancez l'application. "
    "Le document modifiable (.docx) reste disponible."
)

SECTIONS = (
    ("chiffres", "Chiffres clés et évolution"),
    ("axes", "Par axe du plan"),
    ("quartiers", "Par quartier"),
    ("prets", "Prêts bonifiés"),
    ("secteurs", "Les quatre secteurs stratégiques"),
    ("partenariats", "Partenariats signés, renouvelés et terminés"),
    ("esus", "Agréments ESUS"),
)


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries cannot be loaded on this machine."""


def change(figure: KeyFigure) -> str:
    """'+12,5 %', '−3,0 %', or '—' when the year before had nothing."""
    if figure.change is None:
        return "—"
    text = f"{abs(figure.change) * 100:.1f} %".replace(".", ",")
    return ("+" if figure.change >= 0 else "−") + text


def cell_text(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "money":
        return format_money(value)
    if kind == "percent":
        return f"{value * 100:.1f} %".replace(".", ",")
    if kind == "int":
        return format_number(value)
    return str(value)


def render_html(report: AnnualReport) -> str:
    return render_template("reports/annual.html", report=report, sections=SECTIONS, change=change)


def load_weasyprint():
    """The WeasyPrint module, or ``PdfUnavailable`` with what to install."""
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):  # its steps are not the application's log
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's shared library is missing
        raise PdfUnavailable(PANGO_HELP) from error
    return weasyprint


def render_pdf(report: AnnualReport) -> bytes:
    weasyprint = load_weasyprint()
    return weasyprint.HTML(string=render_html(report)).write_pdf()


def render_docx(report: AnnualReport) -> bytes:
    """The same content as the PDF, as an editable Word document (the charts as their tables)."""
    document = DocxDocument(report.title, header="Ville de Lille — Direction de l'économie sociale et solidaire")
    document.paragraph("Ville de Lille", bold=True)
    document.paragraph("Direction de l'économie sociale et solidaire")
    document.heading(report.title, level=0)
    document.paragraph(
        f"Rapport au conseil municipal, généré depuis le registre de l'ESS le {report.generated_on:%d/%m/%Y}."
    )
    document.paragraph(report.basis, italic=True)
    document.heading("Sommaire", level=1)
    for n, (_, title) in enumerate(SECTIONS, start=1):
        document.paragraph(f"{n}. {title}")

    document.heading(SECTIONS[0][1], level=1)
    rows = [[k.label, cell_text(k.value, k.kind), cell_text(k.previous, k.kind), change(k)] for k in report.key_figures]
    document.table(["Indicateur", str(report.year), str(report.year - 1), "Évolution"], rows, [False, True, True, True])
    body = {
        "axes": [report.tables["axes"], report.tables["annees"]],
        "quartiers": [report.tables["quartiers"]],
        "prets": [report.tables["prets"]],
        "secteurs": [report.tables["secteurs"]],
        "partenariats": [report.tables["mouvements"]],
        "esus": [report.tables["esus"]],
    }
    for key, title in SECTIONS[1:]:
        document.heading(title, level=1)
        for table in body[key]:
            _figure_table(document, table)
        if key == "quartiers":
            document.heading("Travail de proximité", level=2)
            if not report.proximity:
                document.paragraph("Aucune initiative de proximité pour l'année.")
            for quartier, title_, actor in report.proximity:
                document.bullet(f"{quartier} : {title_} ({actor})")
    document.paragraph(
        "Les graphiques de la version PDF figurent ici sous forme de tableaux, à compléter ou commenter."
    )
    return document.save()


def _figure_table(document: DocxDocument, table: Table) -> None:
    document.paragraph(table.title, bold=True)
    rows = [[cell_text(v, k) for v, k in zip(row, table.kinds, strict=False)] for row in table.rows]
    empty = [["Aucune donnée pour l'année."] + [""] * (len(table.headers) - 1)]
    document.table(table.headers, rows or empty, [k in ("int", "money", "percent") for k in table.kinds])
    if table.note:
        document.paragraph(table.note, italic=True)
