"""The one audited, version-checked write: check the state the writer opened → apply its input → clean (the record's
``clean_*`` and its inline children's, every message at once) → flush → audit events (the record's, and each
child's as its own record). All of it inside a SAVEPOINT: when it raises, nothing of it is left in the session."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.orm.exc import StaleDataError

from registry.models import AuditAction, AuditEvent
from registry.services.history.audit import actor_id_of, diff, record_event
from registry.services.records.editing.conflicts import Conflict, describe_conflict
from registry.services.records.editing.state import (
    UNSEALED,
    Opened,
    check,
    child_states,
    parent_key,
    resolve,
    state_of,
)
from registry.services.records.errors import ChildErrors, ValidationErrors

#: ``clean_*(session, record)``: raises ValidationErrors (French messages per field).
Cleaner = Callable[[so.Session, object], None]
#: Actions that are an event by themselves, written even when no field changed.
ALWAYS_AUDITED = {AuditAction.CREATE, AuditAction.DELETE, AuditAction.REVERT}
CHILD_ERRORS = "une ligne comporte des erreurs (voir plus bas)."


@dataclass
class Changes:
    """What one write did: the record's fields {field: [before, after]} and every audit event it wrote (the
    record's first). False when nothing changed."""

    fields: dict = field(default_factory=dict)
    events: list[AuditEvent] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.events)

    @property
    def event(self) -> AuditEvent | None:
        """The record's own audit event (None when it did not change)."""
        return self.events[0] if self.events else None


def _clean(session, obj, apply, cleaner, children: Mapping[str, Cleaner]) -> None:
    """Apply the input and run every cleaner; raise one ValidationErrors with all their messages."""
    errors: dict[str, str] = {}
    if apply is not None:
        try:
            apply(obj)
        except ValidationErrors as exc:
            errors.update(exc.errors)
    if cleaner is not None:
        try:
            cleaner(session, obj)
        except ValidationErrors as exc:
            errors = {**exc.errors, **errors}  # what the input could not even be read as comes first
    wrong = []
    for rel, clean_child in children.items():
        added = -1
        for child in getattr(obj, rel):
            if child.id is None:
                added += 1
            if child in session.deleted:
                continue
            try:
                clean_child(session, child)
            except ValidationErrors as exc:
                new = child.id is None
                wrong.append(ChildErrors(rel, child.id, added if new else None, exc.errors))
                errors.setdefault(rel, CHILD_ERRORS)
    if errors:
        raise ValidationErrors(errors, wrong)


def _child_events(session, obj, before: dict, after: dict, *, user, source) -> list[AuditEvent]:
    """The audit of inline children: created, changed, removed, each as its own record."""
    events = []
    for rel, now in after.items():
        old = before.get(rel, {})
        child_type = getattr(type(obj), rel).property.mapper.class_.__name__
        for child in getattr(obj, rel):
            if child.id not in now:
                continue
            if child.id not in old:
                changes, action = diff({}, now[child.id][1]), AuditAction.CREATE
            else:
                ignored = parent_key(obj, rel)
                before_state = {k: v for k, v in old[child.id][1].items() if k != ignored}
                after_state = {k: v for k, v in now[child.id][1].items() if k != ignored}
                changes, action = diff(before_state, after_state), AuditAction.UPDATE
            if changes:
                events.append(
                    record_event(session, action=action, source=source, user=user, obj=child, changes=changes)
                )
        for ident in set(old) - set(now):
            events.append(_removed(session, obj, child_type, ident, old[ident][1], user=user, source=source))
    return events


def _removed(session, parent, child_type: str, ident: int, state: dict, *, user, source) -> AuditEvent:
    """The removal of a child, which no longer exists to take its fields from."""
    return record_event(
        session,
        action=AuditAction.DELETE,
        source=source,
        user=user,
        entity_type=child_type,
        entity_id=ident,
        entity_label=str(state.get("full_name") or state.get("name") or f"n° {ident}"),
        actor_id=actor_id_of(parent),
        changes=diff(state, {}),
    )


def _write(session, obj, apply, cleaner, children, expected, trouble, audit: dict) -> Changes:
    """Apply, clean, flush and audit inside a savepoint; ``trouble`` (from ``check``) makes it a Conflict."""
    user, source, action, label = audit["user"], audit["source"], audit["action"], audit["label"]
    relations = tuple(children)
    before = None if obj.id is None else state_of(obj, relations)
    savepoint = session.begin_nested()
    typed = None
    try:
        with session.no_autoflush:
            session.add(obj)
            try:
                _clean(session, obj, apply, cleaner, children)
            except ValidationErrors:
                if trouble is None:
                    raise  # a stale form is a conflict first, whatever its values
            finally:
                typed = _typed(obj, relations)
        if trouble is not None:
            raise _Refused
        if before is not None and action not in ALWAYS_AUDITED and _untouched(session):
            savepoint.rollback()  # nothing to write: no flush, no new version, no updated_at, no event
            return Changes()
        session.flush()  # StaleDataError: another writer committed between our read and our write
    except (_Refused, StaleDataError):
        savepoint.rollback()  # the record's attributes are expired: read again, they are the current ones
        current = state_of(obj, relations)
        opened = None if trouble == UNSEALED else expected
        raise Conflict(describe_conflict(session, obj, opened, current, typed)) from None
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    after = state_of(obj, relations)
    changes = diff(before.state if before else {}, after.state)
    events = []
    if changes or action in ALWAYS_AUDITED:
        events.append(
            record_event(session, action=action, source=source, user=user, obj=obj, changes=changes, entity_label=label)
        )
    events += _child_events(session, obj, before.children if before else {}, after.children, user=user, source=source)
    return Changes(changes, events)


