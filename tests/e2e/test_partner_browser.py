"""The partner space in a real browser: a partner signs in, edits its description (and places itself on the map),
edits a contact, sees both on the public page; an officer then finds the changes in the review queue.
Screenshots of the dashboard, the profile form and the contacts page at 1280 and 375 px."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from registry.extensions import db
from registry.models import PartnershipStatus
from tests.e2e.conftest import screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    luhn_siret,
    make_actor,
    make_contact,
    make_initiative,
    make_partnership,
    make_user,
)

DESCRIPTION = "Chantiers d'insertion, entretien des espaces verts et services aux habitants de Fives depuis 1998."


@pytest.fixture
def registry_data(app):
    with app.app_context():
        actor = make_actor(
            db.session,
            name="Régie de quartier de Fives",
            siret=luhn_siret(),
            axes=["entreprendre"],
            quartier="fives",
            sectors=["batiment"],
            address="12 rue Pierre Legrand",
            postcode="59800",
            commune="Lille",
            description="Régie de quartier.",
        )
        make_contact(db.session, actor, full_name="Camille Martin", role="Directrice", phone="03 20 49 50 00")
        make_contact(db.session, actor, full_name="Samir Benali", role="Encadrant technique")
        for n, (kind_object, amount) in enumerate([("Soutien au fonctionnement 2025", 42000),
                                                   ("Chantier d'insertion espaces verts", 18500)]):  # fmt: skip
            make_partnership(
                db.session,
                actor=actor,
                object=kind_object,
                amount=Decimal(amount),
                convention_date=date(2025, 2 + n, 1),
                start_date=date(2025, 3, 1),
                end_date=date(2025, 12, 31),
                status=PartnershipStatus.ACTIVE,
            )
        make_initiative(db.session, lead=actor, title="Fives propre : chantiers d'insertion")
        partner = make_user(db.session, role="partner", actor=actor, full_name="Camille Martin")
        officer = make_user(db.session, role="officer", full_name="Agathe Agent")
        db.session.commit()
        return {"slug": actor.slug, "partner": partner.email, "officer": officer.email}


@pytest.fixture
def open_page(watched):
    return watched


def sign_in(page, email):
    page.goto("/connexion")
    page.get_by_label("Adresse électronique", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_partner_edits_profile_and_contact_and_officer_reviews(open_page, registry_data):
    page = open_page()
    sign_in(page, registry_data["partner"])
    page.wait_for_url("**/espace-partenaire/")
    assert "Votre fiche est complète à" in page.content()
    screenshot(page, "partner-dashboard-1280")

    page.get_by_role("link", name="Ma fiche", exact=True).click()
    page.get_by_label("Présentation de la structure").fill(DESCRIPTION)
    page.get_by_label("Site web").fill("regie-fives.fr")
    # The map picker fills the coordinates (the fields also work without JavaScript).
    page.locator("#position-carte").click(position={"x": 200, "y": 120})
    assert page.get_by_label("Latitude", exact=True).input_value() != ""
    screenshot(page, "partner-profile-1280")
    page.get_by_role("button", name="Enregistrer ma fiche").click()
    page.wait_for_url("**/espace-partenaire/")
    assert "Modification enregistrée" in page.content()

    page.get_by_role("navigation", name="Espace partenaire").get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Modifier Camille Martin").click()
    assert "Mention d'information" in page.content()
    page.get_by_label("Fonction", exact=True).fill("Directrice générale")
    page.get_by_label("Visible publiquement", exact=False).check()
    page.get_by_role("button", name="Enregistrer le contact").click()
    page.wait_for_url("**/espace-partenaire/contacts/")
    assert "Visible publiquement" in page.content()
    screenshot(page, "partner-contacts-1280")
    page.once("dialog", lambda dialog: dialog.accept())  # "Supprimer le contact « Samir Benali » ?"
    page.get_by_role("button", name="Supprimer Samir Benali").click()
    page.wait_for_load_state()
    assert "Le contact « Samir Benali » a été supprimé." in page.content()
    assert page.csp.violations(page) == []

    public = open_page()
    public.goto(f"/acteurs/{registry_data['slug']}")
    content = public.content()
    assert DESCRIPTION.replace("'", "&#39;") in content or DESCRIPTION in content
    assert "Camille Martin" in content and "Directrice générale" in content and "Samir Benali" not in content

    officer = open_page()
    sign_in(officer, registry_data["officer"])
    officer.goto("/admin/a-relire/")
    queue = officer.content()
    assert "Régie de quartier de Fives" in queue and "Camille Martin" in queue
    assert "Directrice générale" in queue and "services aux habitants de Fives" in queue and "Samir Benali" in queue
    screenshot(officer, "partner-review-queue-officer-1280")
    officer.goto(f"/admin/donnees-personnelles/?email={registry_data['partner']}")
    assert "Comptes (1)" in officer.content()
    screenshot(officer, "personal-data-officer-1280")
    assert officer.csp.violations(officer) == []


def test_partner_pages_on_a_phone(app, open_page, registry_data):
    page = open_page(width=375, height=812)
    sign_in(page, registry_data["partner"])
    page.wait_for_url("**/espace-partenaire/")
    phone_pages = (
        ("/espace-partenaire/", "partner-dashboard-375"),
        ("/espace-partenaire/profil", "partner-profile-375"),
        ("/espace-partenaire/contacts/", "partner-contacts-375"),
        ("/espace-partenaire/contacts/nouveau", "partner-contact-form-375"),
        ("/espace-partenaire/partenariats", "partner-partnerships-375"),
    )
    for url, name in phone_pages:
        page.goto(url)
        # Nothing wider than the screen: no horizontal scrolling on a phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url} is {width}px wide"
        screenshot(page, name)
    for width in (360,):
        page.set_viewport_size({"width": width, "height": 740})
        page.goto("/espace-partenaire/profil")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    # An officer saves the profile while the partner's form is open: the partner sees what changed, on a phone.
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/espace-partenaire/profil")
    with app.app_context():
        from registry.models import Actor

        actor = db.session.query(Actor).filter_by(slug=registry_data["slug"]).one()
        actor.website = "https://www.regie-fives.example.org"
        db.session.commit()
    page.get_by_label("Site web").fill("regie-fives.fr")
    page.get_by_role("button", name="Enregistrer ma fiche").click()
    page.wait_for_load_state()
    assert page.locator(".conflict").count() == 1 and "regie-fives.example.org" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "partner-conflict-375")
    assert page.csp.violations(page) == []
