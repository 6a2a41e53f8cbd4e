"""A record's history from the audit trail, shown field by field in French."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_login import current_user

from registry.models import Actor, AuditEvent
from registry.services.accounts.abilities import READ_PERSONAL, has_ability
from registry.services.history.display import display_value, model_class
from registry.services.records.editing import MERGE_KEY
from registry.services.reference.labels import ENTITY_NAMES, SOURCES, field_label

#: A history page shows at most this many events (the audit list has them all, with filters).
HISTORY_LIMIT = 200


@dataclass
class Change:
    field: str
    before: str
    after: str


def event_changes(event: AuditEvent) -> list[Change]:
    """The before/after of one event, with French field names and values."""
    model = model_class(event.entity_type)
    rows = []
    for field, pair in (event.changes or {}).items():
        if field == MERGE_KEY and isinstance(pair, dict):
            rows.append(_merge_row(pair))
            continue
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append(
            Change(
                field_label(event.entity_type, field),
                display_value(model, field, before),
                display_value(model, field, after),
            )
        )
    return rows


def _merge_row(record: dict) -> Change:
    """The line of a merge (or of its undo) in a record's history."""
    if "restored" in record:
        return Change("Fiche rétablie", "—", f"« {record['label']} » (n° {record['restored']}), défusionnée")
    slug = (record.get("row") or {}).get("slug")
    return Change("Fiche fusionnée", f"« {record['label']} » (réf. {slug}, n° {record['id']})", "fusionnée ici")


def visible_events_clause():
    """Audit rows the signed-in user may read: events holding personal data only with READ_PERSONAL."""
    if has_ability(current_user, READ_PERSONAL):
        return sa.true()
    return AuditEvent.personal.is_(False)


def history_events(session, model) -> list[AuditEvent]:
    """The audit events of a record, newest first; for an actor, its contacts' events too (officers only)."""
    entity = type(model).__name__
    clause = sa.and_(AuditEvent.entity_type == entity, AuditEvent.entity_id == model.id)
    if isinstance(model, Actor):
        clause = sa.or_(clause, sa.and_(AuditEvent.entity_type == "Contact", AuditEvent.actor_id == model.id))
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(clause, visible_events_clause())
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )


def entity_name(entity_type: str) -> str:
    """French name of a record type."""
    return ENTITY_NAMES.get(entity_type, entity_type)


def source_name(source: str) -> str:
    """French name of where an event came from."""
    return SOURCES.get(source, source)
