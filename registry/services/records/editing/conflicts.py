"""What a writer is told when the record moved since its form was opened: nothing was saved, here is what changed
(field, value then, value now), who changed it last and when, and what the writer had typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from registry.models import AuditEvent
from registry.services.history.display import display_value, model_class
from registry.services.records.editing.state import Opened, parent_key
from registry.services.reference.labels import ENTITY_NAMES, field_label

STALE_MESSAGE = (
    "Cette fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte : rien n'a été enregistré. "
    "Le formulaire montre maintenant les valeurs actuelles."
)
UNSEALED_MESSAGE = (
    "Le formulaire ne portait pas, ou plus intact, l'état de la fiche à son ouverture : rien n'a été enregistré. "
    "Le formulaire montre maintenant les valeurs actuelles ; reportez-y vos saisies."
)
_EMPTY = ("", None, [])


@dataclass
class ConflictDescription:
    """What a conflict table shows."""

    #: (field, value when the form was opened, value now), in French.
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    #: (field, value typed) for what the writer changed and is not saved, in French.
    entered: list[tuple[str, str]] = field(default_factory=list)
    #: Who made the record's last audited change, and when.
    by: str | None = None
    at: datetime | None = None
    #: True when the form carried no valid state (missing, tampered with, of another record): nothing to compare.
    unsealed: bool = False

    @property
    def message(self) -> str:
        """The French sentence a screen flashes."""
        return UNSEALED_MESSAGE if self.unsealed else STALE_MESSAGE


class Conflict(Exception):
    """The record changed since its form was opened, or the form did not say how it was: nothing was saved."""

    def __init__(self, description: ConflictDescription):
        super().__init__(description.message)
        self.description = description


def _child_label(model_name: str, ident, state: dict) -> str:
    name = state.get("full_name") or state.get("name") or (ident if isinstance(ident, str) else f"n° {ident}")
    return f"{ENTITY_NAMES.get(model_name, model_name)} « {name} »"


def _pairs(model_name: str, before: dict, after: dict, keys, prefix: str = ""):
    model = model_class(model_name)
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old != new and not (old in _EMPTY and new in _EMPTY):
            label = field_label(model_name, key)
            yield (f"{prefix}{label}", display_value(model, key, old), display_value(model, key, new))


def _child_pairs(obj, rel: str, before: dict, after: dict):
    """(field, then, now) for each child of ``rel`` added, changed or removed between two child states."""
    model_name = getattr(type(obj), rel).property.mapper.class_.__name__
    ignored = parent_key(obj, rel)
    for ident in dict.fromkeys([*before, *after]):
        old, new = before.get(ident, (None, {}))[1], after.get(ident, (None, {}))[1]
        prefix = _child_label(model_name, ident, new or old) + " — "
        keys = [k for k in dict.fromkeys([*old, *new]) if k != ignored]
        yield from _pairs(model_name, old, new, keys, prefix)


def describe_conflict(
    session, obj, opened: Opened | None, current: Opened, typed: Opened | None
) -> ConflictDescription:
    """The conflict of ``obj``: ``opened`` is what the form said (None: nothing usable), ``current`` the record now,
    ``typed`` the record as the writer's input would have made it (None: unknown)."""
    model_name = type(obj).__name__
    conflict = ConflictDescription(unsealed=opened is None)
    if opened is not None:
        keys = opened.state if opened.version is None else dict.fromkeys([*opened.state, *current.state])
        conflict.changes = list(_pairs(model_name, opened.state, current.state, keys))
        for rel, kids in opened.children.items():
            conflict.changes += _child_pairs(obj, rel, kids, current.children.get(rel, {}))
    if typed is not None:
        reference = opened if opened is not None and opened.version is not None else current
        entered = _pairs(model_name, reference.state, typed.state, typed.state)
        conflict.entered = [(label, value) for label, _then, value in entered]
        for rel, kids in typed.children.items():
            seen = reference.children.get(rel, current.children.get(rel, {}))
            conflict.entered += [(label, value) for label, _then, value in _child_pairs(obj, rel, seen, kids)]
    who = [sa.and_(AuditEvent.entity_type == model_name, AuditEvent.entity_id == obj.id)]
    for rel, kids in current.children.items():
        ids = [i for i in {*kids, *(opened.children.get(rel, {}) if opened else {})} if isinstance(i, int)]
        if ids:
            child_type = getattr(type(obj), rel).property.mapper.class_.__name__
            who.append(sa.and_(AuditEvent.entity_type == child_type, AuditEvent.entity_id.in_(ids)))
    event = session.scalar(sa.select(AuditEvent).where(sa.or_(*who)).order_by(AuditEvent.id.desc()).limit(1))
    if event is not None:
        conflict.by, conflict.at = event.user_label or event.source, event.created_at
    return conflict
