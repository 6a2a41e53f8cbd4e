"""The workbook commands: registry import [--dry-run], export, export-scdl."""

from __future__ import annotations

import csv

import openpyxl
import sqlalchemy as sa

from registry.models import Actor, AuditAction, AuditEvent, ImportBatch
from tests.workbook_helpers import DEMO, actor, actors_sheet, load_demo, xlsx


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_cli_import_dry_run_prints_the_preview_and_writes_nothing(runner, session):
    result = runner.invoke(args=["registry", "import", "--dry-run", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "Acteurs" in result.output and "44 nouvelle(s)" in result.output and "rien n'a été écrit" in result.output
    assert count(session, Actor) == 0 and count(session, ImportBatch) == 0


def test_cli_import_applies_and_records_a_batch(runner, session):
    result = runner.invoke(args=["registry", "import", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "import appliqué" in result.output
    assert count(session, Actor) == 44
    assert session.scalar(sa.select(AuditEvent.source).limit(1)) == "cli"


def test_cli_import_with_errors_exits_non_zero(runner, session, tmp_path):
    path = tmp_path / "erreurs.xlsx"
    path.write_bytes(xlsx({"Acteurs": actors_sheet(actor(1), actor(2, SIRET="123"))}))
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1
    assert "« Acteurs », ligne 3, colonne « SIRET » [123]" in result.output
    assert count(session, Actor) == 0


def test_cli_import_reads_a_csv_and_refuses_one_of_no_sheet(runner, session, tmp_path):
    path = tmp_path / "liste.xlsx"
    path.write_text("Nom;Prénom\nA;association\n")
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1 and "ne sont ceux d'aucune feuille du registre" in result.output
    path.write_text("Nom*;Forme juridique*\nAtelier;Association déclarée\n", encoding="cp1252")
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "(CSV, séparateur point-virgule, encodage Windows-1252)" in result.output
    assert count(session, Actor) == 1


def test_cli_export_and_scdl(runner, session, tmp_path):
    load_demo(session)
    events_before = count(session, AuditEvent)
    session.commit()
    result = runner.invoke(args=["registry", "export", str(tmp_path / "registre.xlsx")])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "registre.xlsx", read_only=True)
    assert "Contacts" in wb.sheetnames
    result = runner.invoke(args=["registry", "export", "--sans-contacts", str(tmp_path / "analystes.xlsx")])
    assert "Contacts" not in openpyxl.load_workbook(tmp_path / "analystes.xlsx", read_only=True).sheetnames
    result = runner.invoke(args=["registry", "export-scdl", str(tmp_path / "scdl.csv")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "scdl.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "nomAttribuant" and len(rows) > 1
    session.rollback()  # a new transaction sees what the commands wrote
    assert count(session, AuditEvent) - events_before == 3
    assert {e.action for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "Workbook"))} == {
        AuditAction.EXPORT
    }
