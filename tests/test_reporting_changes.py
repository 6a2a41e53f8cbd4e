"""The dashboard's facts kept up to date from the change log (``reporting.changes``, migration 0011): after any
write — through the app, in raw SQL, from another connection, committed out of order or rolled back — the facts a
server keeps and merges equal the facts read afresh, and only the changed records are read."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.sql.util import find_tables

from registry.models import (
    Actor,
    ActorStatus,
    Axis,
    Initiative,
    LegalFamily,
    LegalForm,
    Partnership,
    Quartier,
    Sector,
)
from registry.services.reporting import changes, facts
from tests.factories import make_actor, make_initiative, make_partnership, ref
from tests.workbook_helpers import load_demo

MIGRATION = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "0011_change_log.py"
EVENTS = ("insert", "update", "delete")


def _canonical(read: facts.Facts) -> dict:
    """The facts with each table's rows in id order and row references as ids: equal for equal registries."""
    out = {"axes": read.axis_ids, "quartiers": read.quartier_ids, "sectors": read.sector_ids}
    for fields in (facts.ACTOR_FIELDS, facts.PARTNERSHIP_FIELDS, facts.INITIATIVE_FIELDS):
        order = np.argsort(getattr(read, fields[0]), kind="stable")
        out |= {name: getattr(read, name)[order].tolist() for name in fields}
    actor_of = np.append(read.actor_ids, -1)  # row -1 → -1
    out["partnership_actor"] = sorted(
        zip(read.partnership_ids.tolist(), actor_of[read.partnership_actor].tolist(), strict=True)
    )
    out["initiative_lead"] = sorted(
        zip(read.initiative_ids.tolist(), actor_of[read.initiative_lead].tolist(), strict=True)
    )
    return out


def _kept(session) -> facts.Facts:
    return facts._kept[str(session.get_bind().url)]


def _assert_up_to_date(session, expected: tuple[str, int] | None) -> None:
    """The kept facts brought up to date equal a fresh read; ``expected``: the record the log must name (merged,
    not read again), None: a change that makes the facts be read in full."""
    session.commit()
    pending = changes.since(session.connection(), _kept(session).position)
    if expected is None:
        assert pending.everything
    else:
        kind, row_id = expected
        assert not pending.everything and row_id in pending.ids[kind], (expected, pending)
    merged = facts.facts_for(session)
    assert merged.position == pending.position or session.get_bind().dialect.name == "sqlite"
    session.commit()
    assert _canonical(merged) == _canonical(facts.load(session)), expected
    session.commit()


def test_the_triggers_are_those_the_reader_expects_on_every_table_the_facts_read(session):
    """Every table ``facts.load`` reads is logged, by a trigger for each event, as the migration says."""
    read: set[str] = set()
    assert changes.armed(session.connection())  # (asked once, from the catalog)

    @sa.event.listens_for(session.get_bind(), "before_execute")
    def _tables(conn, clause, *args):
        if isinstance(clause, sa.sql.ClauseElement):
            read.update(t.name for t in find_tables(clause, include_joins=True, include_crud=True))

    try:
        facts.load(session)
    finally:
        sa.event.remove(session.get_bind(), "before_execute", _tables)
    assert read and read <= set(changes.LOGGED), read - set(changes.LOGGED)
    assert {"actors", "partnerships", "initiatives", "actor_axes", "initiative_quartiers"} <= read

    namespace: dict = {}
    exec(compile(MIGRATION.read_text(encoding="utf-8"), str(MIGRATION), "exec"), namespace)  # noqa: S102
    assert namespace["LOGGED"] == changes.LOGGED
    if session.get_bind().dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'change_log_%'"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'change_log_%'"
    triggers = set(session.execute(sa.text(query)).scalars())
    expected = {f"change_log_{t}_{e}" for t in changes.LOGGED for e in EVENTS}
    assert expected <= triggers, expected - triggers
    assert changes.armed(session.connection())


