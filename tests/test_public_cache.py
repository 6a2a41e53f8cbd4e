"""Remembered counts follow every change of public data, deletions included (through the audit trail)."""

import re

import sqlalchemy as sa

from registry.models import Actor, AuditAction
from registry.services.history.audit import record_event
from tests.factories import make_actor


def shown_total(client, url="/acteurs/") -> int:
    html = client.get(url).get_data(as_text=True)
    return int(re.search(r"(\d+) acteurs?\.", html).group(1))


def test_counts_follow_creations_changes_and_deletions(client, session):
    first = make_actor(session, name="Premier")
    make_actor(session, name="Second")
    session.commit()
    assert shown_total(client) == 2
    assert shown_total(client) == 2  # remembered

    make_actor(session, name="Troisième")
    session.commit()
    assert shown_total(client) == 3

    first.published = False
    session.commit()
    assert shown_total(client) == 2

    # A deletion leaves no updated_at behind; the audit event every writer records does.
    second = session.scalar(sa.select(Actor).where(Actor.name == "Second"))
    record_event(session, action=AuditAction.DELETE, source="admin", obj=second)
    session.delete(second)
    session.commit()
    assert shown_total(client) == 1
