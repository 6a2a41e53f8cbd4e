"""Back-office writes: validation by the services, the version check, and an audit event for every change."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import (
    Actor,
    ActorStatus,
    AuditAction,
    AuditEvent,
    Axis,
    Contact,
    Initiative,
    LegalForm,
    Partnership,
)
from tests.admin_support import changed, count, database, fresh, post_form, read_form
from tests.factories import luhn_siret, make_actor, make_contact, make_initiative, make_partnership, ref


def edit_page(client, endpoint: str, ident: int):
    response = client.get(f"/admin/{endpoint}/edit/?id={ident}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def save(client, endpoint: str, ident: int, html: str, **values):
    return post_form(client, f"/admin/{endpoint}/edit/?id={ident}", changed(read_form(html), **values))


def events(app, entity_type: str, entity_id: int | None = None, action=None) -> list[AuditEvent]:
    statement = sa.select(AuditEvent).where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        statement = statement.where(AuditEvent.entity_id == entity_id)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    with app.app_context():
        found = list(db.session.scalars(statement.order_by(AuditEvent.id)))
        db.session.expunge_all()
    return found


@pytest.fixture
def actor(app):
    with database(app) as session:
        return make_actor(session, name="Régie de quartier de Fives", siret=luhn_siret()).id


def axis_ids(app, *codes) -> list[str]:
    with database(app) as session:
        return [str(ref(session, Axis, code).id) for code in codes]


def test_actor_edit_saves_and_audits_field_by_field(app, client, auth, actor):
    user_id = auth.as_role("officer")
    html = edit_page(client, "actor", actor)
    axes = axis_ids(app, "entreprendre", "consommer")
    response = save(client, "actor", actor, html, name="Régie des Quartiers de Fives", axes=axes)
    assert response.status_code == 302
    record = fresh(app, Actor, actor)
    assert record.name == "Régie des Quartiers de Fives"
    assert record.version == 2
    (event,) = events(app, "Actor", actor, AuditAction.UPDATE)
    assert event.user_id == user_id and event.source == "admin" and not event.personal
    assert event.changes["name"] == ["Régie de quartier de Fives", "Régie des Quartiers de Fives"]
    assert len(event.changes["axes"][1]) == 2


def test_actor_change_of_links_only_moves_the_version(app, client, auth, actor):
    auth.as_role("officer")
    html = edit_page(client, "actor", actor)
    axes = axis_ids(app, "consommer")
    assert save(client, "actor", actor, html, axes=axes).status_code == 302
    assert fresh(app, Actor, actor).version == 2  # another officer's open form is now stale


def test_second_officer_gets_a_conflict_not_an_overwrite(app, client, auth, actor):
    auth.as_role("officer")
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other, app).as_role("officer")
    mine = edit_page(client, "actor", actor)
    theirs = edit_page(other, "actor", actor)
    assert save(other, "actor", actor, theirs, name="Nom choisi par l'autre agent").status_code == 302

    response = save(client, "actor", actor, mine, name="Mon nom", phone="03 20 49 50 00")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Modification concurrente" in body and "rien n&#39;a été enregistré" in body
    assert "Nom choisi par l&#39;autre agent" in body  # what changed since the form was opened
    record = fresh(app, Actor, actor)
    assert record.name == "Nom choisi par l'autre agent" and record.phone is None and record.version == 2
    assert len(events(app, "Actor", actor, AuditAction.UPDATE)) == 1
    # The form now carries the current version: saving again after reading the message is deliberate.
    again = save(client, "actor", actor, body, phone="03 20 49 50 00")
    assert again.status_code == 302 and fresh(app, Actor, actor).phone == "03 20 49 50 00"


@pytest.mark.parametrize("seal", ["missing", "tampered", "another record's"])
def test_form_without_its_sealed_version_is_refused(app, client, auth, actor, seal):
    """The version that counts travels inside the signed state: without it, or with a forged one, nothing is
    saved and the officer gets a French explanation, never a 500."""
    with database(app) as session:
        other = make_actor(session, name="Autre fiche").id
    auth.as_role("officer")
    html = edit_page(client, "actor", actor)
    token = dict(read_form(html))["opened_state"]
    forged = {
        "missing": None,
        "tampered": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "another record's": dict(read_form(edit_page(client, "actor", other)))["opened_state"],
    }[seal]
    fields = [(k, v) for k, v in read_form(html) if k != "opened_state"]
    response = post_form(client, f"/admin/actor/edit/?id={actor}", changed(fields, name="Sans version",
                                                                           opened_state=forged))  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "rien n&#39;a été enregistré" in body
    assert fresh(app, Actor, actor).name == "Régie de quartier de Fives" and fresh(app, Actor, actor).version == 1
    assert events(app, "Actor", actor, AuditAction.UPDATE) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siret", "12345678901234", "SIRET invalide"),
        ("rna", "W12", "Numéro RNA invalide"),
        ("postcode", "590", "Code postal invalide"),
        ("latitude", "abc", "Nombre invalide"),
        ("founding_year", "1700", "L&#39;année de création"),
    ],
)
def test_wrong_value_gives_french_message_on_the_field(app, client, auth, actor, field, value, message):
    auth.as_role("officer")
    html = edit_page(client, "actor", actor)
    response = save(client, "actor", actor, html, **{field: value})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert "is-invalid" in body or "invalid-feedback" in body or "help-block" in body
    assert fresh(app, Actor, actor).version == 1


def test_initiative_date_order_and_amount_are_checked(app, client, auth):
    with database(app) as session:
        initiative = make_initiative(session).id
    auth.as_role("officer")
    html = edit_page(client, "initiative", initiative)
    response = save(client, "initiative", initiative, html, start_date="2025-06-01", end_date="2025-01-01")
    assert response.status_code == 200 and "antérieure à la date de début" in response.get_data(as_text=True)
    response = save(client, "initiative", initiative, html, budget="deux mille")
    assert response.status_code == 200 and "Nombre invalide" in response.get_data(as_text=True)
    response = save(client, "initiative", initiative, html, budget="12 500,50", city_funding="2 000")
    assert response.status_code == 302
    assert fresh(app, Initiative, initiative).budget == Decimal("12500.50")


def test_create_actor_is_audited(app, client, auth):
    auth.as_role("officer")
    html = client.get("/admin/actor/new/").get_data(as_text=True)
    assert dict(read_form(html))["legal_form"] == "__None"  # nothing chosen for the officer
    with database(app) as session:
        legal_form = str(ref(session, LegalForm, "association").id)
    fields = changed(read_form(html), name="Coopérative Neuve", legal_form=legal_form, siret=luhn_siret())
    response = post_form(client, "/admin/actor/new/", fields)
    assert response.status_code == 302
    with database(app) as session:
        actor = session.scalar(sa.select(Actor).where(Actor.name == "Coopérative Neuve"))
        actor_id, slug = actor.id, actor.slug
    (event,) = events(app, "Actor", actor_id, AuditAction.CREATE)
    assert event.changes["name"] == [None, "Coopérative Neuve"] and slug == "cooperative-neuve"


def test_contacts_inline_are_checked_and_audited_as_personal_data(app, client, auth, actor):
    auth.as_role("officer")
    html = edit_page(client, "actor", actor)
    bad = changed(read_form(html), **{"contacts-0-full_name": "Camille Martin", "contacts-0-email": "pas-un-mail"})
    response = post_form(client, f"/admin/actor/edit/?id={actor}", bad)
    assert response.status_code == 200 and "Adresse électronique invalide" in response.get_data(as_text=True)
    assert count(app, Contact) == 0

    good = changed(read_form(html), **{"contacts-0-full_name": "Camille Martin", "contacts-0-email": "C.Martin@X.fr"})
    assert post_form(client, f"/admin/actor/edit/?id={actor}", good).status_code == 302
    with database(app) as session:
        contact = session.scalar(sa.select(Contact))
        assert contact.email == "c.martin@x.fr"
        contact = contact.id
    (created,) = events(app, "Contact", contact, AuditAction.CREATE)
    assert created.personal and created.actor_id == actor and created.changes["email"] == [None, "c.martin@x.fr"]

    html = edit_page(client, "actor", actor)
    update = changed(read_form(html), **{"contacts-0-role": "Directrice"})
    assert post_form(client, f"/admin/actor/edit/?id={actor}", update).status_code == 302
    (updated,) = events(app, "Contact", contact, AuditAction.UPDATE)
    assert updated.changes == {"role": [None, "Directrice"]} and updated.personal

    html = edit_page(client, "actor", actor)
    remove = changed(read_form(html), **{"del-contacts-0": "on"})
    assert post_form(client, f"/admin/actor/edit/?id={actor}", remove).status_code == 302
    assert count(app, Contact) == 0
    (deleted,) = events(app, "Contact", contact, AuditAction.DELETE)
    assert deleted.personal and deleted.changes["full_name"] == ["Camille Martin", None]


def csrf_of(client, url: str) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get(url).get_data(as_text=True))


def test_deleting_an_actor_others_depend_on_is_refused(app, client, auth, actor):
    with database(app) as session:
        make_partnership(session, actor=session.get(Actor, actor))
    auth.as_role("officer")
    token = csrf_of(client, "/admin/actor/")
    response = client.post("/admin/actor/delete/", data={"id": actor, "csrf_token": token}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "n&#39;a pas été supprimée" in body and "1 partenariat." in body and "Archivez-la" in body
    assert fresh(app, Actor, actor) is not None
    assert events(app, "Actor", actor, AuditAction.DELETE) == []


def test_deleting_a_free_actor_is_audited_with_its_contacts(app, client, auth, actor):
    with database(app) as session:
        contact = make_contact(session, session.get(Actor, actor)).id
    auth.as_role("officer")
    token = csrf_of(client, "/admin/actor/")
    response = client.post("/admin/actor/delete/", data={"id": actor, "csrf_token": token})
    assert response.status_code == 302
    assert fresh(app, Actor, actor) is None
    (event,) = events(app, "Actor", actor, AuditAction.DELETE)
    assert event.changes["name"] == ["Régie de quartier de Fives", None]
    (contact_event,) = events(app, "Contact", contact, AuditAction.DELETE)
    assert contact_event.personal


def test_archive_action_audits_and_archived_records_leave_default_lists(app, client, auth, actor):
    with database(app) as session:
        make_actor(session, name="Atelier Vélo Wazemmes")
    auth.as_role("officer")
    token = csrf_of(client, "/admin/actor/")
    response = client.post("/admin/actor/action/", data={"action": "archive", "rowid": [actor], "csrf_token": token})
    assert response.status_code == 302
    assert fresh(app, Actor, actor).status == ActorStatus.ARCHIVED
    (event,) = events(app, "Actor", actor, AuditAction.ARCHIVE)
    assert event.changes == {"status": ["active", "archived"]}

    listing = client.get("/admin/actor/").get_data(as_text=True)
    assert "Atelier Vélo Wazemmes" in listing and "Régie de quartier de Fives" not in listing
    admin = client.application.extensions["registry_admin"]
    actor_view = next(v for v in admin._views if getattr(v, "endpoint", "") == "actor")
    with client.application.test_request_context():
        url = actor_view.filtered_list_url("actor", "Archivage", "oui")
    archived = client.get(url).get_data(as_text=True)
    assert "Régie de quartier de Fives" in archived and "Atelier Vélo Wazemmes" not in archived

    response = client.post("/admin/actor/action/", data={"action": "restore", "rowid": [actor], "csrf_token": token})
    assert fresh(app, Actor, actor).status == ActorStatus.ACTIVE
    assert len(events(app, "Actor", actor, AuditAction.UPDATE)) == 1


def test_bulk_delete_is_audited_and_skips_records_with_dependents(app, client, auth):
    with database(app) as session:
        free = make_actor(session, name="Sans lien")
        linked = make_actor(session, name="Avec partenariat")
        make_partnership(session, actor=linked)
        free, linked = free.id, linked.id
    auth.as_role("officer")
    token = csrf_of(client, "/admin/actor/")
    client.post("/admin/actor/action/", data={"action": "delete", "rowid": [free, linked], "csrf_token": token})
    assert fresh(app, Actor, free) is None and fresh(app, Actor, linked) is not None
    assert len(events(app, "Actor", free, AuditAction.DELETE)) == 1
    assert events(app, "Actor", linked, AuditAction.DELETE) == []


def test_partnership_amount_in_french_format(app, client, auth):
    with database(app) as session:
        partnership = make_partnership(session).id
    auth.as_role("officer")
    html = edit_page(client, "partnership", partnership)
    assert "25 000" in html  # shown the French way in the form
    assert save(client, "partnership", partnership, html, amount="1 234,56 €").status_code == 302
    record = fresh(app, Partnership, partnership)
    assert record.amount == Decimal("1234.56")
    (event,) = events(app, "Partnership", partnership, AuditAction.UPDATE)
    assert event.changes["amount"] == ["25000", "1234.56"]


def test_search_is_accent_insensitive(app, client, auth, actor):
    with database(app) as session:
        make_actor(session, name="Jardin partagé des Moulins")
    auth.as_role("analyst")
    for term in ("regie", "RÉGIE", "quartier fives"):
        body = client.get("/admin/actor/", query_string={"search": term}).get_data(as_text=True)
        assert "Régie de quartier de Fives" in body and "Jardin partagé" not in body, term


def test_dates_are_typed_the_french_way(app, client, auth):
    with database(app) as session:
        initiative = make_initiative(session).id
    auth.as_role("officer")
    html = edit_page(client, "initiative", initiative)
    response = save(client, "initiative", initiative, html, start_date="31/02/2025")
    assert response.status_code == 200 and "Date inexistante" in response.get_data(as_text=True)
    assert save(client, "initiative", initiative, html, start_date="07/03/2025").status_code == 302
    assert fresh(app, Initiative, initiative).start_date.isoformat() == "2025-03-07"
    assert 'value="07/03/2025"' in edit_page(client, "initiative", initiative)


def test_partnerships_are_found_by_reference_or_object(app, client, auth):
    with database(app) as session:
        make_partnership(session, ref="PART-2024-007", object="Mise à disposition d'un local")
        make_partnership(session, ref="PART-2025-001", object="Soutien au jardin partagé")
    auth.as_role("analyst")
    by_ref = client.get("/admin/partnership/", query_string={"search": "part-2024"}).get_data(as_text=True)
    assert "PART-2024-007" in by_ref and "PART-2025-001" not in by_ref
    by_word = client.get("/admin/partnership/", query_string={"search": "jardin"}).get_data(as_text=True)
    assert "PART-2025-001" in by_word and "PART-2024-007" not in by_word


def test_initiative_with_partners_opens_saves_and_changes_a_partners_role(app, client, auth, actor):
    """The partners' inline list pairs each row with its record (their own key since migration 0003)."""
    from registry.models import InitiativePartner

    with database(app) as session:
        first, second = make_actor(session, name="Atelier Partenaire"), make_actor(session, name="Ressourcerie")
        initiative = make_initiative(session, lead=session.get(Actor, actor), title="Chantier école")
        initiative.partners = [InitiativePartner(actor=first, role="chantier"), InitiativePartner(actor=second)]
        session.flush()
        ident = initiative.id
    auth.as_role("officer")
    html = edit_page(client, "initiative", ident)
    assert "Atelier Partenaire" in html and "Ressourcerie" in html
    version = fresh(app, Initiative, ident).version
    assert save(client, "initiative", ident, html).status_code == 302
    assert fresh(app, Initiative, ident).version == version  # nothing changed, nothing written
    html = edit_page(client, "initiative", ident)
    assert save(client, "initiative", ident, html, **{"partners-0-role": "pilote"}).status_code == 302
    with database(app) as session:
        roles = {p.actor.name: p.role for p in session.get(Initiative, ident).partners}
    assert roles == {"Atelier Partenaire": "pilote", "Ressourcerie": None}