def test_every_write_to_every_logged_table_is_merged_and_the_facts_equal_a_fresh_read(session):
    """Insert, update and delete on each logged table — through the ORM and in raw SQL — then the facts this
    process keeps, merged from the log, are those read afresh; a reference table's change reads them all."""
    first, second, spare = make_actor(session), make_actor(session, axes=["former"]), make_actor(session)
    initiative = make_initiative(session, lead=first)
    partnership = make_partnership(session, first)
    session.commit()
    facts.facts_for(session)  # read in full once: from now on, merged
    session.commit()
    axis = ref(session, Axis, "consommer").id
    strategic = session.scalar(sa.select(Sector.id).where(Sector.strategic.is_(True)).limit(1))
    quartier = ref(session, Quartier, "wazemmes").id

    def sql(statement: str, expected: tuple | None = None, **values):
        session.execute(sa.text(statement), values)
        return expected

    made: dict = {}

    def new_actor():
        made["actor"] = make_actor(session, sectors=[], axes=["echanger"], quartier="moulins")
        return ("actors", made["actor"].id)

    def new_partnership():
        made["partnership"] = make_partnership(session, second, amount=Decimal("1234.56"))
        return ("partnerships", made["partnership"].id)

    def new_initiative():
        made["initiative"] = make_initiative(session, lead=second, start_date=date(2024, 1, 1))
        return ("initiatives", made["initiative"].id)

    def archive_actor():
        first.status = ActorStatus.ARCHIVED
        first.quartier = ref(session, Quartier, "lomme")
        session.flush()
        return ("actors", first.id)

    def delete(obj):
        kind, row_id = obj.__table__.name, obj.id
        session.delete(obj)
        session.flush()
        return (kind, row_id)

    def reference(model, **fields):
        obj = model(**fields)
        session.add(obj)
        session.flush()
        made[model] = obj
        return None

    def touch(table):
        sql(f"UPDATE {table} SET code = code")
        return None

    def gone(model):
        session.delete(made[model])
        session.flush()
        return None

    writes = {
        ("actors", "insert"): new_actor,
        ("actors", "update"): archive_actor,
        ("actors", "delete"): lambda: delete(spare),
        ("actor_axes", "insert"): lambda: sql(
            "INSERT INTO actor_axes (actor_id, axis_id) VALUES (:a, :x)", ("actors", second.id), a=second.id, x=axis
        ),
        ("actor_axes", "update"): lambda: sql(
            "UPDATE actor_axes SET actor_id = :b WHERE actor_id = :a AND axis_id = :x",
            ("actors", second.id),
            a=second.id,
            b=first.id,
            x=axis,
        ),
        ("actor_axes", "delete"): lambda: sql(
            "DELETE FROM actor_axes WHERE actor_id = :a", ("actors", first.id), a=first.id
        ),
        ("actor_sectors", "insert"): lambda: sql(
            "INSERT INTO actor_sectors (actor_id, sector_id) VALUES (:a, :s)",
            ("actors", second.id),
            a=second.id,
            s=strategic,
        ),
        ("actor_sectors", "update"): lambda: sql(
            "UPDATE actor_sectors SET actor_id = :b WHERE actor_id = :a",
            ("actors", made["actor"].id),
            a=second.id,
            b=made["actor"].id,
        ),
        ("actor_sectors", "delete"): lambda: sql(
            "DELETE FROM actor_sectors WHERE actor_id = :a", ("actors", made["actor"].id), a=made["actor"].id
        ),
        ("partnerships", "insert"): new_partnership,
        ("partnerships", "update"): lambda: sql(
            "UPDATE partnerships SET amount = 99.99, actor_id = :a WHERE id = :p",
            ("partnerships", partnership.id),
            a=made["actor"].id,
            p=partnership.id,
        ),
        ("partnerships", "delete"): lambda: delete(made["partnership"]),
        ("initiatives", "insert"): new_initiative,
        ("initiatives", "update"): lambda: sql(
            "UPDATE initiatives SET end_date = :d, lead_actor_id = :a WHERE id = :i",
            ("initiatives", initiative.id),
            d=date(2025, 6, 30),
            a=second.id,
            i=initiative.id,
        ),
        ("initiatives", "delete"): lambda: delete(made["initiative"]),
        ("initiative_axes", "insert"): lambda: sql(
            "INSERT INTO initiative_axes (initiative_id, axis_id) VALUES (:i, :x)",
            ("initiatives", initiative.id),
            i=initiative.id,
            x=axis,
        ),
        ("initiative_axes", "update"): lambda: sql(
            "UPDATE initiative_axes SET axis_id = :y WHERE initiative_id = :i AND axis_id = :x",
            ("initiatives", initiative.id),
            i=initiative.id,
            x=axis,
            y=ref(session, Axis, "financer").id,
        ),
        ("initiative_axes", "delete"): lambda: sql(
            "DELETE FROM initiative_axes WHERE initiative_id = :i", ("initiatives", initiative.id), i=initiative.id
        ),
        ("initiative_quartiers", "insert"): lambda: sql(
            "INSERT INTO initiative_quartiers (initiative_id, quartier_id) VALUES (:i, :q)",
            ("initiatives", initiative.id),
            i=initiative.id,
            q=quartier,
        ),
        ("initiative_quartiers", "update"): lambda: sql(
            "UPDATE initiative_quartiers SET quartier_id = :r WHERE initiative_id = :i AND quartier_id = :q",
            ("initiatives", initiative.id),
            i=initiative.id,
            q=quartier,
            r=ref(session, Quartier, "vauban-esquermes").id,
        ),
        ("initiative_quartiers", "delete"): lambda: sql(
            "DELETE FROM initiative_quartiers WHERE initiative_id = :i", ("initiatives", initiative.id), i=initiative.id
        ),
        ("axes", "insert"): lambda: reference(Axis, code="essai", label="Axe d'essai", position=9),
        ("axes", "update"): lambda: touch("axes"),
        ("axes", "delete"): lambda: gone(Axis),
        ("quartiers", "insert"): lambda: reference(Quartier, code="essai", name="Quartier d'essai", commune="Lille"),
        ("quartiers", "update"): lambda: touch("quartiers"),
        ("quartiers", "delete"): lambda: gone(Quartier),
        ("sectors", "insert"): lambda: reference(Sector, code="essai", label="Secteur d'essai", strategic=True),
        ("sectors", "update"): lambda: touch("sectors"),
        ("sectors", "delete"): lambda: gone(Sector),
        ("legal_forms", "insert"): lambda: reference(
            LegalForm, code="essai", label="Forme d'essai", family=LegalFamily.FONDATION
        ),
        ("legal_forms", "update"): lambda: touch("legal_forms"),
        ("legal_forms", "delete"): lambda: gone(LegalForm),
    }
    assert set(writes) == {(t, e) for t in changes.LOGGED for e in EVENTS}  # a new logged table needs its writes
    for (table, _event), write in writes.items():
        expected = write()
        if table in ("axes", "quartiers", "sectors", "legal_forms"):
            assert expected is None
        _assert_up_to_date(session, expected)


