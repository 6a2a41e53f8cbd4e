"""The home page in a real browser."""

from tests.e2e.conftest import screenshot
from tests.factories import make_actor


def test_home_in_browser(page, session):
    make_actor(session, name="Coopérative Démo du Navigateur", axes=["consommer"])
    session.commit()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    card = page.locator("section", has_text="Consommer et produire autrement")
    assert "1 acteur" in card.inner_text()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    screenshot(page, "home-foundation")
