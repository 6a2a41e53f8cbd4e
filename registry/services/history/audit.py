"""The audit trail: field-by-field snapshots of records and the events that record changes."""

from __future__ import annotations

import enum
import functools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import AuditAction, AuditEvent, Contact
from registry.models.base import attribute_value

#: Columns never copied into the audit (technical, derived or secret).
IGNORED_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "version",
    "search_text",
    "sort_name",
    "password_hash",
    "session_token",
}
#: Records whose before/after are contacts' personal data: shown to officers and admins only.
PERSONAL_TYPES = {"Contact", "User", "AccountRequest"}


def json_value(value: Any) -> Any:
    """A JSON-safe, stable form of a value for before/after."""
    if type(value) is str:  # the most frequent case, first
        return value
    if value is None or isinstance(value, bool | int | str):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(str(json_value(v)) for v in value)
    return str(value)


@functools.cache
def _snapshot_plan(cls: type) -> tuple[tuple[str, str, str], ...]:
    """What a snapshot of a mapped class reads, worked out once per class: (output key, attribute, kind)."""
    mapper = sa.inspect(cls)
    fk_to_relationship = {}
    for rel in mapper.relationships:
        if rel.direction is so.interfaces.MANYTOONE:
            for col in rel.local_columns:
                fk_to_relationship[col.key] = rel.key
    plan = []
    for attr in mapper.column_attrs:
        if attr.key in IGNORED_FIELDS:
            continue
        if attr.key in fk_to_relationship:
            name = fk_to_relationship[attr.key]
            plan.append((name, name, "label"))
        else:
            plan.append((attr.key, attr.key, "value"))
    for rel in mapper.relationships:
        if rel.secondary is not None or rel.key == "partners":
            plan.append((rel.key, rel.key, "labels"))
    return tuple(plan)


def snapshot(obj) -> dict[str, Any]:
    """The audited fields of a record: columns, many-to-one as labels, many-to-many as sorted labels."""
    values: dict[str, Any] = {}
    for key, attr, kind in _snapshot_plan(type(obj)):
        value = attribute_value(obj, attr)
        if kind == "value":
            values[key] = json_value(value)
        elif kind == "label":
            values[key] = str(value) if value is not None else None
        else:
            values[key] = json_value([str(item) for item in value])
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [before, after]} for every field whose value changed."""
    if not before:  # a new record: every field it has
        return {k: [None, v] for k, v in after.items() if v is not None}
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def actor_id_of(obj) -> int | None:
    """The actor a record belongs to, for partner review and scoping."""
    name = type(obj).__name__
    if name == "Actor":
        return obj.id
    if name == "Initiative":
        return obj.lead_actor_id
    if name == "LoanProgramme":
        return obj.lender_id
    return getattr(obj, "actor_id", None)


def event_values(
    *,
    action: AuditAction,
    source: str,
    user=None,
    obj=None,
    changes: dict | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    entity_label: str | None = None,
    actor_id: int | None = None,
    batch=None,
) -> dict[str, Any]:
    """The column values of one audit event (``obj`` must have its id). With ``obj`` the entity fields are
    taken from it."""
    if obj is not None:
        entity_type = entity_type or type(obj).__name__
        entity_id = entity_id if entity_id is not None else obj.id
        entity_label = entity_label or str(obj)
        actor_id = actor_id if actor_id is not None else actor_id_of(obj)
    return {
        "action": action,
        "source": source,
        "user_id": getattr(user, "id", None),
        "user_label": getattr(user, "email", None),
        "entity_type": entity_type or "",
        "entity_id": entity_id,
        "entity_label": (entity_label or "")[:300],
        "actor_id": actor_id,
        "changes": changes or {},
        "personal": (entity_type in PERSONAL_TYPES) or isinstance(obj, Contact),
        "batch_id": getattr(batch, "id", None),
    }


def record_event(session: so.Session, **fields) -> AuditEvent:
    """Add one audit event (the caller commits); takes the arguments of ``event_values``."""
    obj = fields.get("obj")
    if obj is not None and (sa.inspect(obj).transient or sa.inspect(obj).pending):
        session.flush()
    event = AuditEvent(**event_values(**fields))
    session.add(event)
    return event
