"""The JSON API: pagination, filters, French JSON errors, caching validators, the OpenAPI document."""

from datetime import UTC, datetime, timedelta

import pytest
from openapi_spec_validator import validate

from tests import public_data


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


def test_actors_are_paginated_with_links(client, data):
    first = client.get("/api/v1/actors?limit=3").json
    assert first["meta"] == {"total": 4, "page": 1, "limit": 3, "pages": 2}
    assert [a["name"] for a in first["data"]][:1] == ["Atelier Vélo Solidaire"]
    assert "next" in first["links"] and "prev" not in first["links"]
    second = client.get(first["links"]["next"]).json
    assert [a["name"] for a in second["data"]] == ["Régie de Quartier de Fives"]
    assert "prev" in second["links"] and "next" not in second["links"]


def test_actor_fields_are_stable(client, data):
    actor = client.get(f"/api/v1/actors/{data.regie.slug}").json["data"]
    assert set(actor) == {
        "slug", "name", "legal_form", "legal_family", "siret", "rna", "ape_code", "esus", "esus_date", "siae_type",
        "description", "website", "email", "phone", "address", "postcode", "commune", "quartier", "latitude",
        "longitude", "employees", "volunteers", "founding_year", "status", "axes", "sectors", "url", "updated_at",
        "contacts",
    }  # fmt: skip
    assert actor["quartier"] == {"code": "fives", "name": "Fives", "commune": "Lille"}
    assert {"code": "batiment", "label": "Bâtiment", "strategic": True} in actor["sectors"]
    assert actor["esus"] is True
    assert actor["url"] == f"https://registre.example.test/acteurs/{data.regie.slug}"


def test_api_filters_like_the_directory(client, data):
    names = [a["name"] for a in client.get("/api/v1/actors?q=economie+solidaire").json["data"]]
    assert names == ["Maison de l'Économie Solidaire", "Atelier Vélo Solidaire"]
    names = [a["name"] for a in client.get("/api/v1/actors?axe=financer&quartier=lomme").json["data"]]
    assert names == ["Énergies Citoyennes Lilloises"]
    titles = [i["title"] for i in client.get("/api/v1/initiatives?quartier=lomme").json["data"]]
    assert titles == ["Forum de la finance éthique"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/actors?limit=101", "« limit » invalide"),
        ("/api/v1/actors?limit=0", "« limit » invalide"),
        ("/api/v1/actors?page=abc", "« page » invalide"),
        ("/api/v1/actors?axe=inconnu", "Axe inconnu"),
        ("/api/v1/actors?esus=peut-etre", "Valeur ESUS invalide"),
        ("/api/v1/initiatives?statut=perdu", "Statut inconnu"),
        ("/api/v1/actors.geojson?limit=5001", "« limit » invalide"),
    ],
)
def test_bad_parameters_get_a_french_json_400(client, data, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.json["error"]["message"]


def test_unknown_record_is_a_json_404(client, data):
    response = client.get("/api/v1/actors/personne")
    assert response.status_code == 404 and response.json["error"]["code"] == 404


def test_geojson_has_located_actors_only(client, data):
    body = client.get("/api/v1/actors.geojson").json
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == 3  # the cooperative has no coordinates
    regie = next(f for f in body["features"] if f["id"] == data.regie.slug)
    assert regie["geometry"] == {"type": "Point", "coordinates": [3.0885, 50.6301]}
    assert regie["properties"]["name"] == "Régie de Quartier de Fives"


def test_simulation_endpoint(client, data):
    body = client.get(f"/api/v1/loan-programmes/{data.programme.slug}/simulation?montant=5000&duree=36").json
    assert body["data"]["borrower"]["monthly_payment"] == "138.89"
    assert body["data"]["subsidy_saving"] == "354.45"
    error = client.get(f"/api/v1/loan-programmes/{data.programme.slug}/simulation?montant=10&duree=99")
    assert error.status_code == 400
    assert set(error.json["error"]["fields"]) == {"montant", "duree"}


def test_conditional_requests_get_304(client, session, data):
    first = client.get("/api/v1/actors")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/api/v1/actors", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/api/v1/actors", headers={"If-Modified-Since": modified}).status_code == 304
    # A change to public data makes both validators stale.
    data.velo.description = "Nouvelle description."
    session.commit()
    changed = client.get("/api/v1/actors", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    later = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get("/api/v1/actors", headers={"If-Modified-Since": later}).status_code == 304


def test_openapi_document_is_valid(client, data):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert set(document["components"]["schemas"]["Actor"]["properties"]) >= {"slug", "name", "axes", "sectors"}
    # Every route of the API blueprint is described.
    from flask import current_app

    with client.application.app_context():
        rules = {
            r.rule.removeprefix("/api/v1") for r in current_app.url_map.iter_rules() if r.endpoint.startswith("api.")
        }
    described = {p.replace("{slug}", "<slug>") for p in document["paths"]}
    assert rules == described
