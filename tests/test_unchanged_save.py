"""Issue 13 item 1: a save changes only what was changed. For every back-office view that edits records and every
demo record, the edit form submitted unchanged leaves the database row byte-identical and writes no audit event;
the same for the partner profile form."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import Actor, AuditEvent, LoanProgramme
from tests.admin_support import database, post_form, read_form
from tests.conftest import AuthActions
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.workbook_helpers import load_demo


@pytest.fixture
def demo(app):
    """The demo registry, one actor's presentation on several lines (a browser sends its line breaks as CRLF)."""
    with database(app) as session:
        load_demo(session)
        first = session.scalar(sa.select(Actor).order_by(Actor.id))
        first.description = "Première ligne de la présentation.\n\nDeuxième paragraphe, assez long pour compter."
        programme = session.scalar(sa.select(LoanProgramme).order_by(LoanProgramme.id))
        programme.eligibility = "Habiter Lille.\nÊtre demandeur d'emploi."


def editing_views(app):
    """Every model view of the back office whose records can be edited in a form."""
    admin = app.extensions["registry_admin"]
    return [view for view in admin._views if getattr(view, "allow_edit", False) and hasattr(view, "model")]


def row_of(app, model, ident) -> tuple | None:
    """The record's row as the database holds it, every column read raw."""
    table = model.__table__
    with app.app_context(), db.engine.connect() as conn:
        row = conn.execute(sa.select(*table.columns).where(table.c.id == ident)).one_or_none()
    return None if row is None else tuple(row)


def links_of(app, model, ident) -> dict:
    """The many-to-many rows naming the record (axes, sectors…), read raw."""
    found = {}
    with app.app_context(), db.engine.connect() as conn:
        for rel in sa.inspect(model).relationships:
            if rel.secondary is not None:
                column = next(c for c in rel.secondary.columns if c.references(model.__table__.c.id))
                rows = conn.execute(sa.select(rel.secondary).where(column == ident))
                found[rel.key] = sorted(tuple(r) for r in rows)
    return found


def moved(model, before: tuple, after: tuple) -> list[tuple]:
    """(column, before, after) of the columns whose value differs."""
    return [(c.name, b, a) for c, b, a in zip(model.__table__.columns, before, after, strict=True) if a != b]


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


def test_every_edit_form_submitted_unchanged_changes_nothing(app, demo):
    client = app.test_client()
    AuthActions(client, app).as_role("admin")
    checked, differences = 0, []
    for view in editing_views(app):
        with app.app_context():
            ids = list(db.session.scalars(sa.select(view.model.id).order_by(view.model.id)))
        for ident in ids:
            url = f"{view.url}/edit/?id={ident}"
            page = client.get(url)
            assert page.status_code == 200, url
            before, links, events = row_of(app, view.model, ident), links_of(app, view.model, ident), audit_count(app)
            response = post_form(client, url, read_form(page.get_data(as_text=True)))
            assert response.status_code == 302, (url, response.get_data(as_text=True)[:3000])
            after = row_of(app, view.model, ident)
            if after != before or links_of(app, view.model, ident) != links or audit_count(app) != events:
                changes = moved(view.model, before, after)
                differences.append((url, changes, audit_count(app) - events))
            checked += 1
    assert differences == [], "\n".join(map(str, differences))
    assert checked > 100


def test_partner_profile_submitted_unchanged_changes_nothing(app, demo):
    with database(app) as session:
        actor_ids = list(session.scalars(sa.select(Actor.id).order_by(Actor.id)))
        partners = [make_user(session, role="partner", actor=session.get(Actor, ident)).email for ident in actor_ids]
    differences = []
    for ident, email in zip(actor_ids, partners, strict=True):
        client = app.test_client()
        AuthActions(client, app).login(email, DEFAULT_PASSWORD)
        page = client.get("/espace-partenaire/profil")
        assert page.status_code == 200
        before, links, events = row_of(app, Actor, ident), links_of(app, Actor, ident), audit_count(app)
        response = post_form(client, "/espace-partenaire/profil", read_form(page.get_data(as_text=True), "profil"))
        assert response.status_code in (200, 302), response.get_data(as_text=True)[:2000]
        after = row_of(app, Actor, ident)
        if after != before or links_of(app, Actor, ident) != links or audit_count(app) != events:
            changes = moved(Actor, before, after)
            differences.append((ident, changes, audit_count(app) - events))
    assert differences == []
