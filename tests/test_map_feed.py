"""The feed of the ESS maps (GoGoCarto's element format) and its way back: a GoGoCarto / Carteco export read by
the importer as actors. The feed round-trips: into the same registry it changes nothing; into an empty one it
gives back the published actors, with their categories, proposed unpublished."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import Actor, Contact
from registry.models.base import utcnow
from registry.services.public.visibility import public_actor_clause
from registry.services.reference.loading import load_reference
from registry.workbook.importer import apply_workbook, preview_workbook
from tests.admin_support import database
from tests.conftest import _clean_database
from tests.test_admin_io import post_form, upload
from tests.workbook_helpers import load_demo

BASE = "https://registre.example.test"
FEEDS = {"json": "/donnees/acteurs-gogocarto.json", "csv": "/donnees/acteurs-gogocarto.csv"}


@pytest.fixture
def demo(app):
    """The demo registry, with a private contact and an actor whose own e-mail is not to be shown."""
    with database(app) as session:
        load_demo(session)
        actors = session.scalars(sa.select(Actor).where(public_actor_clause()).order_by(Actor.id)).all()
        session.add(Contact(actor=actors[0], full_name="Personne Privée", email="prive@example.test", public=False))
        actors[1].email, actors[1].show_contact_details = "cachee@example.org", False
        actors[2].email, actors[2].show_contact_details = "montree@example.org", True
    return app


def public_actors(app) -> dict[str, dict]:
    """What the feed must say of each public actor, by slug."""
    with app.app_context():
        found = {}
        for a in db.session.scalars(sa.select(Actor).where(public_actor_clause())):
            found[a.slug] = {
                "name": a.name,
                "categories": [x.label for x in a.axes] + [x.label for x in a.sectors],
                "axes": {x.code for x in a.axes},
                "sectors": {x.code for x in a.sectors},
                "email": a.email if a.show_contact_details else None,
                "siret": a.siret,
                "legal_form": a.legal_form.code,
                "address": (a.address, a.postcode, a.commune),
                "position": (a.latitude, a.longitude),
                "quartier": a.quartier.code if a.quartier else None,
                "website": a.website,
            }
        return found


def test_the_feed_holds_every_published_actor_and_only_public_details(demo, client):
    expected = public_actors(demo)
    document = client.get(FEEDS["json"]).get_json()
    assert document["licence"]["name"] == "Licence Ouverte 2.0" and document["ontology"] == "gogofull"
    elements = {e["id"]: e for e in document["data"]}
    assert set(elements) == set(expected) and len(document["data"]) == len(expected)
    for slug, element in elements.items():
        actor = expected[slug]
        assert element["name"] == actor["name"] and element["url"] == f"{BASE}/acteurs/{slug}"
        assert element["categories"] == actor["categories"]
        assert [c["name"] for c in element.get("categoriesFull", [])] == actor["categories"]
        assert element.get("email") == actor["email"]
        if actor["position"][0] is not None:
            assert (element["geo"]["latitude"], element["geo"]["longitude"]) == actor["position"]
        assert element["updatedAt"].endswith("Z") and element["createdAt"] <= element["updatedAt"]
    text = json.dumps(document, ensure_ascii=False)
    assert "prive@example.test" not in text and "Personne Privée" not in text and "cachee@example.org" not in text
    rows = list(csv.DictReader(io.StringIO(client.get(FEEDS["csv"]).get_data(as_text=True))))
    assert {r["id"] for r in rows} == set(expected)
    assert all(r["categories"].split(",") == expected[r["id"]]["categories"] for r in rows if r["categories"])


def test_depuis_keeps_the_actors_changed_since_a_date(demo, client):
    with database(demo) as session:
        actors = session.scalars(sa.select(Actor).where(public_actor_clause()).order_by(Actor.id)).all()
        old = utcnow() - timedelta(days=30)
        session.execute(sa.update(Actor).where(Actor.id.in_([a.id for a in actors[2:]])).values(updated_at=old))
        recent = {a.slug for a in actors[:2]}
    since = (utcnow() - timedelta(days=2)).date().isoformat()
    for fmt, url in FEEDS.items():
        response = client.get(url, query_string={"depuis": since})
        if fmt == "json":
            document = response.get_json()
            assert {e["id"] for e in document["data"]} == recent and document["updatedSince"].startswith(since)
        else:
            assert {r["id"] for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))} == recent
    assert len(client.get(FEEDS["json"]).get_json()["data"]) > len(recent)
    assert client.get(FEEDS["json"], query_string={"depuis": "2999-01-01T00:00:00Z"}).get_json()["data"] == []
    for bad in ("hier", "2025-13-40", "31/01/2025", "x" * 500):
        response = client.get(FEEDS["json"], query_string={"depuis": bad})
        assert response.status_code == 400 and "depuis" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_feed_imported_into_the_same_registry_changes_nothing(demo, client, fmt):
    data = client.get(FEEDS[fmt]).data
    with demo.app_context():
        report = preview_workbook(db.session, data, filename=f"carte.{fmt}")
    assert report.ok and not report.errors and not report.warnings, report.to_text()
    counts = report.counts_dict()["Acteurs"]
    assert (counts["new"], counts["changed"], counts["unchanged"]) == (0, 0, len(public_actors(demo)))
    assert "GoGoCarto" in report.detected


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_feed_imported_into_an_empty_registry_gives_back_the_published_actors(demo, client, fmt):
    expected = public_actors(demo)
    data = client.get(FEEDS[fmt]).data
    with demo.app_context():
        _clean_database(db.engine)
        load_reference(db.session)
        db.session.commit()
        report = apply_workbook(db.session, data, filename=f"carte.{fmt}")
        assert report.applied and not report.errors, report.to_text()
        assert report.counts_dict()["Acteurs"]["new"] == len(expected)
        assert db.session.scalar(sa.select(sa.func.count()).where(Actor.published.is_(True))) == 0  # proposed
        db.session.execute(sa.update(Actor).values(published=True))
        db.session.commit()
    got = public_actors(demo)
    for actor in (*got.values(), *expected.values()):
        actor.pop("email")  # not shown by the source, so not in the feed
    assert got == expected
    with demo.app_context():
        again = preview_workbook(db.session, data, filename=f"carte.{fmt}")
        assert again.counts_dict()["Acteurs"]["unchanged"] == len(expected)


CARTECO = (
    "id,name,categories,streetAddress,postalCode,addressLocality,latitude,longitude,email,telephone,website,"
    "siret,description,openHours\r\n"
    'k3Z,Nouvelle Épicerie Solidaire,"Alimentation et circuits courts,Se nourrir,Consommer",12 rue de Paris,'
    "59000,Lille,50.6292,3.0573,,,https://epicerie.example.org,,Une épicerie solidaire.,Lu 9h-12h\r\n"
)


def test_a_carteco_export_proposes_new_actors_unpublished_and_never_clears_a_field(demo, client, auth):
    with demo.app_context():
        known = db.session.scalar(sa.select(Actor).where(Actor.siret.is_not(None), public_actor_clause()))
        known_id, siret, description = known.id, known.siret, known.description
        axes = {a.code for a in known.axes}
    data = CARTECO + f"a1b,{known.name},,,,,,,,,,{siret},,\r\n"
    auth.as_role("officer")
    location = upload(client, data.encode(), "carteco.csv").headers["Location"]
    preview = client.get(location).get_data(as_text=True)
    assert "GoGoCarto" in preview and "1 nouvelle(s) fiche(s)" in preview and "« Se nourrir »" in preview
    assert "Association déclarée" in preview and "à vérifier" in preview
    assert post_form(client, location, location + "/confirmer").status_code == 302
    with demo.app_context():
        new = db.session.scalar(sa.select(Actor).where(Actor.name == "Nouvelle Épicerie Solidaire"))
        assert not new.published and new.legal_form.code == "association"
        assert {a.code for a in new.axes} == {"consommer"} and {s.code for s in new.sectors} == {"alimentation"}
        assert (new.postcode, new.latitude, new.website) == ("59000", 50.6292, "https://epicerie.example.org")
        same = db.session.get(Actor, known_id)
        assert same.description == description and {a.code for a in same.axes} == axes  # empty cells kept


def test_a_bad_map_export_gets_a_clear_message(app):
    with app.app_context():
        for data, words in (
            (b'{"data": {"name": "x"}}', "liste"),
            (b"[1, 2]", "objet JSON"),
            (b'{"data": [', "mal formé"),
            (b"[" * 100_000, "mal formé"),
            (b'{"type": "Feature"}', "GoGoCarto"),
        ):
            report = preview_workbook(db.session, data, filename="carte.json")
            assert report.errors and words in report.errors[0].message, (data[:30], report.errors)
        report = preview_workbook(db.session, b'[{"title": "Sans forme", "lat": 50.6, "lng": 3.05}]', filename="c.json")
        assert report.ok and report.counts_dict()["Acteurs"]["new"] == 1


def test_the_api_serves_the_same_feed_and_documents_it(demo, client):
    assert client.get("/api/v1/actors.gogocarto.json").get_json() == client.get(FEEDS["json"]).get_json()
    assert client.get("/api/v1/").get_json()["resources"]["actors_map_feed"] == "/api/v1/actors.gogocarto.json"
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/actors.gogocarto.json"]["get"]["parameters"][0]["name"] == "depuis"
    bad = client.get("/api/v1/actors.gogocarto.json", query_string={"depuis": "demain"})
    assert bad.status_code == 400 and bad.get_json()["error"]["title"]