def test_a_transaction_committed_after_a_later_one_is_not_missed(app, session):
    """PostgreSQL draws log ids before commit: a transaction that began first and commits last is still read —
    the position is a snapshot, not an id. SQLite's writers take turns, so its ids follow commit order."""
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writers take turns: there is no out-of-order commit to read")
    actor = make_actor(session)
    session.commit()
    facts.facts_for(session)
    session.commit()
    with engine.connect() as slow:
        slow.execute(sa.text("UPDATE actors SET status = 'archived' WHERE id = :a"), {"a": actor.id})
        quick_actor = make_actor(session)  # through the test's session: committed before ``slow``
        session.commit()
        merged = facts.facts_for(session)
        session.commit()
        assert quick_actor.id in merged.actor_ids.tolist()
        assert not merged.actor_archived[merged.actor_ids.tolist().index(actor.id)]
        slow.commit()
    _assert_up_to_date(session, ("actors", actor.id))
    assert _kept(session).actor_archived[_kept(session).actor_ids.tolist().index(actor.id)]


def test_a_write_rolled_back_elsewhere_or_here_is_never_kept(session):
    """Another connection's rolled-back write logs nothing; this session's own uncommitted write shows in its
    facts but is not kept for other requests."""
    actor = make_actor(session)
    session.commit()
    facts.facts_for(session)
    session.commit()
    with session.get_bind().connect() as other:
        other.execute(sa.text("UPDATE actors SET status = 'archived' WHERE id = :a"), {"a": actor.id})
        other.rollback()
    actor.status = ActorStatus.ARCHIVED
    session.flush()
    own = facts.facts_for(session)
    assert own.actor_archived[own.actor_ids.tolist().index(actor.id)]
    session.rollback()
    kept = facts.facts_for(session)
    assert not kept.actor_archived[kept.actor_ids.tolist().index(actor.id)]
    session.commit()
    assert _canonical(kept) == _canonical(facts.load(session))


