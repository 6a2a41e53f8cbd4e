"""Issue 13 item 6: the back-office actor form has the partner space's map picker — clicking the map fills
Latitude / Longitude, typing them moves the marker, « Retirer la position » empties them — under the CSP, with no
violation; the save names the actor (item 4)."""

from __future__ import annotations

from registry.models import Actor
from tests.e2e.conftest import screenshot
from tests.e2e.test_backoffice_csp_browser import admin_page  # noqa: F401 (the signed-in admin's page)
from tests.factories import make_actor


def test_the_actor_form_places_the_actor_on_a_map(admin_page, session):  # noqa: F811
    page = admin_page
    ident = make_actor(session, name="Atelier à placer", postcode="59000", commune="Lille").id
    session.commit()

    page.goto("/admin/actor/new/")
    assert page.locator("#position-carte").is_visible()  # creation too
    page.goto(f"/admin/actor/edit/?id={ident}")
    map_box = page.locator("#position-carte")
    assert map_box.is_visible() and page.locator("#position-effacer").is_visible()
    latitude, longitude = page.locator("input#latitude"), page.locator("input#longitude")
    assert latitude.input_value() == "" and longitude.input_value() == ""

    box = map_box.bounding_box()
    map_box.click(position={"x": box["width"] / 2 + 20, "y": box["height"] / 2 - 10})
    assert "," in latitude.input_value() and longitude.input_value() != ""  # French decimals, as the field reads
    assert page.locator("#position-carte .leaflet-marker-icon").count() == 1
    screenshot(page, "admin-actor-location-picker-1280", full_page=False)

    page.locator("#position-effacer").click()
    assert latitude.input_value() == "" and longitude.input_value() == ""
    assert page.locator("#position-carte .leaflet-marker-icon").count() == 0

    latitude.fill("50,6366")
    longitude.fill("3,0635")
    longitude.dispatch_event("change")
    assert page.locator("#position-carte .leaflet-marker-icon").count() == 1  # typing moves the marker

    map_box.click(position={"x": box["width"] / 2 - 30, "y": box["height"] / 2 + 15})
    clicked = (latitude.input_value(), longitude.input_value())
    page.locator("input[type=submit]").first.click()
    page.wait_for_url("**/admin/actor/**")
    assert "Acteur « Atelier à placer » enregistré." in page.content()
    session.commit()  # a new transaction sees the server's writes
    saved = session.get(Actor, ident)
    assert (f"{saved.latitude:.6f}".replace(".", ","), f"{saved.longitude:.6f}".replace(".", ",")) == clicked
    assert 50.58 <= saved.latitude <= 50.68 and 2.94 <= saved.longitude <= 3.14
    assert page.csp.violations(page) == []


def test_the_details_page_deletes_after_asking_about_this_actor(admin_page, session):  # noqa: F811
    page = admin_page
    ident = make_actor(session, name="Atelier à supprimer").id
    session.commit()
    page.goto(f"/admin/actor/details/?id={ident}")
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Supprimer", exact=True).click()
    assert questions == ["Supprimer cet acteur ? Cette action est définitive."]
    assert session.get(Actor, ident) is not None  # dismissed: nothing deleted
    page.get_by_role("button", name="Supprimer", exact=True).click()
    page.wait_for_url("**/admin/actor/")
    assert "Acteur « Atelier à supprimer » supprimé." in page.content()
    session.commit()
    assert session.get(Actor, ident) is None
    assert page.csp.violations(page) == []
