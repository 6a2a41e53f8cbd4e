"""Undo one audited change ("Rétablir"): the before values of an event go back through the record's own
``clean_*`` service, provided the record still holds the event's after values; the undo is audited too.

Supported: changes to an actor's fields, the creation, change or removal of a contact person — what the
partner space writes, and the same changes made in the back office — and the merge of two actors (the duplicate
comes back with everything that followed the kept actor, while none of it changed since).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, AuditAction, AuditEvent, Contact
from registry.services.history.review import mark_reviewed
from registry.services.records import editing
from registry.services.records.actors import clean_actor, clean_contact
from registry.services.records.errors import ValidationError, ValidationErrors

CLEANERS = {"Actor": clean_actor, "Contact": clean_contact}
MODELS = {"Actor": Actor, "Contact": Contact}
#: Never restored from an event: identity, bookkeeping, and values the services derive.
NOT_RESTORED = {"id", "version", "created_at", "updated_at", "search_text", "sort_name", "slug", "consent_at", "actor"}
#: Marker left in audit values by the erasure of a person (registry.services.privacy.personal_data).
ERASED_MARK = "[effacé]"


def revertible(event: AuditEvent) -> bool:
    """Whether "Rétablir" applies to this event at all (the record may still refuse it)."""
    if event.action == AuditAction.MERGE:
        return event.entity_type == "Actor" and isinstance((event.changes or {}).get(editing.MERGE_KEY), dict)
    if event.entity_type == "Actor":
        return event.action == AuditAction.UPDATE and bool(_field_changes(event))
    if event.entity_type == "Contact":
        return event.action in (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE) and bool(event.changes)
    return False


def _field_changes(event: AuditEvent) -> dict:
    return {k: v for k, v in (event.changes or {}).items() if k not in NOT_RESTORED and isinstance(v, list)}


def _erased(event: AuditEvent) -> bool:
    return any(ERASED_MARK in str(pair) for pair in (event.changes or {}).values())


def restore_value(session: so.Session, obj, field: str, value) -> None:
    """Set ``obj.field`` from its audit form (labels for relations, ISO text for dates, codes for enums)."""
    mapper = sa.inspect(type(obj))
    if field in mapper.relationships:
        rel = mapper.relationships[field]
        target = rel.mapper.class_
        if rel.uselist:
            wanted = set(value or [])
            setattr(obj, field, [row for row in session.scalars(sa.select(target)) if str(row) in wanted])
        else:
            match = next((row for row in session.scalars(sa.select(target)) if str(row) == value), None)
            setattr(obj, field, match)
        return
    column = mapper.columns[field]
    setattr(obj, field, typed_value(column.type, value))


def typed_value(column_type, value):
    if value is None:
        return None
    enum_class = getattr(column_type, "enum_class", None)
    if isinstance(enum_class, type) and issubclass(enum_class, enum.Enum):
        return enum_class(value)
    python_type = column_type.python_type
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(str(value))
    if python_type in (int, float, bool):
        return python_type(value)
    return value


def _refuse(message: str):
    raise ValidationError(f"Rien n'a été rétabli : {message}")


def revert_event(session: so.Session, event: AuditEvent, *, user, source: str = "admin") -> AuditEvent:
    """Restore the before values of ``event``; raises ValidationError (French) when it cannot, changing nothing.
    Returns the REVERT audit event. A partner change that is undone counts as reviewed. The caller commits.

    The undo is the one write of ``registry.services.records.editing``: what the record must still hold is the
    event's after values (``expect``), and the write is audited as a REVERT."""

    if not revertible(event):
        _refuse("ce type de modification ne se rétablit pas.")
    if _erased(event):
        _refuse("cette modification concerne une personne dont les données ont été effacées.")
    model = MODELS[event.entity_type]
    pairs = _field_changes(event)
    obj = session.get(model, event.entity_id) if event.entity_id is not None else None

    def restore(record) -> None:
        for field, (before, _after) in pairs.items():
            restore_value(session, record, field, before)

    write = {"user": user, "source": source, "action": AuditAction.REVERT,
             "label": f"{event.entity_label} (rétabli : modification n° {event.id})"}  # fmt: skip
    after = {field: new for field, (_old, new) in pairs.items()}
    try:
        if event.action == AuditAction.MERGE:
            done = _unmerge(session, event, obj, restore, write)
        elif event.action == AuditAction.DELETE:
            if obj is not None:
                _refuse("la fiche existe toujours.")
            actor = session.get(Actor, event.actor_id) if event.actor_id else None
            if actor is None:
                _refuse("l'acteur de ce contact n'existe plus.")
            done = editing.create(session, Contact(actor=actor), apply=restore, cleaner=clean_contact, **write)
        elif obj is None:
            _refuse("la fiche n'existe plus.")
        elif event.action == AuditAction.CREATE:
            try:
                done = editing.delete(session, obj, opened=editing.expect(obj, after), **write)
            except editing.Conflict as exc:
                _refuse(f"le contact a été modifié depuis ({_moved(exc)}) ; modifiez-le directement.")
        else:
            try:
                done = editing.save(session, obj, apply=restore, opened=editing.expect(obj, after),
                                    cleaner=CLEANERS[event.entity_type], **write)  # fmt: skip
            except editing.Conflict as exc:
                _refuse(f"la fiche a été modifiée depuis cette modification ({_moved(exc)}) ; corrigez-la directement.")
    except ValidationErrors as exc:
        _refuse("les valeurs d'avant ne sont plus acceptées (" + " ; ".join(exc.errors.values()) + ").")
    mark_reviewed(session, [event], user)
    return done.event


def _unmerge(session: so.Session, event: AuditEvent, kept, restore, write: dict) -> editing.Changes:
    record = event.changes[editing.MERGE_KEY]
    if kept is None:
        _refuse("la fiche conservée par la fusion n'existe plus.")
    back = session.get(Actor, record["id"])
    if back is not None and back.slug == record["row"].get("slug"):
        _refuse(f"cette fusion a déjà été annulée : « {back} » existe de nouveau.")
    write = {"user": write["user"], "source": write["source"],
             "label": f"{kept} (rétabli : fusion n° {event.id}, « {record['label']} » revient)"}  # fmt: skip
    try:
        return editing.unmerge(session, kept, record, restore=restore, cleaner=clean_actor, **write)
    except editing.Conflict as exc:
        _refuse(f"la fusion ne peut plus être annulée car des fiches ont changé depuis ({_moved(exc)}) ; "
                "corrigez-les directement.")  # fmt: skip


def _moved(conflict: editing.Conflict) -> str:
    """The fields that moved since the undone change, in French."""
    return ", ".join(dict.fromkeys(label for label, _then, _now in conflict.description.changes))
