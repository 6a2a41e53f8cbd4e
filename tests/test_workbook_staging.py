"""The import lifecycle without HTTP: stage → preview → confirm or discard → expire (``workbook.staging``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Actor, AuditEvent, Contact, ImportBatch, ImportStatus
from registry.models.base import utcnow
from registry.workbook import staging
from tests.factories import make_actor, make_user
from tests.workbook_helpers import actor, actors_sheet, field_changes, xlsx

ONE = xlsx({"Acteurs": actors_sheet(actor(1), actor(2))})


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_stage_keeps_the_file_and_its_preview_in_the_database(session):
    user = make_user(session, role="officer")
    session.commit()
    batch = staging.stage(session, ONE, "C:\\Documents\\acteurs.xlsx", user)
    session.commit()
    assert (batch.filename, batch.status, batch.user_label) == ("acteurs.xlsx", ImportStatus.PREVIEWED, user.email)
    assert batch.kept_file == ONE and batch.kept_until > utcnow() and count(session, Actor) == 0
    report = staging.preview(batch)
    assert report.ok and report.batch_id == batch.id and report.counts_dict()["Acteurs"]["new"] == 2
    assert staging.kept_file(batch) == ONE and not staging.is_expired(batch)


def test_stage_then_confirm_from_another_session_applies_and_forgets_the_file(session):
    """Another app server (another session) confirms what this one staged: nothing lives on one server's disk."""
    user = make_user(session, role="officer")
    session.commit()
    batch_id = staging.stage(session, ONE, "acteurs.xlsx", user).id
    session.commit()
    with so.Session(session.get_bind()) as other:
        report = staging.confirm(other, other.get(ImportBatch, batch_id), other.get(type(user), user.id))
        other.commit()
    assert report.applied and report.batch_id == batch_id
    session.rollback()
    batch = session.get(ImportBatch, batch_id)
    assert batch.status is ImportStatus.APPLIED and batch.kept_file is None and batch.finished_at is not None
    assert staging.preview(batch).applied and count(session, Actor) == 2
    assert {e.batch_id for e in session.scalars(sa.select(AuditEvent))} == {batch_id}
    with pytest.raises(staging.StagingError, match="déjà été appliqué"):
        staging.confirm(session, batch, user)


def test_stage_then_discard(session):
    batch = staging.stage(session, ONE, "acteurs.xlsx", None)
    session.commit()
    assert staging.discard(session, batch)
    session.commit()
    assert batch.status is ImportStatus.DISCARDED and batch.kept_file is None
    assert not staging.discard(session, batch)
    with pytest.raises(staging.StagingError, match="Cet import a été abandonné"):
        staging.confirm(session, batch, None)
    assert count(session, Actor) == 0


def test_purge_drops_files_and_reports_past_their_time(session):
    old = staging.stage(session, ONE, "ancien.xlsx", None, now=utcnow() - timedelta(hours=3))
    session.commit()
    recent = staging.stage(session, ONE, "recent.xlsx", None)
    session.commit()
    assert old.kept_file is None and old.report_json is None  # staging the second purged the first
    assert staging.is_expired(old) and staging.preview(old) is None
    assert recent.kept_file == ONE and staging.purge_expired(session) == 0
    assert staging.purge_expired(session, now=utcnow() + timedelta(hours=2)) == 1
    session.commit()
    session.refresh(recent)
    assert recent.kept_file is None and staging.preview(recent) is None
    with pytest.raises(staging.StagingError, match="délai dépassé"):
        staging.confirm(session, recent, None)


def test_confirm_after_the_delay_is_a_french_error(session):
    batch = staging.stage(session, ONE, "acteurs.xlsx", None)
    session.commit()
    later = batch.kept_until + timedelta(seconds=1)
    assert staging.is_expired(batch, now=later)
    with pytest.raises(staging.StagingError, match="n'est plus disponible \\(délai dépassé\\)"):
        staging.confirm(session, batch, None, now=later)
    assert count(session, Actor) == 0 and batch.status is ImportStatus.PREVIEWED


def test_confirm_of_a_tampered_file_is_refused(session):
    batch = staging.stage(session, ONE, "acteurs.xlsx", None)
    batch.kept_file = xlsx({"Acteurs": actors_sheet(actor(3))})
    session.commit()
    with pytest.raises(staging.StagingError, match="ne correspond plus"):
        staging.confirm(session, batch, None)
    assert count(session, Actor) == 0


def test_confirm_of_a_preview_with_errors_is_refused(session):
    batch = staging.stage(session, xlsx({"Acteurs": actors_sheet(actor(1, SIRET="123"))}), "faux.xlsx", None)
    session.commit()
    assert batch.status is ImportStatus.FAILED and batch.error_count == 1
    with pytest.raises(staging.StagingError, match="ne peut pas être appliqué"):
        staging.confirm(session, batch, None)


def test_confirm_plans_again_against_the_registry_as_it_is_now(session):
    make_actor(session, name="Acteur Test 1", slug="acteur-test-1", employees=1)
    session.commit()
    batch = staging.stage(session, xlsx({"Acteurs": actors_sheet(actor(1, **{"Salariés": 3}))}), "a.xlsx", None)
    session.commit()
    first = staging.preview(batch)
    session.execute(sa.update(Actor).values(employees=2))
    session.commit()
    with pytest.raises(staging.PlanChanged):
        staging.confirm(session, batch, None)
    session.commit()
    again = staging.preview(batch)
    assert again.fingerprint() != first.fingerprint() and batch.status is ImportStatus.PREVIEWED
    assert [c.fields for c in again.changes] == [[("Salariés", "2", "3")]]
    assert session.scalar(sa.select(Actor.employees)) == 2
    assert staging.confirm(session, batch, None).applied
    session.expire_all()
    assert session.scalar(sa.select(Actor.employees)) == 3


def test_confirm_keeps_new_errors_instead_of_applying(session):
    make_actor(session, name="Atelier", slug="atelier")
    session.commit()
    data = xlsx({"Contacts": [["Acteur*", "Nom complet*"], ["atelier", "Camille Martin"]]})
    batch = staging.stage(session, data, "contacts.xlsx", None)
    session.commit()
    assert staging.preview(batch).ok
    session.execute(sa.update(Actor).values(slug="autre", name="Autre"))
    session.commit()
    report = staging.confirm(session, batch, None)
    session.commit()
    assert not report.applied and batch.status is ImportStatus.PREVIEWED and not field_changes(report)
    errors = staging.preview(batch).errors
    assert {(e.sheet, e.row, e.column) for e in errors} == {("Contacts", 2, "Acteur*")}
    assert any("atelier" in e.message for e in errors), [e.message for e in errors]
    assert count(session, Contact) == 0
