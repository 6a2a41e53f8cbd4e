"""A partner's contact persons: list, add, edit, remove, each with its own consent to be shown publicly, the
legal notice where personal data is typed, version checks, and personal audit events."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from registry.models import AuditAction, AuditEvent, Contact
from registry.services.history.review import count_pending
from tests.admin_support import changed, count, database, fresh, post_form, read_form

CONTACTS = "/espace-partenaire/contacts/"
NEW = "/espace-partenaire/contacts/nouveau"


def edit_url(contact_id: int) -> str:
    return f"/espace-partenaire/contacts/{contact_id}"


def test_list_shows_own_contacts_and_their_visibility(client, mine):
    page = client.get(CONTACTS).get_data(as_text=True)
    assert "Camille Fivoise" in page and "Directrice" in page and "Visible seulement par la Ville" in page
    assert "Dominique Moulinoise" not in page


def test_contact_form_shows_the_legal_notice(app, client, mine):
    for url in (NEW, edit_url(mine.contact_id)):
        page = client.get(url).get_data(as_text=True)
        assert "Mention d&#39;information" in page or "Mention d'information" in page
        assert app.config["DPO_CONTACT"] in page and "Conservation" in page and "Finalité" in page


def test_add_contact_with_public_consent(app, client, mine):
    fields = changed(
        read_form(client.get(NEW).get_data(as_text=True)),
        full_name="Alix Nouvelle",
        role="Chargée de projet",
        email="Alix.Nouvelle@Example.org",
        phone="0612345678",
        public="y",
    )
    response = post_form(client, NEW, fields)
    assert response.status_code == 302 and response.headers["Location"].endswith(CONTACTS)
    with database(app) as session:
        contact = session.scalar(sa.select(Contact).where(Contact.full_name == "Alix Nouvelle"))
        assert contact.actor_id == mine.actor_id and contact.public and contact.consent_at is not None
        assert contact.email == "alix.nouvelle@example.org" and contact.phone == "06 12 34 56 78"
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "Contact")).one()
        assert event.action == AuditAction.CREATE and event.source == "partner" and event.personal
        assert event.actor_id == mine.actor_id and count_pending(session) == 1
    public_page = app.test_client().get(f"/acteurs/{mine.slug}").get_data(as_text=True)
    assert "Alix Nouvelle" in public_page and "alix.nouvelle@example.org" in public_page
    assert "Camille Fivoise" not in public_page  # no consent: never public


def test_add_contact_errors_are_french(app, client, mine):
    fields = changed(read_form(client.get(NEW).get_data(as_text=True)), full_name="", email="pas-une-adresse")
    page = post_form(client, NEW, fields).get_data(as_text=True)
    assert "Indiquez le nom et le prénom." in page
    fields = changed(fields, full_name="Alix", email="pas-une-adresse")
    page = post_form(client, NEW, fields).get_data(as_text=True)
    assert "Adresse électronique invalide" in page
    assert count(app, Contact) == 2


def test_edit_contact_withdrawing_consent_hides_it_and_clears_consent_date(app, client, mine):
    with database(app) as session:
        contact = session.get(Contact, mine.contact_id)
        contact.public = True
        from registry.services.records.actors import clean_contact

        clean_contact(session, contact)
    assert "Camille Fivoise" in app.test_client().get(f"/acteurs/{mine.slug}").get_data(as_text=True)
    fields = read_form(client.get(edit_url(mine.contact_id)).get_data(as_text=True))
    fields = [(k, v) for k, v in changed(fields, role="Présidente") if k != "public"]  # box unticked
    assert post_form(client, edit_url(mine.contact_id), fields).status_code == 302
    contact = fresh(app, Contact, mine.contact_id)
    assert contact.role == "Présidente" and not contact.public and contact.consent_at is None
    assert "Camille Fivoise" not in app.test_client().get(f"/acteurs/{mine.slug}").get_data(as_text=True)
    with database(app) as session:
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "Contact", AuditEvent.source == "partner")
        ).one()
        assert event.changes["role"] == ["Directrice", "Présidente"] and event.changes["public"] == [True, False]


def test_stale_contact_form_is_a_conflict(app, client, mine):
    fields = read_form(client.get(edit_url(mine.contact_id)).get_data(as_text=True))
    with database(app) as session:
        session.get(Contact, mine.contact_id).role = "Trésorière"
    page = post_form(client, edit_url(mine.contact_id), changed(fields, role="Présidente")).get_data(as_text=True)
    assert "Modification concurrente" in page and "Trésorière" in page
    assert fresh(app, Contact, mine.contact_id).role == "Trésorière"


def test_remove_contact(app, client, mine):
    page = client.get(CONTACTS).get_data(as_text=True)
    fields = read_form(page, f"/contacts/{mine.contact_id}/supprimer")
    response = post_form(client, f"/espace-partenaire/contacts/{mine.contact_id}/supprimer", fields)
    assert response.status_code == 302
    assert fresh(app, Contact, mine.contact_id) is None
    with database(app) as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DELETE)).one()
        assert (
            event.entity_type == "Contact"
            and event.personal
            and event.changes["full_name"] == ["Camille Fivoise", None]
        )


def test_remove_a_contact_changed_since_the_list_was_shown_is_refused(app, client, mine):
    fields = read_form(client.get(CONTACTS).get_data(as_text=True), f"/contacts/{mine.contact_id}/supprimer")
    with database(app) as session:
        session.get(Contact, mine.contact_id).phone = "03 20 00 00 00"
    response = post_form(
        client, f"/espace-partenaire/contacts/{mine.contact_id}/supprimer", fields, follow_redirects=True
    )
    assert "n'a pas été supprimé" in response.get_data(as_text=True).replace("&#39;", "'")
    assert fresh(app, Contact, mine.contact_id) is not None


def test_forged_actor_id_on_a_new_contact_is_ignored_and_logged(app, client, orgs, mine, caplog):
    fields = changed(read_form(client.get(NEW).get_data(as_text=True)), full_name="Alix", actor_id=orgs[1].actor_id)
    with caplog.at_level(logging.WARNING, logger="registry.partner"):
        assert post_form(client, NEW, fields).status_code == 302
    with database(app) as session:
        contact = session.scalar(sa.select(Contact).where(Contact.full_name == "Alix"))
        assert contact.actor_id == mine.actor_id
    assert any("actor_id" in r.getMessage() for r in caplog.records)


def test_contact_markup_is_escaped(app, client, mine):
    attack = "<script>alert(1)</script>"
    fields = changed(read_form(client.get(NEW).get_data(as_text=True)), full_name=attack, public="y")
    post_form(client, NEW, fields)
    for page in (client.get(CONTACTS).get_data(as_text=True),
                 app.test_client().get(f"/acteurs/{mine.slug}").get_data(as_text=True)):  # fmt: skip
        assert attack not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
