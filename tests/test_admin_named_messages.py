"""Issue 13 item 4: the back office's messages name the record (« Acteur « X » créé. », « Initiative « Z » créée. »)
and its delete questions name the kind of record (« Supprimer cet acteur ? »), in list rows, on details pages and
for the bulk delete, for every model view."""

from __future__ import annotations

import inspect
import json
import re
from html import unescape

import flask.helpers
import pytest
import sqlalchemy as sa

from registry.admin.flask_admin_overrides import FLASK_FLASHES
from registry.extensions import db
from registry.models import Actor, LegalForm
from registry.services.reference.nouns import NOUNS, RECORD, agree, noun_of, number
from tests.admin_support import changed, database, post_form, read_form
from tests.conftest import AuthActions
from tests.factories import luhn_siret, ref
from tests.workbook_helpers import load_demo

GENERIC = ("Fiche créée.", "Fiche enregistrée.", "fiche supprimée", "Supprimer cette fiche")


@pytest.fixture
def demo(app):
    with database(app) as session:
        load_demo(session)


@pytest.fixture
def admin(app):
    client = app.test_client()
    AuthActions(client, app).as_role("admin")
    return client


def model_views(app):
    return [v for v in app.extensions["registry_admin"]._views if hasattr(v, "model")]


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get(FLASK_FLASHES, []))


def clear_flashes(client) -> None:
    with client.session_transaction() as session:
        session.pop(FLASK_FLASHES, None)


def ids_of(app, model) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(model.id).order_by(model.id)))


def name_of(app, model, ident) -> str:
    with app.app_context():
        return str(db.session.get(model, ident))


def test_the_agreement_of_the_nouns():
    assert noun_of("Actor").created("Régie") == "Acteur « Régie » créé."
    assert noun_of("Initiative").created("Repair café") == "Initiative « Repair café » créée."
    assert noun_of("Partnership").saved("P-1") == "Partenariat « P-1 » enregistré."
    assert noun_of("LegalForm").deleted("SCOP") == "Forme juridique « SCOP » supprimée."
    assert noun_of("Actor").delete_one().startswith("Supprimer cet acteur ?")
    assert noun_of("Partnership").delete_one().startswith("Supprimer ce partenariat ?")
    assert noun_of("Initiative").delete_one().startswith("Supprimer cette initiative ?")
    assert noun_of("Initiative").delete_selected().startswith("Supprimer les initiatives sélectionnées ?")
    assert noun_of("Actor").deleted_count(1) == "1 acteur supprimé."
    assert noun_of("Initiative").deleted_count(3) == "3 initiatives supprimées."
    assert noun_of("Actor").archive_one() == "Archiver cet acteur ? Il quittera le site public et les listes."
    assert noun_of("Initiative").archive_selected() == (
        "Archiver les initiatives sélectionnées ? Elles quitteront le site public et les listes."
    )
    assert noun_of("Initiative").counted(1, "archivé") == "1 initiative archivée."
    assert noun_of("Actor").counted(2, "désarchivé") == "2 acteurs désarchivés."
    assert f"{number(1, 'champ')}, {number(0, 'champ')}, {number(3, 'demande')}" == "1 champ, 0 champ, 3 demandes"
    assert (agree("marqué", 1, feminine=True), agree("relu", 2, feminine=True)) == ("marquée", "relues")


def test_every_model_view_has_its_own_noun(app):
    missing = [v.endpoint for v in model_views(app) if v.model.__name__ not in NOUNS]
    assert missing == []
    assert all(v.noun is not RECORD for v in model_views(app))


def test_flask_still_keeps_flashed_messages_under_the_key_replaced():
    assert f'"{FLASK_FLASHES}"' in inspect.getsource(flask.helpers.flash)


def test_every_save_names_the_record(app, demo, admin):
    checked = []
    for view in model_views(app):
        if not view.allow_edit:
            continue
        for ident in ids_of(app, view.model)[:3]:
            url = f"{view.url}/edit/?id={ident}"
            page = admin.get(url)
            assert page.status_code == 200, url
            clear_flashes(admin)
            response = post_form(admin, url, read_form(page.get_data(as_text=True)))
            assert response.status_code == 302, (url, response.get_data(as_text=True)[:2000])
            messages = [m for c, m in flashes(admin) if c == "success"]
            assert messages == [view.noun.saved(name_of(app, view.model, ident))], (url, messages)
            checked.append(view.endpoint)
    assert {"actor", "initiative", "partnership", "legalform", "users"} <= set(checked)


