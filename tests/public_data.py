"""A small, crafted public data set: accents and cases to search, filters to combine, and records the public
must never see (unpublished, archived, led by a hidden actor, contacts without consent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from registry.models import ActorStatus, InitiativePartner, LegalForm, LoanReport
from tests.factories import make_actor, make_contact, make_initiative, make_programme, ref

#: Words that only hidden records carry: none may appear in any public answer.
SECRET_WORDS = (
    "Cachée",
    "Archivée",
    "Fantôme",
    "secret-contact",
    "Dominique Privé",
    "prive@example.org",
    "Initiative Masquée",
    "Prêt Caché",
    "Partenaire Invisible",
)


@dataclass
class PublicData:
    regie: object
    economie: object
    velo: object
    cooperative: object
    hidden: object
    archived: object
    invisible_partner: object
    initiative: object
    hidden_initiative: object
    orphan_initiative: object
    programme: object
    hidden_programme: object
    public_contact: object
    private_contact: object


def build(session) -> PublicData:
    """Create the data set and flush it (the caller commits)."""
    today = date.today()
    cooperative_form = ref(session, LegalForm, "scic")
    regie = make_actor(
        session,
        name="Régie de Quartier de Fives",
        description="Entretien des espaces et insertion par l'activité économique à Fives.",
        axes=["entreprendre", "former"],
        sectors=["insertion", "batiment"],
        quartier="fives",
        address="12 rue Pierre Legrand",
        postcode="59800",
        commune="Lille",
        latitude=50.6301,
        longitude=3.0885,
        website="https://regie-fives.example.org",
        esus_date=today - timedelta(days=400),
    )
    economie = make_actor(
        session,
        name="Maison de l'Économie Solidaire",
        description="Accompagnement des porteurs de projets.",
        axes=["financer"],
        sectors=["finance-solidaire"],
        quartier="wazemmes",
        latitude=50.6246,
        longitude=3.0524,
    )
    velo = make_actor(
        session,
        name="Atelier Vélo Solidaire",
        description="Réparation de vélos et mobilité douce, économie circulaire.",
        axes=["consommer"],
        sectors=["transports", "reemploi"],
        quartier="wazemmes",
        latitude=50.6230,
        longitude=3.0550,
        esus_date=today - timedelta(days=6 * 365),  # expired agrément
    )
    cooperative = make_actor(
        session,
        name="Énergies Citoyennes Lilloises",
        description="Coopérative de production d'énergie renouvelable.",
        legal_form=cooperative_form,
        axes=["financer", "consommer"],
        sectors=["energies-renouvelables"],
        quartier="lomme",
    )
    hidden = make_actor(session, name="Association Cachée de Fives", published=False, quartier="fives", axes=["former"])
    archived = make_actor(
        session, name="Régie Archivée", status=ActorStatus.ARCHIVED, quartier="fives", latitude=50.63, longitude=3.08
    )
    invisible_partner = make_actor(session, name="Partenaire Invisible", published=False)
    public_contact = make_contact(
        session, regie, full_name="Camille Martin", role="Directrice", email="camille@regie.example.org", public=True
    )
    private_contact = make_contact(
        session, regie, full_name="Dominique Privé", role="secret-contact", email="prive@example.org", public=False
    )
    initiative = make_initiative(
        session,
        lead=regie,
        title="Atelier de réemploi de Fives",
        summary="Un atelier ouvert aux habitants.",
        axes=["consommer"],
        quartiers=["fives"],
        jobs_created=3,
    )
    initiative.partners = [
        InitiativePartner(actor=economie, role="Financement"),
        InitiativePartner(actor=invisible_partner, role="Fantôme"),
    ]
    make_initiative(session, lead=economie, title="Forum de la finance éthique", city_wide=True, quartiers=[])
    hidden_initiative = make_initiative(session, lead=regie, title="Initiative Masquée", published=False)
    orphan_initiative = make_initiative(session, lead=hidden, title="Projet Fantôme", quartiers=["fives"])
    programme = make_programme(
        session,
        lender=economie,
        name="Prêt Mobilité Emploi",
        purposes=["mobility", "training"],
        target_public="Demandeurs d'emploi",
        min_amount=Decimal("300"),
        max_amount=Decimal("5000"),
        max_duration_months=36,
        nominal_rate=Decimal("4.5"),
        borrower_rate=Decimal("0"),
        eligibility="Être inscrit comme demandeur d'emploi.\n\nHabiter Lille, Hellemmes ou Lomme.",
        how_to_apply="Prendre rendez-vous avec un conseiller au 03 20 12 34 56 ou écrire à "
        "pret-mobilite-emploi@example.org ; le formulaire est sur https://maison-economie.example.org/pret.",
    )
    hidden_programme = make_programme(session, lender=economie, name="Prêt Caché", published=False)
    session.add(
        LoanReport(
            programme=programme,
            period_start=date(today.year, 1, 1),
            period_end=date(today.year, 3, 31),
            loans_granted=12,
            amount_granted=Decimal("24000"),
        )
    )
    session.add(
        LoanReport(
            programme=hidden_programme,
            period_start=date(today.year, 1, 1),
            period_end=date(today.year, 3, 31),
            loans_granted=500,
            amount_granted=Decimal("1"),
        )
    )
    session.flush()
    return PublicData(
        regie=regie,
        economie=economie,
        velo=velo,
        cooperative=cooperative,
        hidden=hidden,
        archived=archived,
        invisible_partner=invisible_partner,
        initiative=initiative,
        hidden_initiative=hidden_initiative,
        orphan_initiative=orphan_initiative,
        programme=programme,
        hidden_programme=hidden_programme,
        public_contact=public_contact,
        private_contact=private_contact,
    )
