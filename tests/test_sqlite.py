"""SQLite done right: foreign keys, WAL and busy timeout on every pooled connection; concurrent writers wait."""

import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from registry import create_app
from registry.extensions import db
from registry.models import Actor
from registry.services.reference.loading import load_reference
from registry.sqlite import write_lock
from tests.conftest import make_test_config
from tests.factories import make_actor

pytestmark = pytest.mark.no_database


@pytest.fixture
def sqlite_app(tmp_path):
    """An application on its own SQLite file, whatever engine the rest of the suite uses."""
    # Without CSRF, so that the request hooks of a bare test request context run (preprocess_request)
    config = make_test_config(f"sqlite:///{tmp_path / 'own.sqlite'}", tmp_path, WTF_CSRF_ENABLED=False)
    application = create_app(config)
    with application.app_context():
        upgrade()
        load_reference(db.session)
        db.session.commit()
        yield application
        db.session.remove()
        db.engine.dispose()


def test_pragmas_on_every_pooled_connection(sqlite_app):
    connections = [db.engine.connect() for _ in range(3)]  # three distinct pooled connections
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    finally:
        for conn in connections:
            conn.close()


def test_foreign_key_violation_fails_on_sqlite(sqlite_app):
    with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"), db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO actors (slug, name, legal_form_id, status, published, search_text, created_at, updated_at,"
            " version) VALUES ('x', 'X', 424242, 'active', 1, '', '2025-01-01', '2025-01-01', 1)"
        )


def test_savepoints_work(sqlite_app):
    actor = make_actor(db.session, name="Avant")
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.text("UPDATE actors SET employees = -1"))
    assert db.session.get(Actor, actor.id).name == "Avant"  # the outer transaction survived
    db.session.rollback()


def test_concurrent_writers_wait_instead_of_failing(sqlite_app):
    """A long write (an import) and short writes (officers) overlap: nobody gets "database is locked"."""
    make_actor(db.session, name="Cible")
    db.session.commit()
    errors: list[Exception] = []
    started = threading.Event()

    def long_import():
        try:
            with sqlite_app.app_context(), write_lock():
                db.session.execute(sa.select(Actor)).all()  # reads first, as the importer plans
                started.set()
                for i in range(200):
                    make_actor(db.session, name=f"Importé {i}")
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
            started.set()

    def officer_edit(n):
        try:
            with sqlite_app.test_request_context("/admin/actor/edit/", method="POST"), sqlite_app.app_context():
                sqlite_app.preprocess_request()  # the application's hooks: a form post writes
                actor = db.session.scalar(sa.select(Actor).where(Actor.name.like("Cible%")))
                actor.description = f"Modifié par l'agent {n}"
                db.session.commit()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    importer = threading.Thread(target=long_import)
    importer.start()
    started.wait(5)
    officers = [threading.Thread(target=officer_edit, args=(n,)) for n in range(4)]
    for t in officers:
        t.start()
    for t in [importer, *officers]:
        t.join(30)
    assert errors == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 201


def test_reading_block_inside_a_post_leaves_the_write_lock_free(sqlite_app):
    """An upload's preview (a POST that only reads while it plans) must not make other writers wait."""
    from registry.sqlite import configure_sqlite, reading

    impatient = sa.create_engine(db.engine.url)
    configure_sqlite(impatient, busy_timeout_ms=200)  # another officer, who gives up after 0.2 s

    def other_officer_saves(name):
        with sa.orm.Session(impatient) as other:
            make_actor(other, name=name)
            other.commit()

    with sqlite_app.test_request_context("/admin/import/", method="POST"):
        sqlite_app.preprocess_request()
        with reading():
            db.session.execute(sa.select(Actor)).all()  # a long read, its transaction still open
            other_officer_saves("Écrit pendant l'aperçu")
        db.session.rollback()
        db.session.execute(sa.select(Actor)).all()  # a POST's ordinary transaction takes the write lock...
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            other_officer_saves("Doit attendre")  # ...so the other writer waits (here: gives up)
        db.session.rollback()
    impatient.dispose()


def _triggers(session) -> dict[str, str]:
    rows = session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"))
    return dict(rows.all())


def _fts_integrity(session) -> None:
    """FTS5 checks that its index is exactly that of its content table (raises otherwise)."""
    for fts in ("actors_fts", "initiatives_fts"):
        session.execute(sa.text(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')"))


def _found(session, word: str) -> set[str]:
    statement = sa.text("SELECT a.name FROM actors_fts f JOIN actors a ON a.id = f.rowid WHERE actors_fts MATCH :w")
    return set(session.scalars(statement, {"w": word}))


def test_an_import_indexes_its_rows_for_full_text_in_one_pass(sqlite_app):
    """The import inserts its rows with the full-text triggers deferred (``insert_triggers_deferred``): the index
    holds every new row, the triggers are back unchanged, and later edits are indexed by them as before."""
    from tests.workbook_helpers import DEMO, actor, actors_sheet, run, xlsx

    session = db.session
    triggers = _triggers(session)
    assert {"actors_fts_insert", "initiatives_fts_insert"} <= set(triggers)
    assert {"change_log_actors_insert", "change_log_actor_axes_insert"} <= set(triggers)
    report = run(session, DEMO.read_bytes())
    assert report.applied, report.to_text()
    data = xlsx({"Acteurs": actors_sheet(*[actor(n, **{"Nom*": f"Zéphyrine {n}"}) for n in range(1, 40)])})
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        report = run(session, data)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert report.applied, report.to_text()
    assert _triggers(session) == triggers
    # The change log's insert triggers (migration 0011) are deferred too, and log every new actor once the rows are in.
    dropped = {s.split()[-1] for s in statements if s.startswith("DROP TRIGGER")}
    assert {"actors_fts_insert", "change_log_actors_insert", "change_log_actor_axes_insert"} <= dropped, dropped
    zephyrines = set(session.scalars(sa.select(Actor.id).where(Actor.name.like("Zéphyrine%"))))
    logged = set(session.scalars(sa.text("SELECT row_id FROM change_log WHERE table_name = 'actors'")))
    assert len(zephyrines) == 39 and zephyrines <= logged
    _fts_integrity(session)
    assert len(_found(session, "zephyrine")) == 39
    assert "Régie de quartier de Fives" in _found(session, "regie")
    # An edit after the import goes through the triggers again.
    one = session.scalar(sa.select(Actor).where(Actor.name == "Zéphyrine 7"))
    one.name = "Anatole Sept"  # its search text follows at the flush
    session.commit()
    assert _found(session, "anatole") == {"Anatole Sept"} and len(_found(session, "zephyrine")) == 38
    _fts_integrity(session)


def test_a_failed_import_leaves_the_full_text_triggers_in_place(sqlite_app, monkeypatch):
    from registry.workbook import importer
    from tests.workbook_helpers import actor, actors_sheet, run, xlsx

    session = db.session
    triggers = _triggers(session)

    def failing(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(importer, "apply_plan", failing)
    with pytest.raises(RuntimeError):
        run(session, xlsx({"Acteurs": actors_sheet(*[actor(n) for n in range(1, 20)])}))
    session.rollback()
    assert _triggers(session) == triggers
    assert session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 0
    _fts_integrity(session)
    # and they still index what is saved afterwards
    make_actor(session, name="Bérénice Après")
    session.commit()
    assert _found(session, "berenice") == {"Bérénice Après"}