def _untouched(session) -> bool:
    """Whether the input left every record of the session as the database holds it (the same values set again,
    the same links in another order: no net change)."""
    if session.new or session.deleted:
        return False
    return not any(session.is_modified(record) for record in session.dirty)


def _reattaching(obj, apply):
    """Detach a new record from the parents it names, to attach it again inside the savepoint: otherwise the flush
    that opens the savepoint would meet it in its parent's collection, half filled in."""
    links = []
    for rel in sa.inspect(type(obj)).relationships:
        parent = obj.__dict__.get(rel.key)
        if rel.direction is so.interfaces.MANYTOONE and rel.back_populates and parent is not None:
            links.append((rel.key, parent))
            setattr(obj, rel.key, None)

    def attach_and_apply(record) -> None:
        for key, parent in links:
            setattr(record, key, parent)
        if apply is not None:
            apply(record)

    return attach_and_apply


def _typed(obj, relations) -> Opened:
    """The record as the writer's input made it (children being added included), to show what was typed."""
    return Opened(type(obj).__name__, obj.id, None, state_of(obj).state, child_states(obj, relations, new=True))


class _Refused(Exception):
    """Internal: the state check failed; the input was applied only to show what was typed."""


def save(
    session: so.Session,
    obj,
    *,
    apply: Callable[[object], None] | None,
    opened,
    user,
    source: str,
    cleaner: Cleaner | None = None,
    children: Mapping[str, Cleaner] | None = None,
    action: AuditAction = AuditAction.UPDATE,
    label: str | None = None,
) -> Changes:
    """Change an existing record: ``opened`` (the form's sealed token, an ``Opened``, or AS_IS) must still describe
    it, else Conflict; ``apply(obj)`` copies the input onto it (it may raise ValidationErrors); ``cleaner`` and the
    ``children`` cleaners check it (all messages in one ValidationErrors); flushed; audited with ``action`` (and
    ``label`` as the event's label), each inline child as its own record. The caller commits."""
    children = dict(children or {})
    expected = resolve(obj, opened, children)
    trouble = check(obj, expected, children)
    audit = {"user": user, "source": source, "action": action, "label": label}
    return _write(session, obj, apply, cleaner, children, expected, trouble, audit)


def create(
    session: so.Session,
    obj,
    *,
    apply: Callable[[object], None] | None = None,
    user,
    source: str,
    cleaner: Cleaner | None = None,
    children: Mapping[str, Cleaner] | None = None,
    action: AuditAction = AuditAction.CREATE,
    label: str | None = None,
) -> Changes:
    """Add a new record (and its inline children): applied, cleaned, flushed and audited like ``save``. ``obj``
    may already name its parent (``Contact(actor=actor)``)."""
    audit = {"user": user, "source": source, "action": action, "label": label}
    return _write(session, obj, _reattaching(obj, apply), cleaner, dict(children or {}), None, None, audit)


def delete(
    session: so.Session,
    obj,
    *,
    opened,
    user,
    source: str,
    children: Mapping[str, Cleaner] | Iterable[str] = (),
    action: AuditAction = AuditAction.DELETE,
    label: str | None = None,
) -> Changes:
    """Remove a record that is still as ``opened`` says (else Conflict); the audit keeps what it held, and each of
    its inline ``children`` gets its own removal event. The caller commits."""
    relations = tuple(children)
    expected = resolve(obj, opened, relations)
    trouble = check(obj, expected, relations)
    if trouble is not None:
        current = state_of(obj, relations)
        raise Conflict(describe_conflict(session, obj, None if trouble == UNSEALED else expected, current, None))
    before = state_of(obj, relations)
    savepoint = session.begin_nested()
    try:
        events = [
            record_event(
                session,
                action=action,
                source=source,
                user=user,
                obj=obj,
                changes=diff(before.state, {}),
                entity_label=label,
            )
        ]
        for rel, kids in before.children.items():
            child_type = getattr(type(obj), rel).property.mapper.class_.__name__
            for ident, (_version, state) in kids.items():
                events.append(_removed(session, obj, child_type, ident, state, user=user, source=source))
        session.delete(obj)
        session.flush()
    except StaleDataError:
        savepoint.rollback()
        current = state_of(obj, relations)
        raise Conflict(describe_conflict(session, obj, expected, current, None)) from None
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return Changes(diff(before.state, {}), events)
