"""Each rule of the model is enforced by the database itself (SQLite and PostgreSQL alike)."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from registry.models import (
    Actor,
    Axis,
    Contact,
    Initiative,
    LegalForm,
    LoanProgramme,
    LoanReport,
    Partnership,
    PartnershipKind,
    Quartier,
    Role,
    User,
    actor_axes,
)
from tests.factories import luhn_siret, make_actor, make_contact, make_initiative, make_partnership, make_programme, ref


def expect_integrity_error(session, statement, params=None):
    """Run raw SQL that breaks a rule; the database must refuse it."""
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(sa.text(statement), params or {})


def test_siret_unique_when_present(session):
    siret = luhn_siret("91234567")
    make_actor(session, siret=siret)
    # several actors without SIRET are fine
    other = make_actor(session)
    make_actor(session)
    assert session.scalar(sa.select(sa.func.count()).select_from(Actor).where(Actor.siret.is_(None))) == 2
    expect_integrity_error(session, "UPDATE actors SET siret = :s WHERE id = :id", {"s": siret, "id": other.id})


def test_slug_unique(session):
    a = make_actor(session, name="Même nom")
    b = make_actor(session, name="Même nom")
    assert (a.slug, b.slug) == ("meme-nom", "meme-nom-2")
    expect_integrity_error(session, "UPDATE actors SET slug = 'meme-nom' WHERE id = :id", {"id": b.id})


def test_siret_length_checked(session):
    actor = make_actor(session)
    expect_integrity_error(session, "UPDATE actors SET siret = '123' WHERE id = :id", {"id": actor.id})


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("latitude", 91),
        ("latitude", -90.5),
        ("longitude", 181),
        ("employees", -1),
        ("volunteers", -3),
        ("founding_year", 1700),
        ("status", "'deleted'"),
    ],
)
def test_actor_checks(session, column, value):
    actor = make_actor(session)
    expect_integrity_error(session, f"UPDATE actors SET {column} = {value} WHERE id = :id", {"id": actor.id})


@pytest.mark.parametrize(
    ("column", "value"), [("budget", -1), ("city_funding", -0.01), ("jobs_created", -2), ("end_date", "'2000-01-01'")]
)
def test_initiative_checks(session, column, value):
    initiative = make_initiative(session, start_date=date(2025, 1, 1))
    expect_integrity_error(session, f"UPDATE initiatives SET {column} = {value} WHERE id = :id", {"id": initiative.id})


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("min_amount", 6000),
        ("max_amount", -5),
        ("nominal_rate", 101),
        ("borrower_rate", 5),
        ("max_duration_months", 0),
        ("end_date", "'1999-01-01'"),
    ],
)
def test_programme_checks(session, column, value):
    programme = make_programme(session, start_date=date(2025, 1, 1))
    expect_integrity_error(
        session, f"UPDATE loan_programmes SET {column} = {value} WHERE id = :id", {"id": programme.id}
    )


@pytest.mark.parametrize(
    ("column", "value"), [("amount", -100), ("subsidy_share", 0), ("subsidy_share", 1.5), ("end_date", "'2020-01-01'")]
)
def test_partnership_checks(session, column, value):
    partnership = make_partnership(session, start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    expect_integrity_error(
        session, f"UPDATE partnerships SET {column} = {value} WHERE id = :id", {"id": partnership.id}
    )


def test_loan_report_checks(session):
    programme = make_programme(session)
    session.add(LoanReport(programme=programme, period_start=date(2025, 1, 1), period_end=date(2025, 3, 31)))
    session.flush()
    for statement in (
        "UPDATE loan_reports SET amount_granted = -1",
        "UPDATE loan_reports SET loans_granted = -1",
        "UPDATE loan_reports SET period_end = '2024-12-31'",
    ):
        expect_integrity_error(session, statement)


def test_partner_user_must_have_an_actor(session):
    expect_integrity_error(
        session,
        "INSERT INTO users (email, full_name, role, active, session_token, created_at, updated_at, version) "
        "VALUES ('p@example.org', '', 'partner', true, 'x', '2025-01-01', '2025-01-01', 1)",
    )


def test_user_email_stored_lower_case(session):
    expect_integrity_error(
        session,
        "INSERT INTO users (email, full_name, role, active, session_token, created_at, updated_at, version) "
        "VALUES ('Upper@Example.org', '', 'officer', true, 'x', '2025-01-01', '2025-01-01', 1)",
    )


def test_unknown_role_refused(session):
    expect_integrity_error(
        session,
        "INSERT INTO users (email, full_name, role, active, session_token, created_at, updated_at, version) "
        "VALUES ('x@example.org', '', 'superuser', true, 'x', '2025-01-01', '2025-01-01', 1)",
    )


def test_foreign_key_violation_refused(session):
    actor = make_actor(session)
    expect_integrity_error(session, "UPDATE actors SET legal_form_id = 99999 WHERE id = :id", {"id": actor.id})
    expect_integrity_error(session, "INSERT INTO actor_axes (actor_id, axis_id) VALUES (:id, 99999)", {"id": actor.id})


def test_legal_form_in_use_cannot_be_deleted(session):
    make_actor(session)
    form = ref(session, LegalForm, "association")
    expect_integrity_error(session, "DELETE FROM legal_forms WHERE id = :id", {"id": form.id})


def test_axis_in_use_cannot_be_deleted(session):
    make_actor(session, axes=["former"])
    axis = ref(session, Axis, "former")
    expect_integrity_error(session, "DELETE FROM axes WHERE id = :id", {"id": axis.id})


def test_actor_with_partnership_or_initiative_cannot_be_deleted(session):
    with_partnership = make_partnership(session).actor
    with_initiative = make_initiative(session).lead_actor
    for actor in (with_partnership, with_initiative):
        expect_integrity_error(session, "DELETE FROM actors WHERE id = :id", {"id": actor.id})


def test_deleting_actor_cascades_to_contacts_and_axes(session):
    actor = make_actor(session, axes=["former", "echanger"])
    make_contact(session, actor)
    actor_id = actor.id
    session.execute(sa.text("DELETE FROM actors WHERE id = :id"), {"id": actor_id})
    assert session.scalar(sa.select(sa.func.count()).select_from(Contact).where(Contact.actor_id == actor_id)) == 0
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(actor_axes).where(actor_axes.c.actor_id == actor_id)) == 0
    )


def test_deleting_quartier_sets_actor_quartier_to_null(session):
    actor = make_actor(session, quartier="wazemmes")
    quartier = ref(session, Quartier, "wazemmes")
    session.execute(sa.text("DELETE FROM quartiers WHERE id = :id"), {"id": quartier.id})
    session.expire_all()
    assert session.get(Actor, actor.id).quartier_id is None


def test_deleting_initiative_unlinks_partnerships(session):
    initiative = make_initiative(session)
    partnership = make_partnership(session, actor=initiative.lead_actor, initiative=initiative)
    session.execute(sa.text("DELETE FROM initiatives WHERE id = :id"), {"id": initiative.id})
    session.expire_all()
    assert session.get(Partnership, partnership.id).initiative_id is None


def test_programme_with_reports_cannot_be_deleted(session):
    programme = make_programme(session)
    session.add(LoanReport(programme=programme, period_start=date(2025, 1, 1), period_end=date(2025, 3, 31)))
    session.flush()
    expect_integrity_error(session, "DELETE FROM loan_programmes WHERE id = :id", {"id": programme.id})


def test_actor_with_user_account_cannot_be_deleted(session):
    actor = make_actor(session)
    session.add(User(email="p@example.org", role=Role.PARTNER, actor=actor))
    session.flush()
    expect_integrity_error(session, "DELETE FROM actors WHERE id = :id", {"id": actor.id})


def test_money_is_exact_decimal(session):
    partnership = make_partnership(session, amount=Decimal("0.1") + Decimal("0.2"))
    session.commit()
    session.expire_all()
    amount = session.get(Partnership, partnership.id).amount
    assert isinstance(amount, Decimal)
    assert amount == Decimal("0.30")


def test_version_counter_refuses_stale_update(app, session):
    actor = make_actor(session, name="Version un")
    session.commit()
    assert actor.version == 1
    session.expunge(actor)  # keep what this officer loaded, as a form would
    session.rollback()
    with sa.orm.Session(session.get_bind()) as other:  # a second officer saves first
        other_actor = other.get(Actor, actor.id)
        other_actor.name = "Changé ailleurs"
        other.commit()
        assert other_actor.version == 2
    session.add(actor)
    actor.name = "Version deux"
    with pytest.raises(StaleDataError):
        session.flush()
    session.rollback()
    assert session.get(Actor, actor.id).name == "Changé ailleurs"


@pytest.mark.parametrize("model", [Actor, Contact, Initiative, LoanProgramme, LoanReport, Partnership, User, Axis])
def test_every_mutable_record_has_a_version_counter(model):
    assert model.__mapper__.version_id_col is not None


def test_partnership_kind_stored_as_value(session):
    partnership = make_partnership(session, kind=PartnershipKind.PREMISES)
    value = session.execute(sa.text("SELECT kind FROM partnerships WHERE id = :id"), {"id": partnership.id}).scalar()
    assert value == "premises"


def test_changing_only_links_moves_the_version(session):
    actor = make_actor(session, axes=["former"])
    session.commit()
    assert actor.version == 1
    actor.axes.append(ref(session, Axis, "echanger"))
    session.commit()
    assert actor.version == 2
    actor.axes = [a for a in actor.axes if a.code != "former"]
    session.commit()
    assert actor.version == 3


def test_changing_only_an_initiatives_partners_moves_its_version(session):
    from registry.models import InitiativePartner

    initiative = make_initiative(session)
    session.commit()
    initiative.partners.append(InitiativePartner(actor=make_actor(session), role="Co-porteur"))
    session.commit()
    assert initiative.version == 2