def test_admin_views_pass_no_messages_through_flask_g():
    """What one part of the back office tells another travels as arguments, return values, the form (a refused
    save's conflict) or the template context (the list's "à relire" badges), never through ``flask.g``. The only
    use left is a true per-request cache: the options of list filters read from the reference tables."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    uses = []
    for path in sorted((root / "registry" / "admin").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\bg\.(\w+)", text):
            uses.append((path.name, match.group(1)))
    assert uses == [("filters.py", "setdefault")]
    assert '"_admin_filter_choices"' in (root / "registry" / "admin" / "filters.py").read_text(encoding="utf-8")
    for path in (root / "templates" / "admin").rglob("*.html"):
        assert not re.search(r"\bg\.\w", path.read_text(encoding="utf-8")), path


def test_the_inline_contact_form_shows_the_personal_data_notice(app, client, auth, actor):
    auth.as_role("officer")
    for html in (edit_page(client, "actor", actor), client.get("/admin/actor/new/").get_data(as_text=True)):
        notice = html[html.index('id="mention-contacts"') :]
        assert "Mention d&#39;information" in notice or "Mention d'information" in notice
        assert "dpo@mairie-lille.fr" in notice and "article 6-1-e du RGPD" in notice
        assert notice.index("mention-contacts") < notice.index("contacts-")  # above the contact rows
