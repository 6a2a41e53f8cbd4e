"""The public site in a real browser: a visitor's journey, screenshots at two widths, and axe-core."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests import public_data
from tests.e2e.conftest import screenshot

WIDTHS = {"desktop": 1280, "mobile": 375}
LEGAL_PAGES = ("/mentions-legales", "/accessibilite", "/donnees-personnelles", "/plan-du-site", "/contact")
TILES = re.compile(r"^https?://[a-z.]*tile\.openstreetmap\.org/")


def plain(text: str) -> str:
    """Text with the French narrow and no-break spaces made ordinary."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


@pytest.fixture
def offline_tiles(page):
    """The map's tile server is unreachable (as on a machine without network)."""
    page.route(TILES, lambda route: route.abort())
    return page


def test_visitor_searches_filters_opens_an_actor_and_simulates_a_loan(page, data, offline_tiles):
    page.goto("/acteurs/")
    page.get_by_label("Mots-clés").fill("regie")
    page.get_by_role("button", name="Afficher les résultats").click()
    results = page.locator("ol.result-list")
    assert "Régie de Quartier de Fives" in results.inner_text()
    assert "Régie Archivée" not in page.content()

    page.get_by_label("Mots-clés").fill("")
    page.get_by_label("Axe du plan").select_option("financer")
    page.get_by_label("Quartier").select_option("wazemmes")
    page.get_by_role("button", name="Afficher les résultats").click()
    assert "axe=financer" in page.url and "quartier=wazemmes" in page.url
    names = results.locator("h2").all_inner_texts()
    assert names == ["Maison de l'Économie Solidaire"]

    page.go_back()
    assert "q=regie" in page.url
    assert "Régie de Quartier de Fives" in results.inner_text()

    page.get_by_role("link", name="Régie de Quartier de Fives").click()
    assert page.locator("h1").inner_text() == "Régie de Quartier de Fives"
    aside = page.locator("aside").inner_text()
    assert "Camille Martin" in aside and "Dominique Privé" not in page.content()

    page.goto(f"/prets/{data.programme.slug}")
    page.get_by_label("Montant emprunté (en euros)").fill("1 200")
    page.get_by_label("Durée (en mois)").fill("12")
    page.get_by_role("button", name="Calculer").click()
    result = page.locator(".simulation-result")
    result.wait_for()
    text = result.inner_text()
    assert "100,00" in text  # 1 200 € at 0 % over 12 months
    assert "Économie grâce à la Ville" in text
    assert "montant=1+200" in page.url or "montant=1%20200" in page.url

    page.get_by_label("Montant emprunté (en euros)").fill("9000")
    page.get_by_role("button", name="Calculer").click()
    page.locator("#simulateur-erreurs").wait_for()
    assert "ne peut pas dépasser 5 000,00 €" in plain(page.locator("#simulateur").inner_text())


def test_simulator_works_without_javascript(browser, live_server, data):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(f"/prets/{data.programme.slug}")
    page.get_by_label("Montant emprunté (en euros)").fill("1000")
    page.get_by_label("Durée (en mois)").fill("10")
    page.get_by_role("button", name="Calculer").click()
    assert "100,00" in page.locator(".simulation-result").inner_text()
    context.close()


def test_map_without_tiles_still_lists_the_actors(page, data, offline_tiles):
    page.goto("/carte/?quartier=wazemmes")
    page.locator(".leaflet-container").wait_for()
    status = page.locator("#carte-etat")
    status.filter(has_text="Le fond de carte n'a pas pu être chargé").wait_for(timeout=15_000)
    listing = page.locator("ul.result-list").inner_text()
    assert "Atelier Vélo Solidaire" in listing and "Maison de l'Économie Solidaire" in listing
    assert "Régie de Quartier de Fives" not in listing
    page.locator("#carte[data-markers='2']").wait_for()  # the markers are drawn all the same


def _public_pages(data) -> dict[str, str]:
    return {
        "home": "/",
        "directory": "/acteurs/",
        "directory-search": "/acteurs/?q=solidaire&axe=consommer",
        "actor": f"/acteurs/{data.regie.slug}",
        "initiatives": "/initiatives/",
        "initiative": f"/initiatives/{data.initiative.slug}",
        "loans": "/prets/",
        "loan": f"/prets/{data.programme.slug}?montant=1500&duree=24#simulateur",
        "loan-errors": f"/prets/{data.programme.slug}?montant=abc&duree=999#simulateur",
        "map": "/carte/",
        "open-data": "/donnees/",
        "search": "/recherche?q=fives",
        "sign-in": "/connexion",
        "not-found": "/acteurs/inconnu",
        "report": f"/acteurs/{data.regie.slug}/signaler",
        "report-thanks": f"/signalement/merci?retour=/acteurs/{data.regie.slug}",
        "directory-sorted": "/acteurs/?tri=maj&page=99",
        **{f"legal-{path.strip('/')}": path for path in LEGAL_PAGES},
    }


