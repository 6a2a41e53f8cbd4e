"""Insert an import's new records in batches, then hand them to the session as ordinary persistent objects.

The unit of work inserts objects one mapper at a time but tracks every attribute and link of every object; for
the thousands of records of a big workbook that bookkeeping costs more than the inserts themselves. Here each
class's rows go in ``executemany`` batches of ``CHUNK`` (ids numbered ahead on SQLite, ``INSERT … RETURNING id``
in parameter order on PostgreSQL), followed by the rows of their many-to-many links and owned children; each
object then becomes persistent and clean, as if it had been loaded: the caller's flush writes only the changes
to existing records, and the audit reads the new ones without a query. What the flush would have done for new
records is done here too: column defaults, the folded ``search_text`` (``services.search``) and the version
counter's first value. ``tests/test_workbook_import.py`` checks the result against what a save gives.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models.base import SortedByName
from registry.services.records.search import refresh_sort_name, search_text
from registry.sqlite import insert_triggers_deferred

#: Records inserted per statement.
CHUNK = 5000


@functools.cache
def _insert_plan(mapper) -> tuple:
    """Per class, worked out once: the inserted columns (with the many-to-one relationship that provides each
    foreign key), the many-to-many relationships and the one-to-many relationships that own their children."""
    table = mapper.local_table
    via = {}
    for rel in mapper.relationships:
        if rel.direction is so.interfaces.MANYTOONE:
            for parent_col, local_col in rel.synchronize_pairs:
                via[local_col.key] = (rel.key, parent_col.key)
    columns = []
    for col in table.columns:
        if col.primary_key and col.autoincrement is not False and len(table.primary_key) == 1:
            continue  # the database numbers it
        prop = mapper.get_property_by_column(col)
        columns.append((col.key, prop.key, via.get(col.key), col.default))
    many = [rel for rel in mapper.relationships if rel.secondary is not None]
    owned = [r for r in mapper.relationships if r.direction is so.interfaces.ONETOMANY and r.cascade.delete_orphan]
    returns_id = len(table.primary_key) == 1 and "id" in table.c
    return table, tuple(columns), tuple(many), tuple(owned), returns_id


def _default(default):
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    return default.arg if default.is_scalar else None


def _row(obj, columns) -> dict:
    """The inserted values of a new record, as the unit of work would send them: a foreign key from the related
    object, an attribute left unset or set to None takes the column's default."""
    state = so.attributes.instance_dict(obj)
    row = {}
    for col_key, attr, via, default in columns:
        if via is not None and via[0] in state:
            related = state[via[0]]
            value = getattr(related, via[1]) if related is not None else None
        else:
            value = state.get(attr)
        if value is None and default is not None:
            value = _default(default)
        # Written as loaded values: the object is made persistent and clean right after the insert.
        state[attr] = row[col_key] = value
    return row


def insert_new(session: so.Session, objects: Iterable) -> list:
    """Insert new records given in dependency order (what a record refers to exists or comes earlier), with their
    links and owned children; returns every object inserted, now persistent in ``session``."""
    objects = list(objects)
    planned = {id(obj) for obj in objects}
    for obj in objects:
        if obj in session:  # made pending by a cascade from an existing record: the flush must not insert it
            session.expunge(obj)
    groups: dict[type, list] = {}
    for obj in objects:
        groups.setdefault(type(obj), []).append(obj)
    inserted: list = []
    with session.no_autoflush:
        queue = list(groups.items())
        while queue:
            cls, objs = queue.pop(0)
            children = _insert_class(session, cls, objs, planned)
            inserted += objs
            queue[0:0] = list(children.items())
    for obj in inserted:
        _detach(obj)
    session.add_all(inserted)
    return inserted


