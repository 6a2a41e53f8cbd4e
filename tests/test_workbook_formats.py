"""Files written by real tools (tests/fixtures, from LibreOffice): .ods, .xls and CSV in each encoding and
separator, read like the registry's own .xlsx; and each refusal, in French."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.models import Actor, ImportBatch, Partnership
from tests.workbook_helpers import DEMO, load_demo, run

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CSVS = {
    "partenariats-utf8-point-virgule.csv": "CSV, séparateur point-virgule, encodage UTF-8",
    "partenariats-utf8-bom-point-virgule.csv": "CSV, séparateur point-virgule, encodage UTF-8 avec BOM",
    "partenariats-utf16-tabulation.csv": "CSV, séparateur tabulation, encodage UTF-16",
    "partenariats-windows1252-point-virgule.csv": "CSV, séparateur point-virgule, encodage Windows-1252",
    # ISO-8859-1 is read as Windows-1252, its superset (the same letters; « € » where Latin-1 has none)
    "partenariats-latin1-virgule.csv": "CSV, séparateur virgule, encodage Windows-1252",
}


def refused(session, data: bytes, fragment: str, filename: str = "fichier"):
    report = run(session, data, filename=filename)
    assert not report.ok and not report.applied
    text = " ".join(e.message for e in report.errors)
    assert fragment in text, text
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0
    return report


@pytest.mark.parametrize(("name", "detected"), [("demo.ods", "OpenDocument (.ods)"), ("demo.xls", "(.xls)")])
def test_libreoffice_ods_and_xls_import_like_the_xlsx(session, name, detected):
    expected = run(session, DEMO.read_bytes(), dry_run=True).counts_dict()
    report = run(session, (FIXTURES / name).read_bytes(), filename=name)
    assert report.ok and report.applied, report.to_text()
    assert detected in report.detected
    assert report.counts_dict() == expected
    # the same file again: nothing to change
    again = run(session, (FIXTURES / name).read_bytes(), filename=name, dry_run=True)
    assert again.ok and not again.changes, again.to_text()


@pytest.mark.parametrize(("name", "detected"), CSVS.items())
def test_each_csv_is_read_with_its_encoding_and_separator(session, name, detected):
    load_demo(session)
    report = run(session, (FIXTURES / name).read_bytes(), filename=name, dry_run=True)
    assert report.detected == detected
    assert detected in report.to_text()
    assert report.counts["Partenariats"].new == 2
    # the messy row: a date that does not exist, named by sheet, row and column
    [error] = report.errors
    assert (error.sheet, error.row, error.column) == ("Partenariats", 4, "Date de début")
    assert "Date inexistante « 31/02/2025 »" in error.message


def test_csv_values_arrive_whole(session):
    """Decimal comma with a no-break space, accents, a quoted cell over two lines with quotes inside."""
    load_demo(session)
    text = (FIXTURES / "partenariats-windows1252-point-virgule.csv").read_bytes().decode("cp1252")
    clean = text[: text.index("PART-CSV-003")].encode("cp1252")
    report = run(session, clean, filename="partenariats.csv")
    assert report.ok and report.applied, report.to_text()
    first = session.scalar(sa.select(Partnership).where(Partnership.ref == "PART-CSV-001"))
    assert first.amount == Decimal("1234.50")
    assert first.object == "Entretien des vélos partagés à Wazemmes"
    assert first.notes == 'Première ligne\nseconde ligne ; avec « guillemets » et "doubles"'
    second = session.scalar(sa.select(Partnership).where(Partnership.ref == "PART-CSV-002"))
    assert second.amount == Decimal("80000.00")


def test_csv_sheet_chosen_by_headers_and_by_name_when_ambiguous(session):
    both = "Réf.;Nom*;Forme juridique*;Prêteur*\nx;Y;Association déclarée;z\n".encode()
    report = refused(session, both, "plusieurs feuilles (« Acteurs » ou « Programmes de prêt »)", "export.csv")
    assert report.errors[0].message.startswith("Ligne 1 du CSV")
    report = run(session, both, filename="Acteurs.csv", dry_run=True)
    assert list(report.counts) == ["Acteurs"]
    refused(session, "Nom;Prénom\nA;B\n".encode(), "ne sont ceux d'aucune feuille")


def test_a_csv_of_contacts_goes_to_the_contacts_sheet(session):
    load_demo(session)
    data = "Acteur*,Nom complet*,Fonction\nregie-de-quartier-de-fives,Nadia Démo,Directrice\n".encode("utf-16")
    report = run(session, data, filename="liste.csv", dry_run=True)
    assert report.ok, report.to_text()
    assert report.detected == "CSV, séparateur virgule, encodage UTF-16"
    assert list(report.counts) == ["Contacts"] and report.counts["Contacts"].unchanged == 1


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, replace.get(info.filename, src.read(info)))
    return out.getvalue()


def test_refusals_of_damaged_encrypted_and_hostile_files(session):
    ods = (FIXTURES / "demo.ods").read_bytes()
    xls = (FIXTURES / "demo.xls").read_bytes()
    refused(session, ods[: len(ods) // 2], "endommagé")
    refused(session, xls[: len(xls) // 3], "endommagé")
    manifest = zipfile.ZipFile(io.BytesIO(ods)).read("META-INF/manifest.xml")
    encrypted = re.sub(
        rb'(<manifest:file-entry manifest:full-path="content.xml"[^>]*)/>',
        rb"\1><manifest:encryption-data/></manifest:file-entry>",
        manifest,
    )
    assert encrypted != manifest
    refused(session, _rezip(ods, {"META-INF/manifest.xml": encrypted}), "protégé par un mot de passe")
    content = zipfile.ZipFile(io.BytesIO(ods)).read("content.xml")
    dtd = content.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)
    refused(session, _rezip(ods, {"content.xml": dtd}), "déclarations XML")
    refused(session, b"\x00\x01\x02\x03" * 500, "ni un fichier CSV lisible")
    refused(session, b"Acteur*;Nom complet*\n" + b"\x00\x07\x00" * 10, "ni un fichier CSV lisible")


def test_csv_limits_are_those_of_the_workbook(session):
    rows = "\n".join(f"a{i};Acteur {i};Association déclarée" for i in range(12))
    data = ("Réf.;Nom*;Forme juridique*\n" + rows).encode()
    report = run(session, data, filename="acteurs.csv", max_rows=10)
    assert not report.ok and "Trop de lignes" in report.errors[0].message
    report = run(session, data, filename="acteurs.csv")
    assert report.ok and report.applied
    assert session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 12
