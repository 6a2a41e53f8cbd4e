"""Merging a duplicate into the record that stays, and undoing it: the one write for two records at once.

``merge`` checks both records are as their forms were opened, then re-points every row of the schema that names the
duplicate (walked from the foreign keys, so a new relation is covered without a change here), removes the
duplicate, adds its ``aliases`` (the redirect of its slug), applies the chosen values to the record that stays,
cleans and flushes it, and writes ONE audit event: the kept record's field changes and, under ``MERGE_KEY``, the
duplicate's full row, its links, and every row moved, so that ``unmerge`` can put everything back exactly — as
long as none of it changed since. A row that would collide with one of the kept record's (the same initiative
twice) is dropped, its values kept in the event. Nothing is committed here.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.orm.exc import StaleDataError

from registry.models import AuditAction
from registry.services.history.audit import diff, record_event, snapshot
from registry.services.records.editing.conflicts import Conflict, ConflictDescription, describe_conflict
from registry.services.records.editing.state import check, resolve, state_of
from registry.services.records.editing.write import Changes
from registry.services.reference.labels import ENTITY_NAMES

#: The key of an audit event's changes holding what a merge moved (and what its undo put back).
MERGE_KEY = "_fusion"


# -- the schema around a record --------------------------------------------------------------------------------
def references_to(model) -> list[tuple[object, sa.Column]]:
    """Every column of the schema pointing to a row of ``model``: (mapped class, or bare table, column). The
    many-to-many tables of ``model``'s own relationships are its fields, not references (see ``own_links``)."""
    table = model.__table__
    own = {rel.secondary for rel in sa.inspect(model).relationships if rel.secondary is not None}
    mapped = {m.local_table: m.class_ for m in sa.inspect(model).registry.mappers}
    found = []
    for other in table.metadata.sorted_tables:
        if other in own:
            continue
        for column in other.columns:
            if any(fk.column.table is table for fk in column.foreign_keys):
                found.append((mapped.get(other, other), column))
    return found


def own_links(model) -> list[tuple[sa.Table, sa.Column]]:
    """The many-to-many tables of ``model``'s relationships, with the column naming the record."""
    table = model.__table__
    out = []
    for rel in sa.inspect(model).relationships:
        if rel.secondary is not None:
            out.append((rel.secondary, next(c for c in rel.secondary.c if c.references(table.c.id))))
    return out


