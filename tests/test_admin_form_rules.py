"""Issue 13 items 2 and 5: what a form's HTML says (required, maxlength, hints, defaults) is what the server does,
and the server normalises as the importer does; a new record starts safe (unpublished, nothing chosen for you)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from registry.models import Actor, LegalForm, Partnership
from registry.services.reference.normalize import normalize_siret
from tests.admin_support import changed, database, post_form, read_form
from tests.factories import make_actor, ref

SPACED_SIRET = "732 829 320 00074"


def tag(html: str, name: str) -> str:
    """The opening tag of the form field ``name``."""
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bname="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def test_an_actor_is_created_with_name_legal_form_and_a_spaced_siret_only(app, client, auth):
    auth.as_role("officer")
    html = client.get("/admin/actor/new/").get_data(as_text=True)
    assert "required" not in tag(html, "slug")  # its hint says it is computed when left empty
    maxlength = int(re.search(r'maxlength="(\d+)"', tag(html, "siret")).group(1))
    assert maxlength >= len(SPACED_SIRET)  # its hint says spaces are accepted
    fields = read_form(html)
    assert dict(fields)["legal_form"] == "__None"  # no legal form chosen for the officer
    assert "published" not in dict(fields)  # unpublished until an officer publishes it
    with database(app) as session:
        association = str(ref(session, LegalForm, "association").id)
    typed = changed(fields, name="Café solidaire d'essai", legal_form=association, siret=SPACED_SIRET)
    response = post_form(client, "/admin/actor/new/", typed)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with database(app) as session:
        actor = session.scalar(sa.select(Actor).where(Actor.name == "Café solidaire d'essai"))
        assert actor.siret == normalize_siret(SPACED_SIRET) == "73282932000074"  # as the importer stores it
        assert actor.slug == "cafe-solidaire-d-essai"
        assert actor.published is False


def test_an_actor_without_legal_form_gets_the_french_message(app, client, auth):
    auth.as_role("officer")
    fields = read_form(client.get("/admin/actor/new/").get_data(as_text=True))
    response = post_form(client, "/admin/actor/new/", changed(fields, name="Sans forme"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La forme juridique est obligatoire." in page


def test_a_partnership_is_created_without_inventing_a_reference(app, client, auth):
    auth.as_role("officer")
    html = client.get("/admin/partnership/new/").get_data(as_text=True)
    assert "required" not in tag(html, "ref")
    with database(app) as session:
        actor = make_actor(session).id
    fields = read_form(html)
    assert dict(fields)["kind"] == ""  # « — Choisir — »: the kind of partnership is the officer's choice
    values = {"actor": str(actor), "kind": "operating_subsidy", "object": "Essai de convention",
              "year": "2025", "amount": "1 500"}  # fmt: skip
    response = post_form(
        client, "/admin/partnership/new/", changed(fields, **{k: v for k, v in values.items() if k in dict(fields)})
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with database(app) as session:
        partnership = session.scalar(sa.select(Partnership).where(Partnership.object == "Essai de convention"))
        assert re.fullmatch(r"PART-\d{4}-\d{3}", partnership.ref)


def test_no_computed_reference_is_required_in_the_html(app, client, auth):
    auth.as_role("admin")
    for url, name in (("/admin/actor/new/", "slug"), ("/admin/initiative/new/", "slug"),
                      ("/admin/loanprogramme/new/", "slug"), ("/admin/partnership/new/", "ref")):  # fmt: skip
        html = client.get(url).get_data(as_text=True)
        assert "required" not in tag(html, name), url
        assert "Laissez vide" in html, url


def test_a_create_form_chooses_only_what_the_model_defaults(app, client, auth):
    """Every create form of the back office: a select (or radio set) comes with a value chosen only when the model
    gives that field a default (« Brouillon », « Actif »…); otherwise « — Choisir — » or « — » is chosen."""
    auth.as_role("admin")
    admin = app.extensions["registry_admin"]
    checked = 0
    for view in admin._views:
        model = getattr(view, "model", None)
        if model is None or not getattr(view, "allow_create", True) or not hasattr(model, "__table__"):
            continue
        response = client.get(view.url.rstrip("/") + "/new/")
        if response.status_code != 200:
            continue
        html = response.get_data(as_text=True)
        for name, body in re.findall(r'<select[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
            column = model.__table__.c.get(name)
            relation = sa.inspect(model).relationships.get(name)
            if relation is not None and relation.secondary is None and len(relation.local_columns) == 1:
                column = next(iter(relation.local_columns))  # a record picker: its foreign key
            if column is None or "multiple" in tag(html, name):
                continue
            checked += 1
            chosen = [v for a, v in re.findall(r'<option([^>]*)value="([^"]*)"', body) if "selected" in a]
            if column.default is None and column.server_default is None:
                assert chosen in ([], [""], ["__None"]) and re.search(r'<option[^>]*value="(|__None)"', body), (
                    view.endpoint, name, chosen)  # fmt: skip
    assert checked >= 8
