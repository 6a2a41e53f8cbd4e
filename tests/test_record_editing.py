"""The one audited, version-checked write (registry.services.records.editing), without HTTP: the version inside the
signed state, refused seals, the conflict's description, children audited as their own records, every validation
message at once, and SQLAlchemy's StaleDataError turned into the same conflict."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from registry.models import Actor, AuditAction, AuditEvent, Contact
from registry.services.records import editing
from registry.services.records.actors import clean_actor, clean_contact
from registry.services.records.editing.state import SALT
from registry.services.records.errors import ValidationErrors
from tests.admin_support import database, fresh
from tests.factories import make_actor, make_contact, make_user

CONTACTS = {"contacts": clean_contact}


@pytest.fixture
def actor_id(app):
    with database(app) as session:
        actor = make_actor(session, name="Recyclerie des Bois-Blancs", website="https://avant.example.org")
        make_contact(session, actor, full_name="Alix Première", role="Trésorière")
        make_contact(session, actor, full_name="Sam Second")
        return actor.id


def set_website(url):
    def apply(actor):
        actor.website = url

    return apply


def events(session, **where) -> list[AuditEvent]:
    statement = sa.select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return list(session.scalars(statement))


def someone_else_saves(app, actor_id, **values) -> str:
    """Another officer changes the actor (through the one write, AS_IS) and commits; returns their e-mail."""
    with database(app) as session:
        other = make_user(session, role="officer")

        def apply(actor):
            for name, value in values.items():
                setattr(actor, name, value)

        editing.save(session, session.get(Actor, actor_id), apply=apply, opened=editing.AS_IS, user=other,
                     source="admin", cleaner=clean_actor)  # fmt: skip
        return other.email


def test_the_version_that_counts_is_inside_the_signed_state(app, actor_id):
    with database(app) as session:
        token = editing.open_state(session.get(Actor, actor_id))
        opened = editing.unseal(token)
        assert (opened.entity, opened.id, opened.version) == ("Actor", actor_id, 1)
        assert opened.state["website"] == "https://avant.example.org"
    who = someone_else_saves(app, actor_id, website="https://autre.example.org")
    with database(app) as session:
        actor = session.get(Actor, actor_id)
        with pytest.raises(editing.Conflict) as refused:
            editing.save(session, actor, apply=set_website("https://moi.example.org"), opened=token, user=None,
                         source="admin", cleaner=clean_actor)  # fmt: skip
        conflict = refused.value.description
        assert not conflict.unsealed and conflict.by == who and conflict.at is not None
        assert ("Site web", "https://avant.example.org", "https://autre.example.org") in conflict.changes
        assert ("Site web", "https://moi.example.org") in conflict.entered
        assert actor.website == "https://autre.example.org"  # nothing of the refused write is left in the session
        assert not session.dirty and not session.new
    assert fresh(app, Actor, actor_id).version == 2


def forged_tokens(app, actor_id, other_id) -> dict:
    with app.app_context():
        from registry.extensions import db

        actor, other = db.session.get(Actor, actor_id), db.session.get(Actor, other_id)
        token = editing.open_state(actor)
        payload = {"t": "Actor", "id": actor_id, "v": 1, "s": {}, "c": {}}
        return {
            "missing": None,
            "empty": "",
            "garbage": "pas-un-jeton",
            "tampered": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
            "signed with another key": URLSafeSerializer("autre-cle", salt=SALT).dumps(payload),
            "of another record": editing.open_state(other),
            "of another kind of record": editing.seal(editing.Opened("Contact", actor_id, 1, {})),
        }


@pytest.mark.parametrize(
    "kind",
    ["missing", "empty", "garbage", "tampered", "signed with another key", "of another record",
     "of another kind of record"],
)  # fmt: skip
def test_a_missing_tampered_or_foreign_seal_is_refused(app, actor_id, kind):
    with database(app) as session:
        other_id = make_actor(session, name="Autre acteur").id
    token = forged_tokens(app, actor_id, other_id)[kind]
    with database(app) as session:
        actor = session.get(Actor, actor_id)
        with pytest.raises(editing.Conflict) as refused:
            editing.save(session, actor, apply=set_website("https://force.example.org"), opened=token, user=None,
                         source="partner", cleaner=clean_actor)  # fmt: skip
        conflict = refused.value.description
        assert conflict.unsealed and conflict.changes == [] and "rien n'a été enregistré" in conflict.message
        assert ("Site web", "https://force.example.org") in conflict.entered  # what was typed is not lost
    assert fresh(app, Actor, actor_id).website == "https://avant.example.org"
    with database(app) as session:
        assert events(session, entity_type="Actor", entity_id=actor_id) == []


def test_stale_data_error_at_the_flush_is_the_same_conflict(app, actor_id):
    """Another transaction commits between our read and our UPDATE: the version in the WHERE clause no longer
    matches, SQLAlchemy raises StaleDataError, and the writer gets the conflict with the current values."""
    with database(app) as session:
        actor = session.get(Actor, actor_id)
        token = editing.open_state(actor)
        session.connection().execute(  # behind the ORM's back: the identity map still holds version 1
            sa.text("UPDATE actors SET version = version + 1, website = 'https://entre-temps.example.org' "
                    "WHERE id = :id"), {"id": actor_id})  # fmt: skip
        with pytest.raises(editing.Conflict) as refused:
            editing.save(session, actor, apply=set_website("https://moi.example.org"), opened=token, user=None,
                         source="admin", cleaner=clean_actor)  # fmt: skip
        conflict = refused.value.description
        assert ("Site web", "https://avant.example.org", "https://entre-temps.example.org") in conflict.changes
        assert ("Site web", "https://moi.example.org") in conflict.entered
        assert actor.website == "https://entre-temps.example.org" and actor.version == 2
    assert fresh(app, Actor, actor_id).website == "https://entre-temps.example.org"


def test_inline_children_are_audited_as_their_own_records(app, actor_id):
    with database(app) as session:
        officer = make_user(session, role="officer")
        actor = session.get(Actor, actor_id)
        token = editing.open_state(actor, children=CONTACTS)
        first, second = sorted(actor.contacts, key=lambda c: c.full_name)

        def apply(record):
            record.name = "Recyclerie des Bois Blancs"
            first.role = "Présidente"
            session.delete(second)
            record.contacts.append(Contact(full_name="Lou Nouvelle", email="Lou@Example.org"))

        changes = editing.save(session, actor, apply=apply, opened=token, user=officer, source="admin",
                               cleaner=clean_actor, children=CONTACTS)  # fmt: skip
        session.flush()
        first_id, second_id = first.id, second.id
        actions = {(e.entity_type, e.action, e.entity_id): e for e in changes.events}
        actor_event = actions[("Actor", AuditAction.UPDATE, actor_id)]
        assert actor_event.changes == {"name": ["Recyclerie des Bois-Blancs", "Recyclerie des Bois Blancs"]}
        assert not actor_event.personal
        updated = actions[("Contact", AuditAction.UPDATE, first_id)]
        assert updated.changes == {"role": ["Trésorière", "Présidente"]}  # not the actor's new name
        removed = actions[("Contact", AuditAction.DELETE, second_id)]
        assert removed.changes["full_name"] == ["Sam Second", None] and removed.actor_id == actor_id
        (created,) = [e for e in changes.events if e.action == AuditAction.CREATE]
        assert created.changes["email"] == [None, "lou@example.org"]  # cleaned by clean_contact
        assert all(e.personal for e in changes.events if e.entity_type == "Contact")
        assert len(changes.events) == 4 and all(e.user_id == officer.id for e in changes.events)


def test_every_message_at_once_children_included_and_nothing_left_behind(app, actor_id):
    with database(app) as session:
        actor = session.get(Actor, actor_id)
        token = editing.open_state(actor, children=CONTACTS)

        def apply(record):
            record.siret = "12345678901234"
            record.contacts.append(Contact(full_name="Lou", email="pas-une-adresse"))

        with pytest.raises(ValidationErrors) as wrong:
            editing.save(session, actor, apply=apply, opened=token, user=None, source="admin", cleaner=clean_actor,
                         children=CONTACTS)  # fmt: skip
        assert "siret" in wrong.value.errors and "contacts" in wrong.value.errors
        (child,) = wrong.value.children
        assert (child.relation, child.id, child.position) == ("contacts", None, 0) and "email" in child.errors
        assert not session.new and actor.siret is None and len(actor.contacts) == 2


def test_a_child_changed_elsewhere_makes_the_parent_form_stale(app, actor_id):
    """The officer's actor form carries its contacts' versions: a partner changing one of them meanwhile is a
    conflict, not an overwrite of the partner's change by the form's old values."""
    with database(app) as session:
        actor = session.get(Actor, actor_id)
        token = editing.open_state(actor, children=CONTACTS)
        first = min(actor.contacts, key=lambda c: c.full_name)
        opened_contact = editing.open_state(first)
        first_id = first.id
    with database(app) as session:
        contact = session.get(Contact, first_id)
        partner = make_user(session, role="partner", actor=contact.actor)

        def set_role(record):
            record.role = "Coordinatrice"

        editing.save(session, contact, apply=set_role, opened=opened_contact, user=partner, source="partner",
                     cleaner=clean_contact)  # fmt: skip
        partner_email = partner.email
    with database(app) as session:
        actor = session.get(Actor, actor_id)
        with pytest.raises(editing.Conflict) as refused:
            editing.save(session, actor, apply=None, opened=token, user=None, source="admin", children=CONTACTS)
        changes = refused.value.description.changes
        assert ("Contact « Alix Première » — Fonction", "Trésorière", "Coordinatrice") in changes
        assert refused.value.description.by == partner_email


def test_a_revert_compares_the_values_it_expects_whatever_the_version(app, actor_id):
    someone_else_saves(app, actor_id, description="Autre chose")  # version 2, website untouched
    with database(app) as session:
        actor = session.get(Actor, actor_id)
        expected = editing.expect(actor, {"website": "https://avant.example.org"})
        changes = editing.save(session, actor, apply=set_website(None), opened=expected, user=None, source="admin",
                               action=AuditAction.REVERT, label="annulation")  # fmt: skip
        assert changes.event.action == AuditAction.REVERT and changes.event.entity_label == "annulation"
        with pytest.raises(editing.Conflict) as refused:
            editing.save(session, actor, apply=None, opened=expected, user=None, source="admin")
        assert refused.value.description.changes == [("Site web", "https://avant.example.org", "—")]


def test_delete_is_checked_and_audited_with_its_children(app, actor_id):
    with database(app) as session:
        token = editing.open_state(session.get(Actor, actor_id), children=CONTACTS)
    someone_else_saves(app, actor_id, phone="03 20 00 00 00")
    with database(app) as session:
        actor = session.get(Actor, actor_id)
        with pytest.raises(editing.Conflict):
            editing.delete(session, actor, opened=token, user=None, source="admin", children=CONTACTS)
        done = editing.delete(session, actor, opened=editing.AS_IS, user=None, source="admin", children=CONTACTS)
        assert [(e.entity_type, e.action) for e in done.events] == [("Actor", AuditAction.DELETE)] + [
            ("Contact", AuditAction.DELETE)
        ] * 2
    assert fresh(app, Actor, actor_id) is None


def test_saving_without_any_change_writes_no_event(app, actor_id):
    with database(app) as session:
        actor = session.get(Actor, actor_id)
        changes = editing.save(session, actor, apply=set_website(actor.website), opened=editing.open_state(actor),
                               user=None, source="partner", cleaner=clean_actor)  # fmt: skip
        assert not changes and changes.fields == {} and changes.event is None
    assert fresh(app, Actor, actor_id).version == 1