def test_screenshots_at_two_widths(page, data, offline_tiles):
    shots = ("home", "directory", "actor", "map", "loan", "initiative", "open-data")
    pages = _public_pages(data)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        for name in shots:
            page.goto(pages[name])
            if name == "map":
                page.locator("#carte-etat").filter(has_text=re.compile(".+")).wait_for(timeout=15_000)
            # Nothing may stick out sideways at 375 px (the page must not scroll horizontally).
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} scrolls sideways at {width} px"
            screenshot(page, f"public-{name}-{label}")


def test_no_page_scrolls_sideways_at_360_px(page, data, offline_tiles):
    page.set_viewport_size({"width": 360, "height": 740})
    for name, url in _public_pages(data).items():
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at 360 px"


@pytest.mark.parametrize("width", WIDTHS.values())
def test_axe_finds_no_serious_violation(page, data, offline_tiles, width):
    axe = Axe()
    failures = {}
    page.set_viewport_size({"width": width, "height": 900})
    for name, url in _public_pages(data).items():
        page.goto(url)
        page.wait_for_load_state("load")
        if name == "map":  # audit the map as people see it: initialised, its attribution and state shown
            page.locator("#carte-etat").filter(has_text=re.compile(".+")).wait_for(timeout=15_000)
        results = axe.run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        if serious:
            failures[name] = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in serious]
    assert failures == {}


def test_axe_check_fails_on_a_serious_violation(page):
    # The same check on a page with an unlabelled field and an image without alt text must report them.
    page.set_content('<html lang="fr"><body><main><img src="x.png"><input type="text"></main></body></html>')
    violations = Axe().run(page).response["violations"]
    assert {"image-alt", "label"} <= {v["id"] for v in violations if v["impact"] in ("serious", "critical")}


def test_footer_opens_each_legal_page(page, data):
    """From any page the footer's five links lead to the five legal pages; screenshots at both widths."""
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        for path in LEGAL_PAGES:
            page.goto(f"/acteurs/{data.regie.slug}")
            page.locator(f"footer a[href='{path}']").click()
            page.wait_for_url(f"**{path}")
            assert page.locator("h1").count() == 1
            assert page.locator("footer a[aria-current=page]").get_attribute("href") == path
            screenshot(page, f"public-legal{path.replace('/', '-')}-{label}")
    assert "partiellement conforme" in page.locator("footer").inner_text()


def test_every_main_navigation_entry_is_reachable_on_a_phone(page, data):
    """At 375 px the main navigation sits behind a « Menu » disclosure button; each entry is then visible, inside
    the screen, and opens its page. Escape closes the menu."""
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/")
    toggle = page.get_by_role("button", name="Menu")
    links = page.locator("#menu-principal a")
    assert toggle.get_attribute("aria-expanded") == "false" and not links.first.is_visible()
    screenshot(page, "public-phone-nav-closed", full_page=False)
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    screenshot(page, "public-phone-nav-open", full_page=False)
    entries = [(links.nth(i).inner_text(), links.nth(i).get_attribute("href")) for i in range(links.count())]
    assert len(entries) == 6
    for n in range(len(entries)):
        box = links.nth(n).bounding_box()
        assert links.nth(n).is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 375, entries[n]
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    for label, href in entries:
        page.goto("/")
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("link", name=label, exact=True).first.click()
        page.wait_for_url(f"**{href}")
    # On a desktop the entries are shown and the button is not.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    assert not page.get_by_role("button", name="Menu").is_visible() and links.first.is_visible()


def test_report_an_error_from_an_actor_page(page, data):
    """« Signaler une erreur »: from the actor's page to the form, a French message for a too short text, then the
    thank-you page; screenshots of the form at both widths."""
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/acteurs/{data.regie.slug}")
        page.get_by_role("link", name="Signaler une erreur sur cette fiche").click()
        page.wait_for_url("**/signaler")
        box = page.locator("#f-site-web").bounding_box()
        assert box["x"] + box["width"] < 0  # the honeypot stays out of sight (and out of the tab order)
        screenshot(page, f"public-report-form-{label}")
    page.get_by_label("Qu'est-ce qui est inexact ?").fill("court")
    page.get_by_role("button", name="Envoyer le signalement").click()
    assert "quelques mots" in page.locator(".alert-danger").inner_text()
    screenshot(page, "public-report-form-error-mobile")
    page.get_by_label("Qu'est-ce qui est inexact ?").fill("Le numéro de téléphone a changé.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_url("**/signalement/merci**")
    assert page.locator("h1").inner_text() == "Merci pour votre signalement"
    screenshot(page, "public-report-thanks-mobile")
