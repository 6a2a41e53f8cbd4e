"""The registry as it stood at the end of a day, rebuilt from the audit trail.

Every write of an actor, initiative, partner of an initiative or partnership is an audit event holding the
before/after values of each field that changed (``history.audit``). The past is rebuilt *backwards*: start from
the rows as they are now and undo, newest first, every event after the end of the day — a creation removes the
row, a change (update, archive, revert, import) puts the before values back, a removal brings the row back from
the values its event kept, a merge brings the duplicate back (and its undo removes it again). Going backwards
means records older than the audit trail (rows loaded before it existed) are there as they are: the trail, not
``created_at``, says what happened after the day.

The result goes into a throwaway in-memory SQLite database with the application's own schema (``Snapshot``):
the dashboard figures and the workbook exporter are aggregate SQL and ORM queries, and run on its session
unchanged. Reference data, loan programmes and their reports are copied as they are now (they are not part of
the dated lists). Contacts are never copied: the past shows no personal data, so a person erased since stays
erased (and the audit values of an erased person are scrubbed anyway).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.extensions import db
from registry.models import Actor, AuditAction, AuditEvent, Initiative, InitiativePartner, Partnership
from registry.services.history.display import PARIS
from registry.services.history.reverts import typed_value
from registry.services.records.editing import MERGE_KEY, decode_row

#: The dated records, in the order their rows are rebuilt and written (parents first).
DATED = (Actor, Initiative, InitiativePartner, Partnership)
#: Tables copied as they are now, in foreign-key order.
COPIED = ("axes", "quartiers", "sectors", "legal_forms", "loan_programmes", "loan_programme_axes", "loan_reports")
#: Events that create a record, or remove it; every other action with changes is undone field by field.
CREATING = {AuditAction.CREATE}
REMOVING = {AuditAction.DELETE}


_schema_lock = threading.Lock()
_schema: list[sqlite3.Connection] = []


def _empty_database() -> sa.Engine:
    """A new in-memory SQLite database with the application's tables. The schema is created once per process
    (``create_all`` costs about 150 ms) and copied with SQLite's backup API (under a millisecond)."""
    with _schema_lock:
        if not _schema:
            template = sqlite3.connect(":memory:", check_same_thread=False)
            db.metadata.create_all(
                sa.create_engine("sqlite://", creator=lambda: template, poolclass=sa.pool.StaticPool)
            )
            _schema.append(template)
        connection = sqlite3.connect(":memory:", check_same_thread=False)
        _schema[0].backup(connection)
    return sa.create_engine("sqlite://", creator=lambda: connection, poolclass=sa.pool.StaticPool)


def parse_day(text: str | None, today: date | None = None) -> tuple[date | None, str | None]:
    """The day of « À la date du JJ/MM/AAAA » (also AAAA-MM-JJ), or None; with a French message when the text
    is not a past or present day."""
    text = (text or "").strip()[:20]
    if not text:
        return None, None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if day > (today or date.today()):
            return None, f"« {text} » est dans le futur : le registre à une date montre le passé (ou aujourd'hui)."
        if day.year < 1990:
            return None, f"« {text} » est antérieur au registre : choisissez une date depuis 1990."
        return day, None
    return None, f"« {text} » n'est pas une date : écrivez-la JJ/MM/AAAA, par exemple 31/12/2025."


def end_of_day(day: date) -> datetime:
    """The end of ``day`` in Lille, as the naive UTC timestamps of the audit trail."""
    local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS)
    return local.astimezone(UTC).replace(tzinfo=None)


@dataclass
class Snapshot:
    """The registry at the end of ``day``, in its own database; ``session`` reads it like the real one."""

    day: date
    engine: sa.Engine
    session: so.Session
    events_undone: int

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Rows:
    """The rows of one dated class being rebuilt: columns by id, and many-to-many links by relationship."""

    def __init__(self, session: so.Session, cls: type) -> None:
        self.cls = cls
        self.mapper = sa.inspect(cls)
        table = cls.__table__
        self.rows: dict[int, dict] = {row["id"]: dict(row) for row in session.execute(sa.select(table)).mappings()}
        #: relationship key → (secondary table, own column, target column, target class)
        self.links: dict[str, tuple] = {}
        self.linked: dict[str, dict[int, set[int]]] = {}
        #: many-to-one relationship key → foreign-key column key
        self.foreign: dict[str, str] = {}
        for rel in self.mapper.relationships:
            if rel.secondary is not None:
                own = next(c for c in rel.secondary.c if c.references(table.c.id))
                other = next(c for c in rel.secondary.c if c is not own)
                self.links[rel.key] = (rel.secondary, own.key, other.key, rel.mapper.class_)
                sets: dict[int, set[int]] = defaultdict(set)
                for a, b in session.execute(sa.select(own, other)):
                    sets[a].add(b)
                self.linked[rel.key] = sets
            elif rel.direction is so.interfaces.MANYTOONE:
                self.foreign[rel.key] = next(iter(rel.local_columns)).key

    def apply(self, event, resolve) -> None:
        """Undo one event (its entity_id, action and changes) on these rows."""
        ident = event.entity_id
        if event.action in CREATING:
            self.rows.pop(ident, None)
            for sets in self.linked.values():
                sets.pop(ident, None)
            return
        row = self.rows.get(ident)
        if row is None:
            if event.action not in REMOVING:
                return  # a change to a record the rebuild does not hold (a later creation without its event)
            row = self.rows[ident] = {c.key: None for c in self.cls.__table__.c} | {"id": ident}
        for field, pair in (event.changes or {}).items():
            if isinstance(pair, list) and len(pair) == 2:
                self._set(row, ident, field, pair[0], resolve)

    def _set(self, row: dict, ident: int, field: str, value, resolve) -> None:
        if field in self.links:
            _table, _own, _other, target = self.links[field]
            ids = {resolve(target, label) for label in value or []}
            self.linked[field][ident] = {i for i in ids if i is not None}
        elif field in self.foreign:
            target = self.mapper.relationships[field].mapper.class_
            row[self.foreign[field]] = None if value is None else resolve(target, value)
        elif field in self.mapper.columns:
            row[field] = typed_value(self.mapper.columns[field].type, value)


