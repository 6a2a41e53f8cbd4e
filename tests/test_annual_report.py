"""The annual report: rendered to PDF and DOCX for the demo data, it carries the figures the dashboard shows
for that year; from the CLI and the back office; a machine without Pango gets a French message, never a 500."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from registry.models import Actor, AuditEvent
from registry.services.reference.normalize import format_money, format_number
from registry.services.reporting import dashboard as figures
from registry.services.reporting.documents import PdfUnavailable, load_weasyprint
from registry.services.reporting.docx import paragraphs_of
from registry.services.reporting.filters import parse_filters
from tests.admin_support import database
from tests.workbook_helpers import load_demo

YEAR = 2025


def squeeze(text: str) -> str:
    """Text without any kind of space (PDF extraction and French formatting disagree on spaces)."""
    return re.sub(r"[\s\u202f\xa0]+", "", text)


@pytest.fixture
def demo(app):
    """The demo registry, as if it had been loaded in 2020 (it was loaded just now): the report reads the registry
    as of 31/12 of its year, rebuilt from the audit trail, so the import's events are dated 2020 too."""
    with database(app) as session:
        load_demo(session)
        session.execute(sa.update(Actor).values(created_at=datetime(2020, 1, 15)))
        session.execute(sa.update(AuditEvent).values(created_at=datetime(2020, 1, 15)))
        session.commit()


def dashboard_figures(app) -> list[str]:
    """What the dashboard filtered on the year shows: actors, partnerships' amount and count, sectors, loans."""
    with database(app) as session:
        f = parse_filters(session, MultiDict({"annee": str(YEAR)}))
        actors = figures.actors_by_axis_and_quartier(session, f)
        amounts = {row[0]: row for row in figures.partnership_amounts_by_year_and_axis(session, f).rows}[YEAR]
        sectors = figures.strategic_sectors_share(session, f).rows[-1]
        loans = figures.loans_by_programme_and_quarter(session, f).rows
    loan_total = sum((row[3] for row in loans), start=0)
    assert actors.rows[-1][-1] > 0 and amounts[-1] > 0 and loan_total > 0  # the demo has figures for the year
    return [
        format_number(actors.rows[-1][-1]),
        *(format_money(value) for value in amounts[1:-1]),
        format_money(sectors[3]),
        format_money(loan_total),
    ]


def test_report_from_the_cli_carries_the_dashboard_figures_in_pdf_and_docx(app, runner, demo, tmp_path: Path):
    expected = dashboard_figures(app)
    pdf, docx = tmp_path / "bilan.pdf", tmp_path / "bilan.docx"
    result = runner.invoke(args=["registry", "rapport-annuel", str(YEAR), "--pdf", str(pdf), "--docx", str(docx)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"Bilan annuel de la politique ESS — année {YEAR}" in " ".join(text.split())
    assert "Sommaire" in text and "Page 2 sur" in text and "Ville de Lille" in text
    flat = squeeze(text)
    for figure in expected:
        assert squeeze(figure) in flat, figure
    paragraphs = paragraphs_of(docx.read_bytes())
    assert f"Bilan annuel de la politique ESS — année {YEAR}" in paragraphs
    assert "Par quartier" in paragraphs and "Travail de proximité" in paragraphs
    docx_text = squeeze("\n".join(paragraphs))
    for figure in expected:
        assert squeeze(figure) in docx_text, figure
    assert "@" not in docx_text.replace("@example", "")  # no e-mail of a person in the report


def test_the_cli_asks_for_a_file_and_a_valid_year(runner):
    result = runner.invoke(args=["registry", "rapport-annuel", "2025"])
    assert result.exit_code != 0 and "Indiquez au moins --pdf FICHIER ou --docx FICHIER" in result.output
    result = runner.invoke(args=["registry", "rapport-annuel", "vingt", "--pdf", "x.pdf"])
    assert result.exit_code != 0


def test_back_office_downloads_for_officers_and_analysts_only(app, client, auth, demo):
    auth.as_role("analyst")
    page = client.get("/admin/bilan-annuel/").get_data(as_text=True)
    assert "Télécharger le PDF" in page and "Télécharger le DOCX" in page
    response = client.get(f"/admin/bilan-annuel/telecharger?annee={YEAR}&format=pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert f"bilan-ess-{YEAR}.pdf" in response.headers["Content-Disposition"]
    response = client.get(f"/admin/bilan-annuel/telecharger?annee={YEAR}&format=docx")
    assert response.status_code == 200 and f"Bilan annuel de la politique ESS — année {YEAR}" in paragraphs_of(
        response.data
    )
    for bad in ("annee=deux&format=pdf", "annee=2025&format=exe", ""):
        response = client.get(f"/admin/bilan-annuel/telecharger?{bad}", follow_redirects=True)
        assert response.status_code == 200
        assert "Choisissez une année" in response.get_data(as_text=True)


def test_partners_and_visitors_do_not_get_the_report(app, client, auth):
    assert client.get("/admin/bilan-annuel/telecharger?annee=2025&format=pdf").status_code in (302, 403)
    auth.as_role("partner")
    assert client.get("/admin/bilan-annuel/telecharger?annee=2025&format=pdf").status_code in (302, 403)


def test_without_pango_the_pdf_says_in_french_what_to_install(app, client, auth, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # what `import weasyprint` meets without Pango
    with pytest.raises(PdfUnavailable, match=r"apt-get install libpango-1\.0-0"):
        load_weasyprint()
    auth.as_role("officer")
    response = client.get("/admin/bilan-annuel/telecharger?annee=2025&format=pdf", follow_redirects=True)
    assert response.status_code == 200
    assert "bibliothèque système Pango" in response.get_data(as_text=True)
    response = client.get("/admin/bilan-annuel/telecharger?annee=2025&format=docx")
    assert response.status_code == 200  # the editable document does not need it


def test_partnerships_signed_renewed_and_ended_and_key_figure_changes(app):
    from datetime import date
    from decimal import Decimal

    from registry.models import PartnershipStatus
    from registry.services.reporting.annual import build_report, partnership_movements
    from tests.factories import make_actor, make_partnership

    with database(app) as session:
        renewed, fresh = make_actor(session, name="Renouvelé"), make_actor(session, name="Nouveau")
        make_partnership(
            session,
            actor=renewed,
            amount=Decimal("1000"),
            convention_date=date(2023, 1, 10),
            end_date=date(2024, 12, 31),
            status=PartnershipStatus.ENDED,
        )
        make_partnership(
            session, actor=renewed, amount=Decimal("1500"), convention_date=date(2025, 1, 15), status="active"
        )
        make_partnership(
            session,
            actor=fresh,
            amount=Decimal("700"),
            convention_date=date(2025, 3, 1),
            end_date=date(2025, 11, 30),
            status=PartnershipStatus.ENDED,
        )
        make_partnership(session, actor=fresh, amount=Decimal("9"), convention_date=date(2025, 4, 1), status="draft")
        rows = {row[0]: row[1:] for row in partnership_movements(session, 2025).rows}
        assert rows["Signés dans l'année"] == [2, Decimal("2200")]
        assert rows["dont renouvellements"] == [1, Decimal("1500")]
        assert rows["Terminés"] == [1, Decimal("700")]
        key = {k.label: k for k in build_report(session, 2025).key_figures}
        amount = key["Montant des partenariats"]
        assert (amount.value, amount.previous) == (Decimal("2200"), Decimal("0"))
        assert amount.change is None  # nothing the year before: no percentage
