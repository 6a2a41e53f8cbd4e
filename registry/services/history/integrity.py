"""Integrity checks, run after a fault, a restore or a load test (``flask registry verifier-integrite``).

Three families, each problem said in French:

- **the engine's own checks**: SQLite's ``integrity_check`` and ``foreign_key_check``; on PostgreSQL the B-tree
  indexes are checked with the ``amcheck`` extension when it is installed (``CREATE EXTENSION amcheck``, a
  superuser's step; without it the check says so and goes on);
- **no import half applied**: an import's changes are written with their audit events in one transaction, so a
  batch that is not « Appliqué » has no audit event, and an applied batch that counted changes has some;
- **the audit chain joins up with the records**: for every audited field of actors, initiatives and partnerships,
  each change starts from the value the previous change ended at, and the last one ends at the value the record
  holds (a field is followed from the first event that names it). A write that bypassed the audited service, or
  a concurrent save that silently overwrote another (a lost update), breaks the chain at that field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, AuditAction, AuditEvent, ImportBatch, ImportStatus, Initiative, Partnership
from registry.services.history.audit import IGNORED_FIELDS, json_value

#: The records whose history is checked field by field (the ones « à la date du » rebuilds from the chain).
CHAINED = (Actor, Initiative, Partnership)
#: Marker left in audit values by the erasure of a person: the chain is cut there on purpose.
ERASED_MARK = "[effacé]"


@dataclass
class IntegrityReport:
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_integrity(session: so.Session) -> IntegrityReport:
    """Every check above; read-only."""
    report = IntegrityReport()
    _engine_checks(session, report)
    _batches(session, report)
    for cls in CHAINED:
        _chain(session, cls, report)
    return report


def _engine_checks(session: so.Session, report: IntegrityReport) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        result = [row[0] for row in session.execute(sa.text("PRAGMA integrity_check"))]
        if result != ["ok"]:
            report.problems.extend(f"SQLite : {line}" for line in result)
        for table, rowid, parent, _fk in session.execute(sa.text("PRAGMA foreign_key_check")):
            report.problems.append(f"Table {table}, ligne {rowid} : référence vers {parent} introuvable.")
        report.checks.append("SQLite : intégrité du fichier et clés étrangères")
        return
    if dialect == "postgresql":
        installed = session.scalar(sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'"))
        if not installed:
            report.checks.append("PostgreSQL : index non vérifiés (extension amcheck absente)")
            return
        indexes = session.scalars(
            sa.text(
                "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE a.amname = 'btree' AND n.nspname = current_schema()"
            )
        ).all()
        for name in indexes:
            try:
                with session.begin_nested():
                    session.execute(sa.text("SELECT bt_index_check(CAST(:name AS regclass))"), {"name": name})
            except sa.exc.DBAPIError as exc:
                report.problems.append(f"PostgreSQL : index {name} endommagé ({exc.orig}).")
        report.checks.append(f"PostgreSQL : {len(indexes)} index B-tree vérifiés (amcheck)")


def _batches(session: so.Session, report: IntegrityReport) -> None:
    events = (
        sa.select(AuditEvent.batch_id, sa.func.count().label("n"))
        .where(AuditEvent.batch_id.is_not(None))
        .group_by(AuditEvent.batch_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(ImportBatch.id, ImportBatch.filename, ImportBatch.status, ImportBatch.counts, events.c.n).outerjoin(
            events, events.c.batch_id == ImportBatch.id
        )
    ).all()
    for ident, filename, status, counts, audited in rows:
        audited = audited or 0
        changed = sum(value for key, value in (counts or {}).items() if key != "unchanged" and isinstance(value, int))
        if status is not ImportStatus.APPLIED and audited:
            report.problems.append(
                f"Import n° {ident} ({filename}) : {audited} modification(s) écrite(s) "
                f"alors qu'il est « {status.label} »."
            )
        elif status is ImportStatus.APPLIED and changed and not audited:
            report.problems.append(f"Import n° {ident} ({filename}) : appliqué sans aucune modification enregistrée.")
    report.checks.append(f"Imports : {len(rows)} lot(s), aucun à moitié appliqué")


def _chain(session: so.Session, cls: type, report: IntegrityReport) -> None:
    mapper = sa.inspect(cls)
    columns = {attr.key for attr in mapper.column_attrs} - IGNORED_FIELDS
    columns -= {col.key for rel in mapper.relationships for col in rel.local_columns}  # audited as labels
    last: dict[tuple[int, str], object] = {}
    events = session.execute(
        sa.select(AuditEvent.id, AuditEvent.entity_id, AuditEvent.action, AuditEvent.changes)
        .where(AuditEvent.entity_type == cls.__name__, AuditEvent.entity_id.is_not(None))
        .order_by(AuditEvent.id)
    )
    label = _LABELS[cls.__name__]
    count = 0
    for event_id, entity_id, action, changes in events:
        count += 1
        if action is AuditAction.DELETE:
            for key in [k for k in last if k[0] == entity_id]:
                del last[key]
            continue
        for name, pair in (changes or {}).items():
            if name not in columns or not (isinstance(pair, list) and len(pair) == 2):
                continue
            before, after = pair
            key = (entity_id, name)
            if key in last and ERASED_MARK not in (before, last[key]) and before != last[key]:
                report.problems.append(
                    f"{label} n° {entity_id}, champ « {name} » : l'événement n° {event_id} part de {before!r} "
                    f"alors que le précédent finissait à {last[key]!r} (modification non tracée ou perdue)."
                )
            last[key] = after
    current = _current_values(session, cls, {entity for entity, _ in last})
    for (entity_id, name), after in last.items():
        if entity_id not in current or after == ERASED_MARK:
            continue  # removed without an event here (cascade) or erased on purpose
        value = current[entity_id].get(name)
        if value != after:
            report.problems.append(
                f"{label} n° {entity_id}, champ « {name} » : la fiche contient {value!r} mais le dernier événement "
                f"finissait à {after!r} (modification non tracée ou perdue)."
            )
    report.checks.append(f"{label}s : {count} événement(s) d'historique cohérents avec les fiches")


def _current_values(session: so.Session, cls: type, ids: set[int]) -> dict[int, dict]:
    table = cls.__table__
    out: dict[int, dict] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):  # bounded IN lists on every engine
        chunk = ordered[start : start + 500]
        for row in session.execute(sa.select(table).where(table.c.id.in_(chunk))).mappings():
            out[row["id"]] = {key: json_value(value) for key, value in row.items()}
    return out


_LABELS = {"Actor": "Acteur", "Initiative": "Initiative", "Partnership": "Partenariat"}