def _insert_class(session: so.Session, cls: type, objs: list, planned: set) -> dict[type, list]:
    mapper = sa.inspect(cls)
    table, columns, many, owned, returns_id = _insert_plan(mapper)
    next_id = None
    dialect = session.get_bind().dialect.name
    if returns_id and dialect == "sqlite":
        # SQLite cannot return the ids of a multi-row INSERT in order (SQLAlchemy would then insert row by row):
        # it numbers rows max(id) + 1 onwards, and the import holds the write lock, so the ids are known ahead.
        next_id = session.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one() + 1
    with contextlib.ExitStack() as deferred:
        connection = session.connection()
        inserted_ids = deferred.enter_context(insert_triggers_deferred(connection, table.name))
        # The link rows belong to the new records only: their triggers (the change log's) run once, over them.
        owner_ids = [
            deferred.enter_context(insert_triggers_deferred(connection, rel.secondary.name, sec.key))
            for rel in many
            for _parent, sec in rel.synchronize_pairs[:1]
        ]
        for start in range(0, len(objs), CHUNK):  # bounded memory: the rows of one chunk at a time
            chunk = objs[start : start + CHUNK]
            if "search_text" in table.c:
                for obj in chunk:
                    obj.search_text = search_text(obj)
            if issubclass(cls, SortedByName):
                for obj in chunk:
                    refresh_sort_name(obj)
            rows = [_row(obj, columns) for obj in chunk]
            if next_id is not None:
                for number, (obj, row) in enumerate(zip(chunk, rows, strict=True), start=next_id):
                    obj.id = row["id"] = number
                next_id += len(chunk)
                insert_rows(session, table, rows)
            elif returns_id and dialect == "postgresql":
                # The ids drawn from the table's sequence first, then the rows copied (``insert_rows``).
                for obj, row, new_id in zip(chunk, rows, _next_ids(session, table, len(chunk)), strict=True):
                    obj.id = row["id"] = new_id
                insert_rows(session, table, rows)
            elif returns_id:
                statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
                ids = session.execute(statement, rows).scalars().all()
                for obj, new_id in zip(chunk, ids, strict=True):
                    obj.id = new_id
            else:
                insert_rows(session, table, rows)
            if returns_id:
                inserted_ids.extend(obj.id for obj in chunk)
            _insert_links(session, many, chunk)
        for ids in owner_ids:
            ids.extend(obj.id for obj in objs)
    children: dict[type, list] = {}
    for rel in owned:
        for obj in objs:
            for child in so.attributes.instance_dict(obj).get(rel.key) or ():
                if id(child) in planned:
                    continue  # a record of the workbook itself, inserted with its own class
                for parent, local in rel.synchronize_pairs:
                    setattr(child, local.key, getattr(obj, parent.key))
                planned.add(id(child))
                children.setdefault(type(child), []).append(child)
    return children


def _insert_links(session: so.Session, many, chunk: list) -> None:
    """The many-to-many rows of a chunk of new records."""
    for rel in many:
        links = [
            {sec.key: getattr(obj, parent.key) for parent, sec in rel.synchronize_pairs}
            | {sec.key: getattr(item, child.key) for child, sec in rel.secondary_synchronize_pairs}
            for obj in chunk
            for item in so.attributes.instance_dict(obj).get(rel.key) or ()
        ]
        if links:
            insert_rows(session, rel.secondary, links)


def _next_ids(session: so.Session, table: sa.Table, count: int) -> list[int]:
    """PostgreSQL: ``count`` new ids from the sequence behind ``table.id``, in order."""
    statement = sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
    return list(session.scalars(statement, {"table": table.name, "count": count}))


def insert_rows(session: so.Session, table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows (dicts with the same keys) into ``table``, each value through its column type's own bind
    processing as an INSERT would send it, the columns the rows leave out given their Python default (their
    server default by the database): on PostgreSQL by ``COPY … FROM STDIN`` (a third of the time of batched
    INSERTs), on SQLite by the driver's ``executemany`` of plain tuples (SQLAlchemy's per-row parameter handling
    costs more than SQLite's insert), elsewhere by one Core ``executemany``."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name not in ("postgresql", "sqlite"):
        connection.execute(sa.insert(table), rows)
        return
    keys, processors, defaults = _copy_plan(table, tuple(rows[0]), dialect)
    given = keys[: len(keys) - len(defaults)]

    def values(row: dict) -> list:
        cells = [row[k] for k in given] + [_default(d) for d in defaults]  # defaults per row, as an INSERT's
        return [v if p is None else p(v) for p, v in zip(processors, cells, strict=True)]

    if dialect.name == "sqlite":
        quote = dialect.identifier_preparer.quote
        columns, marks = ", ".join(map(quote, keys)), ", ".join("?" * len(keys))
        statement = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608 - the model's names
        connection.exec_driver_sql(statement, [tuple(values(row)) for row in rows])
        return
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, keys))
    )
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(values(row))


@functools.cache
def _copy_plan(table: sa.Table, given: tuple[str, ...], dialect) -> tuple:
    """The copied columns (those given, then those with a Python default), their bind processors, the defaults."""
    defaulted = [c for c in table.columns if c.key not in given and c.default is not None]
    keys = [*given, *(c.key for c in defaulted)]
    processors = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys]
    return tuple(keys), tuple(processors), tuple(c.default for c in defaulted)


def _detach(obj) -> None:
    """Make an inserted object detached and clean, every relationship loaded (a new record has no links other
    than those it was given); added to the session, it is persistent as if loaded."""
    state = so.attributes.instance_dict(obj)
    for rel in sa.inspect(type(obj)).relationships:
        if rel.key in state:
            continue
        if rel.uselist:
            so.attributes.set_committed_value(obj, rel.key, [])
        elif all(getattr(obj, local.key) is None for local in rel.local_columns):
            so.attributes.set_committed_value(obj, rel.key, None)
    so.make_transient_to_detached(obj)


__all__ = ["insert_new", "insert_rows"]