class _Labels:
    """label → id of the records a many-to-one or many-to-many value names (as ``str(record)``)."""

    def __init__(self, session: so.Session) -> None:
        self.session = session
        self.cache: dict[type, dict[str, int]] = {}

    def __call__(self, target: type, label: str) -> int | None:
        if target not in self.cache:
            self.cache[target] = {str(obj): obj.id for obj in self.session.scalars(sa.select(target))}
        return self.cache[target].get(label)


def _fill(rows: _Rows, cutoff: datetime) -> list[dict]:
    """The rows to write, with defaults for what a row brought back from its removal lacks."""
    out = []
    for row in rows.rows.values():
        for column in rows.cls.__table__.c:
            if row.get(column.key) is None and not column.nullable:
                row[column.key] = _default(column, cutoff)
        out.append(row)
    return out


def _default(column: sa.Column, cutoff: datetime):
    if column.key in ("created_at", "updated_at"):
        return cutoff
    if column.key == "version":
        return 1
    if column.key == "search_text":
        return ""
    default = column.default
    if default is not None and default.is_scalar:
        return default.arg
    return None


def _undo_merge(by_table: dict[str, _Rows], kept_id: int, merge: dict) -> None:
    """Going back past a merge brings the duplicate back, with its links, and points the rows that followed the
    kept actor at it again (the rows a collision dropped return); past the undo of a merge, the other way round."""
    actors = by_table["actors"]
    undone = "restored" in merge  # the event is the undo: before it, the merge stood
    merged_id = merge["restored"] if undone else merge["id"]
    if undone:
        actors.rows.pop(merged_id, None)
        for sets in actors.linked.values():
            sets.pop(merged_id, None)
    else:
        actors.rows[merged_id] = decode_row(actors.cls.__table__, merge["row"])
        for key, (table, own, other, _target) in actors.links.items():
            rows = merge["links"].get(table.name, [])
            actors.linked[key][merged_id] = {r[other] for r in rows if r[own] == merged_id}
    for group in merge.get("moved", []):
        rows = by_table.get(group["table"])
        for *pk, _version in group["rows"] if rows is not None else ():
            if pk[0] in rows.rows:
                rows.rows[pk[0]][group["column"]] = kept_id if undone else merged_id
    for dropped in merge.get("dropped", []):
        rows = by_table.get(dropped["table"])
        if rows is not None and undone:
            rows.rows.pop(dropped["row"]["id"], None)
        elif rows is not None:
            rows.rows[dropped["row"]["id"]] = decode_row(rows.cls.__table__, dropped["row"])


def registry_as_of(session: so.Session, day: date) -> Snapshot:
    """The registry at the end of ``day`` (Lille time), rebuilt from the audit trail into an in-memory
    database. Close it when done (``with registry_as_of(...) as snap:``)."""
    cutoff = end_of_day(day)
    rebuilt = {cls: _Rows(session, cls) for cls in DATED}
    by_name = {cls.__name__: rows for cls, rows in rebuilt.items()}
    resolve = _Labels(session)
    # Plain rows, not ORM objects: a year of history is tens of thousands of events.
    events = session.execute(
        sa.select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.action, AuditEvent.changes)
        .where(AuditEvent.created_at > cutoff, AuditEvent.entity_type.in_(list(by_name)))
        .order_by(AuditEvent.id.desc())
    ).all()
    by_table = {cls.__table__.name: rows for cls, rows in rebuilt.items()}
    for event in events:
        rows = by_name[event.entity_type]
        rows.apply(event, resolve)
        merge = (event.changes or {}).get(MERGE_KEY)
        if isinstance(merge, dict):
            _undo_merge(by_table, event.entity_id, merge)
    engine = _empty_database()
    with engine.begin() as target:
        for name in COPIED:
            table = db.metadata.tables[name]
            data = [dict(r) for r in session.execute(sa.select(table)).mappings()]
            if data:
                target.execute(table.insert(), data)
        for rows in rebuilt.values():
            data = _fill(rows, cutoff)
            if data:
                target.execute(rows.cls.__table__.insert(), data)
            kept = {row["id"] for row in data}
            for key, (table, own, other, _target) in rows.links.items():
                pairs = [{own: a, other: b} for a, bs in rows.linked[key].items() if a in kept for b in bs]
                if pairs:
                    target.execute(table.insert(), pairs)
    return Snapshot(day, engine, so.Session(bind=engine), len(events))
