"""« Rétablir »: an officer undoes a partner change from its audit event in the back office; the before values
come back through the shared services, unless the record changed since; the undo is audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.models import Actor, AuditAction, AuditEvent, Axis, Contact, User
from registry.services.history.reverts import revert_event
from registry.services.records.editing import open_state
from registry.services.records.errors import ValidationError
from registry.services.records.partner_space import add_contact, remove_contact, update_contact, update_profile
from tests.admin_support import database, fresh
from tests.conftest import csrf_token_from
from tests.factories import make_actor, make_contact, make_user, ref

#: What the partner writes (a presentation of its own is 40 characters at least).
AFTER = "Après : la ressourcerie collecte, répare et revend les objets du quartier."


@pytest.fixture
def partner_change(app):
    """A partner changed its description, website and axes; returns (actor id, event id)."""
    with database(app) as session:
        actor = make_actor(session, name="Ressourcerie de Lomme", description="Avant", axes=["entreprendre"])
        partner = make_user(session, role="partner", actor=actor)
        values = {
            "description": AFTER,
            "website": "ressourcerie.fr",
            "axes": [str(ref(session, Axis, "consommer").id)],
        }
        update_profile(session, actor, values, user=partner, opened=open_state(actor))
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.source == "partner")).one()
        return actor.id, event.id


def last_event(session) -> AuditEvent:
    return session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()


def test_revert_restores_before_values_through_the_service(app, partner_change):
    actor_id, event_id = partner_change
    with database(app) as session:
        officer_id = make_user(session, role="officer").id
        revert_event(session, session.get(AuditEvent, event_id), user=session.get(User, officer_id))
    actor = fresh(app, Actor, actor_id)
    assert actor.description == "Avant" and actor.website is None
    with database(app) as session:
        assert [a.code for a in session.get(Actor, actor_id).axes] == ["entreprendre"]
        undo = last_event(session)
        assert undo.action == AuditAction.REVERT and undo.source == "admin" and undo.user_id == officer_id
        assert undo.changes["description"] == [AFTER, "Avant"] and f"n° {event_id}" in undo.entity_label
        assert session.get(AuditEvent, event_id).reviewed_at is not None  # undone: reviewed


def test_revert_refuses_when_the_record_changed_since(app, partner_change):
    actor_id, event_id = partner_change
    with database(app) as session:
        session.get(Actor, actor_id).website = "https://autre.example.org"
    with database(app) as session:
        with pytest.raises(ValidationError, match="Site web"):
            revert_event(session, session.get(AuditEvent, event_id), user=None)
        session.rollback()
    actor = fresh(app, Actor, actor_id)
    assert actor.description == AFTER and actor.website == "https://autre.example.org"


def test_contact_create_update_delete_are_revertible(app):
    with database(app) as session:
        actor = make_actor(session)
        partner = make_user(session, role="partner", actor=actor)
        added = add_contact(session, actor, {"full_name": "Alix Ajoutée"}, user=partner)
        kept = make_contact(session, actor, full_name="Sam Gardé", role="Trésorier")
        update_contact(
            session, kept, {"full_name": "Sam Gardé", "role": "Président"}, user=partner, opened=open_state(kept)
        )
        gone = make_contact(session, actor, full_name="Lou Partie", email="lou@example.org", public=True)
        remove_contact(session, gone, user=partner, opened=open_state(gone))
        events = {e.action: e.id for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.source == "partner"))}
        added_id, kept_id = added.id, kept.id
    with database(app) as session:
        for action in (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE):
            revert_event(session, session.get(AuditEvent, events[action]), user=None)
    with database(app) as session:
        assert session.get(Contact, added_id) is None
        assert session.get(Contact, kept_id).role == "Trésorier"
        back = session.scalar(sa.select(Contact).where(Contact.full_name == "Lou Partie"))
        assert back.email == "lou@example.org" and back.public and back.consent_at is not None
        reverts = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.REVERT)).all()
        assert len(reverts) == 3 and all(e.personal for e in reverts)


def test_officer_reverts_from_the_review_queue_and_the_event_page(app, client, auth, partner_change):
    actor_id, event_id = partner_change
    auth.as_role("officer")
    queue = client.get("/admin/a-relire/").get_data(as_text=True)
    assert "Rétablir" in queue
    details = client.get(f"/admin/auditevent/details/?id={event_id}").get_data(as_text=True)
    assert "Rétablir les valeurs d&#39;avant" in details or "Rétablir les valeurs d'avant" in details
    response = client.post(
        "/admin/auditevent/revert/",
        data={"id": event_id, "csrf_token": csrf_token_from(details), "url": "/admin/a-relire/"},
        follow_redirects=True,
    )
    assert "Modification rétablie" in response.get_data(as_text=True)
    assert "champ(s)" not in response.get_data(as_text=True)
    assert fresh(app, Actor, actor_id).description == "Avant"
    # Once undone, the record no longer holds the event's values: a second undo is refused with a reason.
    response = client.post(
        "/admin/auditevent/revert/",
        data={"id": event_id, "csrf_token": csrf_token_from(details)},
        follow_redirects=True,
    )
    assert "Rien n&#39;a été rétabli" in response.get_data(as_text=True)


def test_analysts_cannot_revert(app, client, auth, partner_change):
    actor_id, event_id = partner_change
    auth.as_role("analyst")
    page = client.get(f"/admin/auditevent/details/?id={event_id}").get_data(as_text=True)
    assert "Rétablir" not in page
    response = client.post("/admin/auditevent/revert/", data={"id": event_id, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 403
    assert fresh(app, Actor, actor_id).description == AFTER


def test_revert_without_csrf_token_changes_nothing(app, client, auth, partner_change):
    actor_id, event_id = partner_change
    auth.as_role("officer")
    assert client.post("/admin/auditevent/revert/", data={"id": event_id}).status_code == 400
    assert fresh(app, Actor, actor_id).description == AFTER