def test_a_server_whose_facts_are_older_than_the_pruned_log_reads_them_again(session, monkeypatch):
    """Once the log holds twice ``KEEP`` entries a reader prunes it; a server whose position is older then reads
    everything, and its facts stay right."""
    monkeypatch.setattr(changes, "KEEP", 5)
    actors = [make_actor(session) for _ in range(3)]
    session.commit()
    facts.facts_for(session)
    session.commit()
    stale = _kept(session).position
    for n in range(4 * changes.KEEP):
        session.execute(sa.update(Actor).where(Actor.id == actors[n % 3].id).values(employees=n))
        session.commit()
        facts.facts_for(session)  # a reader up to date: prunes once the log is long
        session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(sa.table("change_log"))) <= 2 * changes.KEEP + 1
    assert changes.since(session.connection(), stale).everything
    assert not changes.since(session.connection(), _kept(session).position).everything
    session.commit()
    facts.forget()
    facts._kept[str(session.get_bind().url)] = facts.dataclasses.replace(facts.load(session), position=stale)
    session.commit()
    session.execute(sa.update(Actor).where(Actor.id == actors[0].id).values(status=ActorStatus.ARCHIVED))
    session.commit()
    assert _canonical(facts.facts_for(session)) == _canonical(facts.load(session))


@pytest.mark.parametrize("limit", [changes.MERGE_LIMIT, 3], ids=["merged", "read-in-full"])
def test_an_import_is_logged_and_large_changes_are_read_in_full(session, monkeypatch, limit):
    """The importer's bulk insert (COPY on PostgreSQL; on SQLite, the row triggers of new rows and their links run
    once for all of them) logs every new record; beyond ``MERGE_LIMIT`` records of a kind the facts are read again
    rather than merged."""
    monkeypatch.setattr(changes, "MERGE_LIMIT", limit)
    facts.facts_for(session)
    session.commit()
    load_demo(session)
    session.commit()
    pending = changes.since(session.connection(), _kept(session).position)
    if limit == 3:
        assert pending.everything
    else:
        for model, kind in ((Actor, "actors"), (Partnership, "partnerships"), (Initiative, "initiatives")):
            made = set(session.scalars(sa.select(model.id)))
            assert made and made <= set(pending.ids[kind]), kind
    merged = facts.facts_for(session)
    session.commit()
    assert merged.actor_axes.any() and merged.initiative_quartiers.any()
    assert _canonical(merged) == _canonical(facts.load(session))


def test_a_merge_reads_only_the_changed_records(session):
    """After one actor's save, bringing the facts up to date reads that actor's rows, not the tables: the
    statements name its id, and none reads a table whole."""
    actors = [make_actor(session) for _ in range(4)]
    make_partnership(session, actors[0])
    session.commit()
    facts.facts_for(session)
    session.commit()
    actors[1].employees = 7
    actors[1].status = ActorStatus.ARCHIVED
    session.commit()
    statements: list[str] = []

    @sa.event.listens_for(session.get_bind(), "before_cursor_execute")
    def _seen(conn, cursor, statement, *args):
        statements.append(statement)

    try:
        merged = facts.facts_for(session)
    finally:
        sa.event.remove(session.get_bind(), "before_cursor_execute", _seen)
    reads = [s for s in statements if re.search(r"\bFROM (actors|actor_axes|actor_sectors)\b", s)]
    assert reads and all(" IN " in s for s in reads), reads
    assert not any(re.search(r"\bFROM (partnerships|initiatives)\b", s) for s in statements), statements
    assert merged.actor_archived[merged.actor_ids.tolist().index(actors[1].id)]
