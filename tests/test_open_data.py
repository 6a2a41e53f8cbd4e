"""Open-data downloads: columns, formats, neutralised formulas, licence, caching."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from registry.public.fields import ACTOR_FIELDS, INITIATIVE_FIELDS, PROGRAMME_FIELDS
from registry.public.table_schema import header as french_header
from tests import public_data
from tests.factories import make_actor

FORMULA = '=HYPERLINK("http://evil.example","clic")'


@pytest.fixture
def data(session):
    built = public_data.build(session)
    make_actor(session, name=FORMULA, description="+33 cmd|' /C calc'!A0", quartier="centre")
    session.commit()
    return built


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize(
    ("dataset", "fields", "count"),
    [("acteurs", ACTOR_FIELDS, 5), ("initiatives", INITIATIVE_FIELDS, 2), ("prets", PROGRAMME_FIELDS, 1)],
)
def test_csv_has_one_row_per_public_record_and_the_documented_columns(client, data, dataset, fields, count):
    response = client.get(f"/donnees/{dataset}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{dataset}-ess-lille.csv"'
    text = response.get_data(as_text=True)
    assert text.split("\r\n")[0] == ",".join(f.key for f in fields)
    assert len(read_csv(response)) == count


def test_csv_values_use_open_data_conventions(client, data):
    rows = {r["slug"]: r for r in read_csv(client.get("/donnees/acteurs.csv"))}
    regie = rows[data.regie.slug]
    assert regie["axes"] == "Entreprendre autrement ; Former et se former"
    assert regie["latitude"] == "50.6301" and regie["esus"] == "true"
    programme = read_csv(client.get("/donnees/prets.csv"))[0]
    assert (programme["max_amount"], programme["nominal_rate"], programme["purposes"]) == (
        "5000.00",
        "4.500",
        "Mobilité ; Formation",
    )


def test_csv_neutralises_formulas(client, data):
    rows = read_csv(client.get("/donnees/acteurs.csv"))
    evil = next(r for r in rows if "HYPERLINK" in r["name"])
    assert evil["name"] == "'" + FORMULA
    assert evil["description"].startswith("'+33")


def test_xlsx_keeps_formula_like_text_as_text(client, data):
    response = client.get("/donnees/acteurs.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [french_header(f) for f in ACTOR_FIELDS] and header[:2] == ["Référence", "Nom"]
    name_column = header.index("Nom") + 1
    cells = [sheet.cell(row=r, column=name_column) for r in range(2, sheet.max_row + 1)]
    evil = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert evil.value == FORMULA and evil.data_type == "s"
    employees = sheet.cell(row=2, column=header.index("Année de création") + 1)
    assert employees.data_type in ("n", "s")  # numbers stay numbers (None reads as empty)
    about = workbook["À propos"]
    texts = [c.value for row in about.iter_rows() for c in row if c.value]
    assert "Licence Ouverte 2.0 — https://www.etalab.gouv.fr/licence-ouverte-open-licence/" in texts


def test_geojson_download_is_a_feature_collection_with_licence(client, data):
    body = json.loads(client.get("/donnees/acteurs.geojson").data)
    assert body["type"] == "FeatureCollection"
    assert body["licence"]["name"] == "Licence Ouverte 2.0"
    assert len(body["features"]) == 5
    located = [f for f in body["features"] if f["geometry"]]
    assert {f["id"] for f in located} == {data.regie.slug, data.economie.slug, data.velo.slug}


def test_formats_that_do_not_exist_are_not_found(client, data):
    assert client.get("/donnees/initiatives.geojson").status_code == 404
    assert client.get("/donnees/contacts.csv").status_code == 404


def test_downloads_answer_304_when_unchanged(client, session, data):
    first = client.get("/donnees/acteurs.csv")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert client.get("/donnees/acteurs.csv", headers={"If-None-Match": etag}).status_code == 304
    data.regie.description = "Autre chose."
    session.commit()
    assert client.get("/donnees/acteurs.csv", headers={"If-None-Match": etag}).status_code == 200


def test_open_data_page_lists_files_columns_and_configured_licence(client, app, data, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_LICENCE", "ODbL 1.0")
    monkeypatch.setitem(app.config, "OPEN_DATA_LICENCE_URL", "https://opendatacommons.org/licenses/odbl/1-0/")
    html = client.get("/donnees/").get_data(as_text=True)
    assert 'href="https://opendatacommons.org/licenses/odbl/1-0/"' in html and "ODbL 1.0" in html
    for href in ("/donnees/acteurs.csv", "/donnees/acteurs.xlsx", "/donnees/acteurs.geojson", "/donnees/prets.xlsx"):
        assert f'href="{href}"' in html
    for field in ACTOR_FIELDS:
        assert f"<td>{field.key}</td>" in html
    assert 'href="/donnees/subventions-scdl.csv"' in html and 'href="/donnees/subventions-scdl.csv?tout=1"' in html