def test_every_list_details_and_bulk_delete_asks_about_its_kind_of_record(app, demo, admin):
    checked = []
    for view in model_views(app):
        if not view.allow_delete:
            continue
        html = admin.get(f"{view.url}/").get_data(as_text=True)
        questions = {unescape(q) for q in re.findall(r'<button type="submit" data-confirm="([^"]*)"', html)}
        assert questions == {view.delete_question()}, (view.endpoint, questions)
        bulk = re.search(r'<div id="actions-confirmation-data" class="d-none">(.*?)</div>', html, re.S)
        assert bulk is not None, view.endpoint
        assert json.loads(unescape(bulk.group(1)))["delete"] == view.noun.delete_selected()
        assert not any(generic in unescape(html) for generic in GENERIC), view.endpoint
        ident = ids_of(app, view.model)[0]
        details = unescape(admin.get(f"{view.url}/details/?id={ident}").get_data(as_text=True))
        assert f'data-confirm="{view.delete_question()}"' in details, view.endpoint
        checked.append(view.endpoint)
    assert {"actor", "initiative", "partnership", "axis", "users"} <= set(checked)


def test_every_delete_names_the_record(app, demo, admin):
    """For every view that deletes: its first record that nothing depends on is deleted, the message names it."""
    deleted = []
    for view in model_views(app):
        if not view.allow_delete:
            continue
        for ident in reversed(ids_of(app, view.model)):
            name = name_of(app, view.model, ident)
            page = admin.get(f"{view.url}/details/?id={ident}").get_data(as_text=True)
            clear_flashes(admin)
            post_form(admin, f"{view.url}/delete/", read_form(page, "/delete/"))
            success = [m for c, m in flashes(admin) if c == "success"]
            if success:
                assert success == [view.noun.deleted(name)], view.endpoint
                deleted.append(view.endpoint)
                break
    assert {"actor", "initiative", "partnership", "loanreport"} <= set(deleted)


def test_bulk_delete_counts_with_the_noun(app, demo, admin):
    with database(app) as session:
        legal_form = ref(session, LegalForm, "association")
        ids = []
        for index in range(2):
            actor = Actor(name=f"À supprimer {index}", slug=f"a-supprimer-{index}", legal_form=legal_form)
            session.add(actor)
            session.flush()
            ids.append(actor.id)
    html = admin.get("/admin/actor/").get_data(as_text=True)
    fields = [(k, v) for k, v in read_form(html, "/action/") if k != "action"]
    post_form(admin, "/admin/actor/action/", [*fields, ("action", "delete"), *[("rowid", str(i)) for i in ids]])
    assert [m for c, m in flashes(admin) if c == "success"] == ["2 acteurs supprimés."]


def test_bulk_archive_and_restore_count_with_the_noun(app, demo, admin):
    with database(app) as session:
        legal_form = ref(session, LegalForm, "association")
        ids = []
        for index in range(2):
            actor = Actor(name=f"À archiver {index}", slug=f"a-archiver-{index}", legal_form=legal_form)
            session.add(actor)
            session.flush()
            ids.append(actor.id)
    for action, expected in (("archive", "2 acteurs archivés."), ("restore", "2 acteurs désarchivés.")):
        html = admin.get("/admin/actor/").get_data(as_text=True)
        fields = [(k, v) for k, v in read_form(html, "/action/") if k != "action"]
        post_form(admin, "/admin/actor/action/", [*fields, ("action", action), *[("rowid", str(i)) for i in ids]])
        assert [m for c, m in flashes(admin) if c == "success"] == [expected]


@pytest.mark.parametrize(
    ("url", "values", "expected"),
    [
        ("/admin/actor/new/", {"name": "Coopérative Neuve"}, "Acteur « Coopérative Neuve » créé."),
        ("/admin/legalform/new/", {"code": "scic2", "label": "SCIC bis", "family": "cooperative"},
         "Forme juridique « SCIC bis » créée."),
        ("/admin/axis/new/", {"code": "axe9", "label": "Neuvième axe", "position": "9"}, "Axe « Neuvième axe » créé."),
    ],
)  # fmt: skip
def test_a_creation_names_the_record_with_its_gender(app, demo, admin, url, values, expected):
    form = read_form(admin.get(url).get_data(as_text=True))
    if "legal_form" in dict(form):
        with database(app) as session:
            values = {**values, "legal_form": str(ref(session, LegalForm, "association").id), "siret": luhn_siret()}
    clear_flashes(admin)
    response = post_form(admin, url, changed(form, **values))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert [m for c, m in flashes(admin) if c == "success"] == [expected]


def test_an_initiative_is_created_feminine(app, demo, admin):
    form = read_form(admin.get("/admin/initiative/new/").get_data(as_text=True))
    with app.app_context():
        lead = str(db.session.scalar(sa.select(Actor.id).order_by(Actor.id)))
    clear_flashes(admin)
    response = post_form(admin, "/admin/initiative/new/", changed(form, title="Atelier vélo", lead_actor=lead))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert [m for c, m in flashes(admin) if c == "success"] == ["Initiative « Atelier vélo » créée."]
