"""Record-level rules shared by every writer: normalisation and French messages per field."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from registry.models import (
    Actor,
    Contact,
    Initiative,
    LegalForm,
    LoanProgramme,
    LoanReport,
    Partnership,
    PartnershipKind,
)
from registry.services.records.actors import clean_actor, clean_contact
from registry.services.records.errors import ValidationErrors
from registry.services.records.initiatives import clean_initiative
from registry.services.records.loans import clean_programme, clean_report
from registry.services.records.partnerships import clean_partnership
from tests.factories import luhn_siret, make_actor, make_partnership, make_programme, ref


def errors_of(func, session, obj) -> dict[str, str]:
    with pytest.raises(ValidationErrors) as info:
        func(session, obj)
    return info.value.errors


def test_actor_is_normalised(session):
    siret = luhn_siret()
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    actor = Actor(
        name="  La Tartine Solidaire  ",
        legal_form=ref(session, LegalForm, "association"),
        siret=spaced,
        rna="w595012345",
        ape_code="8810a",
        phone="+33 3 20 49 50 00",
        email="Contact@Example.ORG",
        website="tartine.example.org",
        postcode=59000,
    )
    session.add(actor)
    clean_actor(session, actor)
    assert (actor.name, actor.siret, actor.rna, actor.ape_code) == (
        "La Tartine Solidaire",
        siret,
        "W595012345",
        "88.10A",
    )
    assert (actor.phone, actor.email, actor.website, actor.postcode) == (
        "03 20 49 50 00",
        "contact@example.org",
        "https://tartine.example.org",
        "59000",
    )
    assert actor.slug == "la-tartine-solidaire"


def test_actor_reports_every_wrong_field_at_once(session):
    actor = Actor(name="", siret="123", email="pas-un-courriel", founding_year=2999, employees=-1, latitude=50.6)
    session.add(actor)
    errors = errors_of(clean_actor, session, actor)
    assert set(errors) >= {"name", "legal_form", "siret", "email", "founding_year", "employees", "longitude"}
    assert errors["name"] == "Le nom est obligatoire."
    assert "14 chiffres" in errors["siret"]


def test_actor_duplicate_siret_names_the_other_actor(session):
    siret = luhn_siret()
    make_actor(session, name="Premier", siret=siret)
    second = Actor(name="Second", legal_form=ref(session, LegalForm, "association"), siret=siret)
    session.add(second)
    assert errors_of(clean_actor, session, second)["siret"] == "Ce SIRET est déjà celui de l'acteur « Premier »."


def test_actor_esus_date_not_in_future(session):
    actor = Actor(
        name="X", legal_form=ref(session, LegalForm, "association"), esus_date=date.today() + timedelta(days=1)
    )
    session.add(actor)
    assert "futur" in errors_of(clean_actor, session, actor)["esus_date"]


def test_contact_public_records_consent(session):
    actor = make_actor(session)
    contact = Contact(actor=actor, full_name="Nadia Démo", public=True, phone="0320495000")
    session.add(contact)
    clean_contact(session, contact)
    assert contact.consent_at is not None and contact.phone == "03 20 49 50 00"
    contact.public = False
    clean_contact(session, contact)
    assert contact.consent_at is None


def test_initiative_rules(session):
    lead = make_actor(session)
    initiative = Initiative(
        title="Atelier",
        lead_actor=lead,
        start_date=date(2025, 6, 1),
        end_date=date(2025, 1, 1),
        budget=Decimal("1000"),
        city_funding=Decimal("2000"),
    )
    session.add(initiative)
    errors = errors_of(clean_initiative, session, initiative)
    assert "antérieure" in errors["end_date"]
    assert errors["city_funding"] == "Le financement de la Ville ne peut pas dépasser le budget total."


def test_programme_rules(session):
    lender = make_actor(session)
    programme = LoanProgramme(
        name="Prêt",
        lender=lender,
        min_amount=Decimal("5000"),
        max_amount=Decimal("300"),
        nominal_rate=Decimal("2"),
        borrower_rate=Decimal("3"),
        purposes=["mobility", "teleportation"],
    )
    session.add(programme)
    errors = errors_of(clean_programme, session, programme)
    assert set(errors) == {"max_amount", "borrower_rate", "purposes"}


def test_report_rules(session):
    programme = make_programme(session)
    report = LoanReport(programme=programme, period_start=date(2025, 4, 1), period_end=date(2025, 3, 31))
    session.add(report)
    assert "antérieure" in errors_of(clean_report, session, report)["period_end"]


def test_partnership_gets_a_reference_and_checks_object_length(session):
    first = make_partnership(session, convention_date=date(2025, 2, 1))
    second = make_partnership(session, convention_date=date(2025, 5, 1))
    assert (first.ref, second.ref) == ("PART-2025-001", "PART-2025-002")
    long_one = Partnership(actor=first.actor, kind=PartnershipKind.OTHER, object="x" * 300)
    session.add(long_one)
    assert "trop long" in errors_of(clean_partnership, session, long_one)["object"]


def test_partnership_reference_is_unique(session):
    first = make_partnership(session)
    other = Partnership(actor=first.actor, kind=PartnershipKind.OTHER, object="Autre", ref=first.ref.lower())
    session.add(other)
    assert "déjà utilisée" in errors_of(clean_partnership, session, other)["ref"]


def test_partnership_negative_amount(session):
    actor = make_actor(session)
    partnership = Partnership(actor=actor, kind=PartnershipKind.OTHER, object="Test", amount="-12,50")
    session.add(partnership)
    assert "supérieure ou égale à 0" in errors_of(clean_partnership, session, partnership)["amount"]