def _encode(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(column: sa.Column, value):
    if value is None:
        return None
    enum_class = getattr(column.type, "enum_class", None)
    if isinstance(enum_class, type) and issubclass(enum_class, enum.Enum):
        return enum_class(value)
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(value)
    return value


def decode_row(table: sa.Table, row: dict) -> dict:
    """A row kept by a merge event, with the column types of ``table`` (dates, enums, decimals)."""
    return {c.key: _decode(c, row[c.key]) for c in table.c if c.key in row}


def _row(session, table: sa.Table, where) -> dict:
    return {k: _encode(v) for k, v in session.execute(sa.select(table).where(where)).mappings().one().items()}


def _insert(session, table: sa.Table, row: dict) -> None:
    session.execute(table.insert().values(decode_row(table, row)))


def _pk_clause(table: sa.Table, pk: list):
    return sa.and_(*(column == _decode(column, value) for column, value in zip(table.primary_key, pk, strict=True)))


def _relationship_of(cls, column: sa.Column):
    """The many-to-one relationship of ``cls`` set by ``column`` (None: the column is set directly)."""
    for rel in sa.inspect(cls).relationships:
        if rel.direction is so.interfaces.MANYTOONE and list(rel.local_columns) == [column]:
            return rel.key
    return None


def _point(row, cls, column: sa.Column, target) -> None:
    key = _relationship_of(cls, column)
    if key is not None:
        setattr(row, key, target)
    else:
        setattr(row, sa.inspect(cls).get_property_by_column(column).key, target.id)


def _version(row) -> int | None:
    column = sa.inspect(type(row)).version_id_col
    return None if column is None else getattr(row, sa.inspect(type(row)).get_property_by_column(column).key)


def _dropped(session, table: sa.Table, column: sa.Column, values: dict, target_id) -> bool:
    """Whether this row is dropped rather than pointed at ``target_id``: its table says so (``info`` key
    ``on_merge`` = "drop": notes about the duplicate itself), or it would break a unique constraint or the primary
    key (the pair is already there)."""
    if table.info.get("on_merge") == "drop":
        return True
    for constraint in table.constraints:
        unique = isinstance(constraint, sa.UniqueConstraint | sa.PrimaryKeyConstraint)
        if unique and constraint.columns.contains_column(column):
            where = [column == target_id, *(c == values[c.key] for c in constraint.columns if c is not column)]
            if session.scalar(sa.select(sa.func.count()).select_from(table).where(*where)):
                return True
    return False


def _move(session, cls, column: sa.Column, source, target) -> tuple[dict, list]:
    """Point every row of ``cls`` naming ``source`` by ``column`` at ``target``: (moved rows, dropped rows)."""
    table = column.table
    moved, dropped = [], []
    if isinstance(cls, sa.Table):
        keys = [
            list(map(_encode, r)) for r in session.execute(sa.select(*table.primary_key).where(column == source.id))
        ]
        for pk in keys:
            values = _row(session, table, _pk_clause(table, pk))
            if _dropped(session, table, column, values, target.id):
                dropped.append({"table": table.name, "row": values})
                session.execute(table.delete().where(_pk_clause(table, pk)))
            else:
                session.execute(table.update().where(_pk_clause(table, pk)).values({column.key: target.id}))
                moved.append([*pk, None])
    else:
        mapper = sa.inspect(cls)
        for row in session.scalars(sa.select(cls).where(column == source.id)).all():
            pk = [_encode(v) for v in mapper.primary_key_from_instance(row)]
            values = _row(session, table, _pk_clause(table, pk))
            if _dropped(session, table, column, values, target.id):
                dropped.append({"table": table.name, "row": values})
                session.delete(row)
            else:
                _point(row, cls, column, target)
                moved.append((pk, row))
        session.flush()
        moved = [[*pk, _version(row)] for pk, row in moved]
    return {"table": table.name, "column": column.key, "rows": moved}, dropped


# -- merge -----------------------------------------------------------------------------------------------------
def _conflict(session, obj, opened, trouble) -> Conflict:
    return Conflict(describe_conflict(session, obj, None if trouble == "unsealed" else opened, state_of(obj), None))


def merge(session: so.Session, kept, merged, *, apply, opened, opened_merged, user, source: str, cleaner=None,
          aliases=(), label: str | None = None) -> Changes:  # fmt: skip
    """Merge ``merged`` into ``kept``: both must still be as ``opened`` / ``opened_merged`` say (else Conflict);
    every reference is re-pointed, ``merged`` removed, ``aliases(kept, merged_row)`` records added, ``apply(kept)``
    sets the kept values (it must not read ``merged``: take its values first), ``cleaner`` checks them
    (ValidationErrors), flushed, one MERGE event. The caller commits."""
    model = type(kept)
    for obj, token in ((kept, opened), (merged, opened_merged)):
        expected = resolve(obj, token)
        trouble = check(obj, expected)
        if trouble is not None:
            raise _conflict(session, obj, expected, trouble)
    before = snapshot(kept)
    table = model.__table__
    savepoint = session.begin_nested()
    try:
        record = {"table": table.name, "id": merged.id, "label": str(merged), "state": snapshot(merged),
                  "row": _row(session, table, table.c.id == merged.id), "links": {}, "moved": [], "dropped": [],
                  "aliases": []}  # fmt: skip
        for link, column in own_links(model):
            rows = session.execute(sa.select(link).where(column == merged.id)).mappings()
            record["links"][link.name] = [{k: _encode(v) for k, v in r.items()} for r in rows]
        for cls, column in references_to(model):
            moved, dropped = _move(session, cls, column, merged, kept)
            if moved["rows"]:
                record["moved"].append(moved)
            record["dropped"] += dropped
        session.flush()
        session.expire(merged)  # its collections were re-pointed: nothing of them may cascade with it
        session.delete(merged)
        session.flush()
        for alias in aliases(kept, record):
            session.add(alias)
            session.flush()
            alias_table = type(alias).__table__
            pk = [_encode(v) for v in sa.inspect(type(alias)).primary_key_from_instance(alias)]
            record["aliases"].append({"table": alias_table.name, "pk": pk})
        with session.no_autoflush:
            apply(kept)
            if cleaner is not None:
                cleaner(session, kept)
        session.flush()
    except StaleDataError:
        savepoint.rollback()
        raise _conflict(session, kept, None, "unsealed") from None
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    session.expire(kept)
    record["kept_version"] = kept.version
    changes = {**diff(before, snapshot(kept)), MERGE_KEY: record}
    event = record_event(session, action=AuditAction.MERGE, source=source, user=user, obj=kept, changes=changes,
                         entity_label=label)  # fmt: skip
    session.flush()
    return Changes({k: v for k, v in changes.items() if k != MERGE_KEY}, [event])


# -- undo ------------------------------------------------------------------------------------------------------
def _what(model, table_name: str, pk: list) -> str:
    """« Partenariat n° 12 »: a row of the schema, in French."""
    cls = next((m.class_ for m in sa.inspect(model).registry.mappers if m.local_table.name == table_name), None)
    name = ENTITY_NAMES.get(cls.__name__, cls.__name__) if cls is not None else table_name
    return f"{name} n° {', '.join(map(str, pk))}"


def changed_since(session: so.Session, kept, record: dict) -> list[str]:
    """What moved since the merge (French, one line each); empty when it can be undone exactly."""
    model = type(kept)
    metadata = model.__table__.metadata
    found = []
    if kept.version != record.get("kept_version"):
        found.append(f"{ENTITY_NAMES.get(model.__name__, model.__name__)} « {kept} » modifié depuis")
    for group in record["moved"]:
        table = metadata.tables[group["table"]]
        column = table.c[group["column"]]
        for *pk, expected in group["rows"]:
            current = session.execute(sa.select(table).where(_pk_clause(table, pk))).mappings().one_or_none()
            if current is None:
                found.append(f"{_what(model, table.name, pk)} supprimé depuis")
            elif current[column.key] != kept.id:
                found.append(f"{_what(model, table.name, pk)} rattaché ailleurs depuis")
            elif expected is not None and current.get("version") != expected:
                found.append(f"{_what(model, table.name, pk)} modifié depuis")
    table = model.__table__
    if session.get(model, record["id"]) is not None:
        found.append(f"le numéro {record['id']} est repris par une autre fiche")
    for column in table.c:
        value = record["row"].get(column.key)
        if column.unique and value is not None and column.key != "id":
            other = session.scalar(sa.select(model).where(column == _decode(column, value), model.id != kept.id))
            if other is not None:  # the kept record holds it by the merge itself: its undo gives it back
                found.append(f"la valeur « {value} » ({column.key}) est désormais celle de « {other} »")
    return found


def unmerge(session: so.Session, kept, record: dict, *, restore, user, source: str, cleaner=None,
            label: str | None = None) -> Changes:  # fmt: skip
    """Undo a merge from its event's ``record``: refused (Conflict, what moved in ``description.changes``) when
    anything it touched changed since; otherwise the duplicate comes back with its id, row and links, every row
    moved points to it again, the dropped rows return, its aliases go, and ``restore(kept)`` puts the kept values
    back (cleaned by ``cleaner``). One REVERT event. The caller commits."""
    moved = changed_since(session, kept, record)
    if moved:
        raise Conflict(ConflictDescription(changes=[(line, "", "") for line in moved]))
    model = type(kept)
    metadata = model.__table__.metadata
    before = snapshot(kept)
    savepoint = session.begin_nested()
    try:
        with session.no_autoflush:
            restore(kept)
            if cleaner is not None:
                cleaner(session, kept)
        session.flush()  # first: the kept record gives back the unique values it took (a SIRET)
        for alias in record["aliases"]:
            table = metadata.tables[alias["table"]]
            session.execute(table.delete().where(_pk_clause(table, alias["pk"])))
        _insert(session, model.__table__, record["row"])
        for name, rows in record["links"].items():
            for row in rows:
                _insert(session, metadata.tables[name], row)
        restored = session.get(model, record["id"])
        mapped = {m.local_table.name: m.class_ for m in sa.inspect(model).registry.mappers}
        for group in record["moved"]:
            table = metadata.tables[group["table"]]
            column = table.c[group["column"]]
            cls = mapped.get(table.name)
            for *pk, _version in group["rows"]:
                if cls is None:
                    session.execute(table.update().where(_pk_clause(table, pk)).values({column.key: restored.id}))
                else:
                    _point(session.scalars(sa.select(cls).where(_pk_clause(table, pk))).one(), cls, column, restored)
        session.flush()
        for dropped in record["dropped"]:
            _insert(session, metadata.tables[dropped["table"]], dropped["row"])
        session.flush()
    except StaleDataError:
        savepoint.rollback()
        raise Conflict(ConflictDescription(changes=[(f"« {kept} » modifié entre-temps", "", "")])) from None
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    session.expire(kept)
    summary = {"restored": record["id"], "label": record["label"], "moved": record["moved"],
               "dropped": record["dropped"]}  # fmt: skip
    changes = {**diff(before, snapshot(kept)), MERGE_KEY: summary}
    event = record_event(session, action=AuditAction.REVERT, source=source, user=user, obj=kept, changes=changes,
                         entity_label=label)  # fmt: skip
    session.flush()
    return Changes({k: v for k, v in changes.items() if k != MERGE_KEY}, [event])
