"""The back office in a real browser: screenshots of the actors list, an actor form, a conflict and the
dashboard (bench/out/screenshots/, for people to look at), with a few checks of what a user sees."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from registry.extensions import db
from registry.models import Actor, LoanReport, PartnershipStatus
from tests.e2e.conftest import screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    luhn_siret,
    make_actor,
    make_contact,
    make_initiative,
    make_partnership,
    make_programme,
    make_user,
)

ACTORS = [
    ("Régie de quartier de Fives", ["entreprendre", "echanger"], "fives", ["batiment"]),
    ("Atelier Vélo Solidaire de Wazemmes", ["consommer"], "wazemmes", ["transports"]),
    ("Épicerie Solidaire des Moulins", ["consommer", "echanger"], "lille-moulins", []),
    ("Coopérative d'Énergie Citoyenne du Vieux-Lille", ["consommer"], "vieux-lille", []),
    ("Jardin Partagé de Lille-Sud", ["echanger"], "lille-sud", []),
    ("Ressourcerie de Lomme", ["entreprendre"], "lomme", []),
]


@pytest.fixture
def officer(app):
    """A demo-like registry and an officer's e-mail."""
    today = date.today()
    with app.app_context():
        actors = []
        for n, (name, axes, quartier, sectors) in enumerate(ACTORS):
            actor = make_actor(
                db.session,
                name=name,
                axes=axes,
                quartier=quartier,
                sectors=sectors,
                siret=luhn_siret(),
                esus_date=today - timedelta(days=5 * 365 - 40) if n == 1 else None,
            )
            actors.append(actor)
        make_contact(db.session, actors[0], full_name="Camille Martin", role="Directrice", phone="03 20 49 50 00")
        make_initiative(db.session, lead=actors[0], title="Régie de quartier de Fives : chantiers d'insertion")
        for n, actor in enumerate(actors * 3):
            make_partnership(
                db.session,
                actor=actor,
                amount=Decimal(5000 + 2500 * n),
                convention_date=date(2021 + n % 5, 3, 1),
                start_date=date(2021 + n % 5, 3, 1),
                end_date=today + timedelta(days=30 + 40 * n),
                status=PartnershipStatus.ACTIVE,
                object=f"Soutien au fonctionnement {2021 + n % 5}",
            )
        programme = make_programme(db.session, lender=actors[1], name="Prêt mobilité bonifié")
        for quarter in range(4):
            start = date(2025, 1 + 3 * quarter, 1)
            db.session.add(
                LoanReport(
                    programme=programme,
                    period_start=start,
                    period_end=start + timedelta(days=80),
                    loans_granted=5 + quarter,
                    amount_granted=Decimal(6000 + 1000 * quarter),
                )
            )
        user = make_user(db.session, role="officer", full_name="Agathe Agent")
        db.session.commit()
        return user.email


def sign_in(page, email: str) -> None:
    page.goto("/connexion")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")


def test_admin_screens(page, app, officer):
    sign_in(page, officer)
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot(page, "admin-dashboard")
    assert page.locator("svg.chart").count() == 4

    page.goto("/admin/actor/")
    assert "Liste (6)" in page.locator(".nav-tabs").inner_text()
    assert page.locator("text=Créer").count() >= 1
    screenshot(page, "admin-actors-list")

    page.goto("/admin/actor/?search=regie")
    assert page.locator("table.model-list tbody tr").count() == 1

    with app.app_context():
        actor_id = db.session.query(Actor.id).filter(Actor.name.like("Régie%")).scalar()
    page.goto(f"/admin/actor/edit/?id={actor_id}")
    assert page.locator("h3", has_text="Identité").count() == 1
    screenshot(page, "admin-actor-edit")

    # Someone else saves the record while the form is open: saving gives a conflict, not an overwrite.
    with app.app_context():
        actor = db.session.get(Actor, actor_id)
        actor.name = "Régie de quartier de Fives (modifiée ailleurs)"
        db.session.commit()
    page.fill("input[name=name]", "Mon nouveau nom")
    page.click("input[type=submit][value='Enregistrer'], button[type=submit]:has-text('Enregistrer')")
    assert page.locator(".conflict").count() == 1
    screenshot(page, "admin-conflict")
    with app.app_context():
        assert db.session.get(Actor, actor_id).name == "Régie de quartier de Fives (modifiée ailleurs)"


def test_admin_on_a_phone(browser, live_server, officer):
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, officer)
        page.goto("/admin/actor/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 420  # the table scrolls inside its box, the page does not
        screenshot(page, "admin-actors-list-phone")
    finally:
        context.close()


def test_pending_conventions_on_the_export_page_and_the_dashboard(page, app, officer):
    """Conventions that must be published but cannot be: listed with the reason and the record that fixes it."""
    with app.app_context():
        regie = make_actor(db.session, name="Régie de quartier de Fives (sans SIRET)", siret=None)
        for amount in ("240000", "62000"):
            make_partnership(
                db.session, actor=regie, amount=Decimal(amount), status=PartnershipStatus.SIGNED,
                convention_date=date(2025, 2, 1), object="Chantiers d'insertion",
            )  # fmt: skip
        db.session.commit()
    sign_in(page, officer)
    assert "2 conventions à publier" in page.locator(".alert-warning").all_inner_texts()[-1]
    page.get_by_role("link", name="Voir la liste et corriger").click()
    table = page.locator("#conventions-en-attente table")
    assert table.locator("tbody tr").count() == 2
    assert "Bénéficiaire sans SIRET ni numéro RNA" in table.inner_text()
    screenshot(page, "admin-export-pending-conventions")
    table.get_by_role("link", name="Ajouter le SIRET ou le RNA").first.click()
    page.wait_for_url("**/admin/actor/edit/**")
    assert "ni SIRET ni numéro RNA" in page.locator(".alert").all_inner_texts()[0]
    screenshot(page, "admin-actor-form-scdl-warning")
