"""« Compléter depuis le répertoire Sirene » and « Géolocaliser l'adresse » in a real browser, against a loopback
HTTP server answering in the services' formats: the comparison side by side, values applied field by field (and
only then), the proposed position put into the fields (and the partner's map), zero CSP violations. Screenshots in
bench/out/screenshots/ (sirene-comparaison, geocodage-resultat, partenaire-geocodage-score-faible)."""

from __future__ import annotations

import pytest

from registry.extensions import db
from registry.models import Actor
from tests.connectors_support import SIRET, feature, geocode_answer, sirene_answer, sirene_result
from tests.e2e.conftest import screenshot
from tests.factories import DEFAULT_PASSWORD, make_actor, make_user

DESCRIPTION = "Chantiers d'insertion et services aux habitants de Fives depuis 1998."


@pytest.fixture
def people(app):
    with app.app_context():
        actor = make_actor(db.session, name="Régie de quartier de Fives", siret=SIRET, address="12 rue P. Legrand",
                           postcode="59800", commune="Lille", quartier="fives",
                           description=DESCRIPTION)  # fmt: skip
        officer = make_user(db.session, role="officer", full_name="Agathe Agent")
        partner = make_user(db.session, role="partner", actor=actor, full_name="Camille Martin")
        db.session.commit()
        return {"actor": actor.id, "officer": officer.email, "partner": partner.email}


def sign_in(page, email: str) -> None:
    page.goto("/connexion")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_officer_fills_the_actor_form_from_the_register_and_the_geocoder(watched, app, services, people):
    services.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result()))
    services.expect_request("/geocodage/search").respond_with_json(geocode_answer(feature(score=0.96)))
    page = watched()
    sign_in(page, people["officer"])
    page.goto(f"/admin/actor/edit/?id={people['actor']}")
    page.get_by_role("button", name="Compléter depuis le répertoire Sirene").click()
    table = page.locator("table.sirene-comparison")
    table.wait_for()
    assert "Établissement actif au répertoire Sirene." in page.content()
    address_row = table.locator("tr[data-field=address]")
    assert "12 rue P. Legrand" in address_row.inner_text() and "12 rue Pierre Legrand" in address_row.inner_text()
    assert page.input_value("#address") == "12 rue P. Legrand"  # nothing filled before a click
    table.scroll_into_view_if_needed()
    screenshot(page, "sirene-comparaison", full_page=False)
    address_row.get_by_role("button", name="Appliquer").click()
    table.locator("tr[data-field=ape_code]").get_by_role("button", name="Appliquer").click()
    assert page.input_value("#address") == "12 rue Pierre Legrand"
    assert page.input_value("#ape_code") == "88.99B"
    assert page.input_value("#founding_year") == ""  # not applied: left as it was
    page.get_by_role("button", name="Géolocaliser l'adresse").click()
    result = page.locator(".geocode-result")
    result.wait_for()
    assert "score 0,96 sur 1" in result.inner_text()
    result.get_by_role("button", name="Utiliser cette position").click()
    assert (page.input_value("#latitude"), page.input_value("#longitude")) == ("50,631912", "3,087654")
    result.scroll_into_view_if_needed()
    screenshot(page, "geocodage-resultat", full_page=False)
    assert page.csp.violations(page) == []
    with app.app_context():
        assert db.session.get(Actor, people["actor"]).latitude is None  # only the person's save writes
    page.locator("form.admin-form input[type=submit]").first.click()
    page.wait_for_load_state()
    with app.app_context():
        saved = db.session.get(Actor, people["actor"])
        assert (saved.address, saved.ape_code, saved.latitude) == ("12 rue Pierre Legrand", "88.99B", 50.631912)
    assert page.csp.violations(page) == []


def test_partner_sees_a_low_score_and_what_only_the_city_may_change(watched, app, services, people):
    services.expect_request("/sirene/search").respond_with_json(sirene_answer(sirene_result()))
    services.expect_request("/geocodage/search").respond_with_json(
        geocode_answer(feature(score=0.42, kind="street", label="Rue Pierre Legrand 59800 Lille"))
    )
    page = watched()
    sign_in(page, people["partner"])
    page.goto("/espace-partenaire/profil")
    page.get_by_role("button", name="Compléter depuis le répertoire Sirene").click()
    table = page.locator("table.sirene-comparison")
    table.wait_for()
    assert "Tenu par la Ville" in table.locator("tr[data-field=ape_code]").inner_text()
    assert table.locator("tr[data-field=address]").get_by_role("button", name="Appliquer").count() == 1
    page.get_by_role("button", name="Géolocaliser l'adresse").click()
    result = page.locator(".geocode-result")
    result.wait_for()
    assert "Score faible" in result.inner_text()
    result.get_by_role("button", name="Utiliser cette position").click()
    assert page.input_value("#latitude") == "50,631912"
    result.scroll_into_view_if_needed()
    screenshot(page, "partenaire-geocodage-score-faible", full_page=False)
    assert page.csp.violations(page) == []
