"""The integrity checks run after a fault (issue 16, item 3; registry/services/history/integrity.py): the app's own
writes keep them green on both engines, and each kind of damage they look for is found and named in French."""

from __future__ import annotations

import sqlalchemy as sa

from registry.extensions import db
from registry.models import Actor, AuditEvent, ImportBatch, ImportStatus, Initiative, Partnership
from registry.services.history.integrity import CHAINED, check_integrity
from tests.admin_support import changed, database, post_form, read_form
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.workbook_helpers import load_demo

#: A text field per chained record, changed through the back office.
TEXT_FIELD = {Actor: "description", Initiative: "description", Partnership: "notes"}


def report_of(app):
    with app.app_context():
        report = check_integrity(db.session)
        db.session.rollback()
        return report


def test_every_chained_model_has_a_field_edited_here():
    assert set(TEXT_FIELD) == set(CHAINED)


def test_the_app_s_own_writes_keep_every_check_green(app):
    with database(app) as session:
        load_demo(session)
        actor = session.scalar(sa.select(Actor).order_by(Actor.id))
        partner = make_user(session, role="partner", actor=actor).email
    client = app.test_client()
    AuthActions(client, app).as_role("officer")
    edited = 0
    for model, name in TEXT_FIELD.items():
        endpoint = model.__name__.lower()
        with app.app_context():
            ids = list(db.session.scalars(sa.select(model.id).order_by(model.id).limit(3)))
        for ident in ids:
            for round_ in range(2):  # two saves in a row: the second starts where the first ended
                url = f"/admin/{endpoint}/edit/?id={ident}"
                fields = read_form(client.get(url).get_data(as_text=True))
                response = post_form(client, url, changed(fields, **{name: f"Texte {round_} de {ident}"}))
                assert response.status_code == 302, response.get_data(as_text=True)[:2000]
                edited += 1
    # A partner's save, then an officer's « Rétablir » of it.
    partner_client = app.test_client()
    AuthActions(partner_client, app).login(partner, DEFAULT_PASSWORD)
    page = partner_client.get("/espace-partenaire/profil").get_data(as_text=True)
    fields = changed(read_form(page, "profil"), description="Présentation revue par la structure, assez longue.")
    assert post_form(partner_client, "/espace-partenaire/profil", fields).status_code in (200, 302)
    with app.app_context():
        event_id = db.session.scalar(
            sa.select(AuditEvent.id).where(AuditEvent.source == "partner").order_by(AuditEvent.id.desc())
        )
    details = client.get(f"/admin/auditevent/details/?id={event_id}").get_data(as_text=True)
    reverted = client.post("/admin/auditevent/revert/", data={"id": event_id, "csrf_token": csrf_token_from(details)})
    assert reverted.status_code == 302
    report = report_of(app)
    assert report.problems == [] and edited == 18
    assert any("événement" in line for line in report.checks)


def test_a_write_that_bypassed_the_audit_is_found_at_its_field(app):
    with database(app) as session:
        load_demo(session)
    for model, name in TEXT_FIELD.items():
        with database(app) as session:
            column = model.__table__.c[name]
            ident = session.scalar(sa.select(model.id).where(column.is_not(None)).order_by(model.id))
            table = model.__table__
            session.execute(sa.update(table).where(table.c.id == ident).values({name: "hors audit"}))
        problems = report_of(app).problems
        assert any(f"n° {ident}, champ « {name} »" in line and "'hors audit'" in line for line in problems), problems


def test_a_lost_update_breaks_the_chain_where_it_happened(app):
    """An unaudited write followed by an audited one: the chain no longer joins up at that field."""
    with database(app) as session:
        load_demo(session)
        actor = session.scalar(sa.select(Actor).order_by(Actor.id))
        ident = actor.id
        session.execute(sa.update(Actor.__table__).where(Actor.__table__.c.id == ident).values(description="perdue"))
    client = app.test_client()
    AuthActions(client, app).as_role("officer")
    url = f"/admin/actor/edit/?id={ident}"
    fields = read_form(client.get(url).get_data(as_text=True))
    assert post_form(client, url, changed(fields, description="Une présentation sauvegardée.")).status_code == 302
    problems = report_of(app).problems
    assert problems and all(f"Acteur n° {ident}" in line for line in problems)
    assert any("part de 'perdue'" in line for line in problems), problems


def test_an_import_half_applied_is_found(app):
    with database(app) as session:
        load_demo(session)
        batch = ImportBatch(filename="moitie.xlsx", file_hash="0" * 64, status=ImportStatus.PREVIEWED)
        session.add(batch)
        session.flush()
        session.add(AuditEvent(source="import", action="update", entity_type="Actor", entity_id=1, batch_id=batch.id))
        applied = ImportBatch(filename="vide.xlsx", file_hash="1" * 64, status=ImportStatus.APPLIED, counts={"new": 3})
        session.add(applied)
    problems = report_of(app).problems
    assert any("moitie.xlsx" in line and "« Prévisualisé »" in line for line in problems), problems
    assert any("vide.xlsx" in line and "sans aucune modification" in line for line in problems), problems


def test_the_command_says_ok_or_lists_the_problems(app):
    with database(app) as session:
        load_demo(session)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["registry", "verifier-integrite"])
    assert result.exit_code == 0 and "aucun problème" in result.output, result.output
    with database(app) as session:
        session.execute(sa.update(Actor.__table__).where(Actor.__table__.c.id == 1).values(description="hors audit"))
    result = runner.invoke(args=["registry", "verifier-integrite"])
    assert result.exit_code == 1 and "1 problème(s) d'intégrité" in result.output, result.output


def test_the_engine_s_own_checks_run(app):
    with database(app) as session:
        load_demo(session)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("CREATE EXTENSION IF NOT EXISTS amcheck"))
        dialect = session.get_bind().dialect.name
    checks = report_of(app).checks
    expected = {"sqlite": "SQLite : intégrité du fichier", "postgresql": "index B-tree vérifiés (amcheck)"}[dialect]
    assert any(expected in line for line in checks), checks
