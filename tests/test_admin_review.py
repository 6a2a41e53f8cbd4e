"""The review queue: partner changes (made here through the services, as the partner space will) are listed
for officers, marked reviewed, and flagged on the actor's list and form until then."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from registry.models import Actor, AuditAction, AuditEvent
from registry.services.history.audit import diff, record_event, snapshot
from registry.services.history.review import actors_with_pending_changes, count_pending, mark_reviewed
from registry.services.records.actors import clean_actor
from tests.admin_support import database
from tests.conftest import csrf_token_from
from tests.factories import make_actor, make_user


def partner_edits(session, actor: Actor, **values) -> AuditEvent:
    """What the partner space does: change the actor, check it with the shared service, audit the change."""
    partner = make_user(session, role="partner", actor=actor)
    before = snapshot(actor)
    for key, value in values.items():
        setattr(actor, key, value)
    clean_actor(session, actor)
    return record_event(
        session,
        action=AuditAction.UPDATE,
        source="partner",
        user=partner,
        obj=actor,
        changes=diff(before, snapshot(actor)),
    )


@pytest.fixture
def changed_actor(app):
    with database(app) as session:
        actor = make_actor(session, name="Épicerie Solidaire de Moulins")
        make_actor(session, name="Atelier Sans Changement")
        partner_edits(session, actor, description="Nouvelle description écrite par le partenaire", phone="0320495000")
        return actor.id


def test_service_lists_and_marks_partner_changes(app, changed_actor):
    with database(app) as session:
        assert count_pending(session) == 1
        assert actors_with_pending_changes(session, [changed_actor, changed_actor + 1]) == {changed_actor}
        officer = make_user(session, role="officer")
        event = session.query(AuditEvent).one()
        assert mark_reviewed(session, [event], officer) == 1
        assert event.reviewed_by_id == officer.id and count_pending(session) == 0
        assert mark_reviewed(session, [event], officer) == 0  # already reviewed


def test_officer_sees_the_queue_and_marks_changes_reviewed(app, client, auth, changed_actor):
    officer_id = auth.as_role("officer")
    page = client.get("/admin/a-relire/").get_data(as_text=True)
    assert "Épicerie Solidaire de Moulins" in page and "Nouvelle description écrite par le partenaire" in page
    assert "Liste (1)" in page
    with database(app) as session:
        event_id = session.scalar(sa.select(AuditEvent.id).where(AuditEvent.source == "partner"))
    token = csrf_token_from(page)
    response = client.post(
        "/admin/a-relire/action/", data={"action": "reviewed", "rowid": event_id, "csrf_token": token}
    )
    assert response.status_code == 302
    with database(app) as session:
        event = session.get(AuditEvent, event_id)
        assert event.reviewed_at is not None and event.reviewed_by_id == officer_id
    assert "Épicerie Solidaire" not in client.get("/admin/a-relire/").get_data(as_text=True)


def test_actor_list_and_form_flag_partner_changes_until_reviewed(app, client, auth, changed_actor):
    auth.as_role("officer")
    listing = client.get("/admin/actor/").get_data(as_text=True)
    row = listing.split("Épicerie Solidaire de Moulins", 1)[1].split("</tr>", 1)[0]
    assert "à relire" in row
    other = listing.split("Atelier Sans Changement", 1)[1].split("</tr>", 1)[0]
    assert "à relire" not in other
    form = client.get(f"/admin/actor/edit/?id={changed_actor}").get_data(as_text=True)
    assert "Modifié par le partenaire depuis la dernière relecture" in form
    assert "Description" in form.split("Modifié par le partenaire", 1)[1].split("</section>", 1)[0]
    with database(app) as session:
        mark_reviewed(session, session.scalars(sa.select(AuditEvent).where(AuditEvent.source == "partner")).all(), None)
    assert "badge-warning" not in client.get("/admin/actor/").get_data(as_text=True)
    assert "Modifié par le partenaire" not in client.get(f"/admin/actor/edit/?id={changed_actor}").get_data(
        as_text=True
    )


def test_filter_shows_only_actors_changed_by_their_partner(app, client, auth, changed_actor):
    auth.as_role("officer")
    admin = app.extensions["registry_admin"]
    view = next(v for v in admin._views if getattr(v, "endpoint", "") == "actor")
    with app.test_request_context():
        url = view.filtered_list_url("actor", "Modifié par le partenaire (à relire)", "1")
    page = client.get(url).get_data(as_text=True)
    assert "Épicerie Solidaire de Moulins" in page and "Atelier Sans Changement" not in page


def test_dashboard_announces_pending_changes_to_officers_only(app, client, auth, changed_actor):
    auth.as_role("officer")
    assert "1 modification faite par des partenaires" in client.get("/admin/").get_data(as_text=True)


def test_analysts_have_no_review_queue(app, client, auth, changed_actor):
    auth.as_role("analyst")
    assert client.get("/admin/a-relire/").status_code == 403
    assert "modification faite par des partenaires" not in client.get("/admin/").get_data(as_text=True)


def test_each_row_has_its_own_reviewed_button_named_like_its_column(app, client, auth, changed_actor):
    from tests.admin_support import post_form, read_form

    officer_id = auth.as_role("officer")
    page = client.get("/admin/a-relire/").get_data(as_text=True)
    headers = [" ".join(h.split()) for h in re.findall(r'<th class="column-header[^>]*>(.*?)</th>', page, re.S)]
    assert "Marquer comme relu" in headers and "Rétablir" in headers and "Annuler" not in headers
    assert page.count('btn-outline-primary">Marquer comme relu</button>') == 1  # one per row
    assert ">Rétablir</button>" in page
    assert 'data-confirm="Rétablir les valeurs' in page  # undoing asks first
    response = post_form(client, "/admin/a-relire/action/", read_form(page, "/admin/a-relire/action/"))
    assert response.status_code == 302
    with database(app) as session:
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.source == "partner"))
        assert event.reviewed_at is not None and event.reviewed_by_id == officer_id
