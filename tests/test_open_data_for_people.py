"""Open data a citizen can open (issue 15, item 4): a « CSV pour Excel » beside every CSV, XLSX with French headers
and labels, a Table Schema per dataset validated with frictionless, and a page that says date, licence, rows, schema.
LibreOffice (headless) converts the files back when it is installed, as a person opening them would."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from registry.models import PartnershipStatus
from registry.public.fields import ACTOR_FIELDS, INITIATIVE_FIELDS, PROGRAMME_FIELDS
from registry.public.table_schema import header
from tests import public_data
from tests.conftest import CI
from tests.factories import luhn_siret, make_actor, make_partnership

DATASETS = {"acteurs": ACTOR_FIELDS, "initiatives": INITIATIVE_FIELDS, "prets": PROGRAMME_FIELDS}
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def data(session):
    built = public_data.build(session)
    actor = make_actor(session, name="Coopérative Élan à Lille", siret=luhn_siret(), latitude=50.6301, longitude=3.0885)
    make_partnership(
        session, actor, amount=Decimal("47800.20"), status=PartnershipStatus.SIGNED, convention_date=date(2025, 4, 1)
    )
    session.commit()
    return built


def excel_rows(raw: bytes) -> list[dict]:
    """Read a « CSV pour Excel » the way a spreadsheet does: the BOM says UTF-8, the separator is sniffed."""
    assert raw.startswith(b"\xef\xbb\xbf"), "no byte order mark: Excel would read the accents as Windows-1252"
    text = raw.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.split("\r\n")[0])
    assert dialect.delimiter == ";"
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_csv_has_a_csv_for_excel(client, data, dataset):
    fields = DATASETS[dataset]
    machine = client.get(f"/donnees/{dataset}.csv")
    response = client.get(f"/donnees/{dataset}-excel.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"{dataset}-ess-lille-excel.csv" in response.headers["Content-Disposition"]
    rows = excel_rows(response.data)
    assert list(rows[0]) == [header(f) for f in fields]
    assert len(rows) == len(machine.data.decode().strip().split("\r\n")) - 1 > 0
    # The machine file keeps its conventions: keys, comma, no BOM.
    assert machine.data.startswith(fields[0].key.encode() + b",")


def test_csv_for_excel_uses_french_conventions(client, data):
    rows = excel_rows(client.get("/donnees/acteurs-excel.csv").data)
    elan = next(r for r in rows if r["Nom"] == "Coopérative Élan à Lille")
    assert elan["Latitude"] == "50,6301" and elan["Agrément ESUS en cours"] in ("oui", "non")
    assert elan["Statut"] == "Actif"  # a label, not the code "active"
    regie = next(r for r in rows if r["Nom"] == data.regie.name)
    day, month, year = regie["Date de l'agrément ESUS"].split("/")
    assert date(int(year), int(month), int(day)) == data.regie.esus_date
    scdl = excel_rows(client.get("/donnees/subventions-scdl-excel.csv").data)
    assert [(r["nomBeneficiaire"], r["montant"], r["dateConvention"]) for r in scdl] == [
        ("Coopérative Élan à Lille", "47800,2", "01/04/2025")
    ]


def test_xlsx_has_french_headers_labels_frozen_bold_header_and_filter(client, data):
    workbook = load_workbook(io.BytesIO(client.get("/donnees/acteurs.xlsx").data))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers == [header(f) for f in ACTOR_FIELDS]
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=len(headers)).column_letter}{sheet.max_row}"
    assert sheet.column_dimensions["B"].width == 36
    statuses = {sheet.cell(row=r, column=headers.index("Statut") + 1).value for r in range(2, sheet.max_row + 1)}
    assert statuses <= {"Actif", "Inactif"}


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_dataset_has_a_table_schema_that_frictionless_validates(client, data, dataset, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    response = client.get(f"/donnees/{dataset}.schema.json")
    assert response.status_code == 200
    schema = json.loads(response.data)
    assert [f["name"] for f in schema["fields"]] == [f.key for f in DATASETS[dataset]]
    path = tmp_path / f"{dataset}.csv"
    path.write_bytes(client.get(f"/donnees/{dataset}.csv").data)
    resource = frictionless.Resource(
        path=path.name, basepath=str(tmp_path), schema=frictionless.Schema.from_descriptor(schema)
    )
    report = frictionless.validate(resource)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_open_data_page_shows_date_licence_rows_and_schema(client, data):
    html = client.get("/donnees/").get_data(as_text=True)
    for dataset in DATASETS:
        assert f'href="/donnees/{dataset}-excel.csv"' in html and f'href="/donnees/{dataset}.schema.json"' in html
    for dataset in DATASETS:
        rows = len(client.get(f"/donnees/{dataset}.csv").data.decode().strip().split("\r\n")) - 1
        section = html[html.index(f'id="jeu-{dataset}"') :]
        assert section.index(f"<dt>Lignes</dt><dd>{rows}</dd>") < section.index("<dt>Schéma</dt>"), dataset
    assert "Dernière mise à jour des données" in html and "Licence Ouverte 2.0" in html
    assert 'href="/donnees/subventions-scdl-excel.csv"' in html


@pytest.mark.skipif(SOFFICE is None and not CI, reason="LibreOffice absent")
def test_libreoffice_opens_the_files_with_the_accents_right(client, data, tmp_path):
    assert SOFFICE is not None, "LibreOffice absent under CI=true: .ci/run installs libreoffice-calc-nogui"
    (tmp_path / "acteurs-excel.csv").write_bytes(client.get("/donnees/acteurs-excel.csv").data)
    (tmp_path / "acteurs.xlsx").write_bytes(client.get("/donnees/acteurs.xlsx").data)
    profile = f"-env:UserInstallation=file://{tmp_path}/profile"
    # The CSV as Excel users open it: semicolons, UTF-8, French locale (decimal comma, JJ/MM/AAAA).
    subprocess.run(
        [SOFFICE, profile, "--headless", "--infilter=CSV:59,34,76,1,,1036", "--convert-to", "xlsx",
         "--outdir", str(tmp_path / "from-csv"), str(tmp_path / "acteurs-excel.csv")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    subprocess.run(
        [SOFFICE, profile, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
         "--outdir", str(tmp_path / "from-xlsx"), str(tmp_path / "acteurs.xlsx")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    sheet = load_workbook(tmp_path / "from-csv" / "acteurs-excel.xlsx").active
    headers = [c.value for c in sheet[1]]
    assert headers == [header(f) for f in ACTOR_FIELDS]  # « Référence », « Année de création »: accents intact
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "Coopérative Élan à Lille")
    assert row[headers.index("Latitude")] == pytest.approx(50.6301)  # a number, not the text "50,6301"
    text = (tmp_path / "from-xlsx" / "acteurs.csv").read_text(encoding="utf-8")
    assert text.startswith("Référence,Nom,") and "Coopérative Élan à Lille" in text
