"""The back office under our Content-Security-Policy, in a real browser: lists, filters, select2 lookups, edit
and save, delete confirmation, bulk actions — on the real views, with no CSP violation."""

import re

import pytest

from registry.models import Partnership
from tests.e2e.conftest import screenshot
from tests.e2e.csp import CspWatch
from tests.factories import DEFAULT_PASSWORD, make_actor, make_partnership, make_user

#: Back-office URLs that answer with a file, not a page.
DOWNLOAD = re.compile(r"/export/(csv|xlsx)/|\.(xlsx|csv|json|zip)\b|telecharger")


@pytest.fixture
def admin_page(browser, live_server, session):
    email = make_user(session, role="admin").email
    session.commit()  # ends the transaction: the server writes to the same database
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    watch = CspWatch(context)
    page = context.new_page()
    page.csp = watch
    page.goto("/connexion")
    page.get_by_label("Adresse électronique", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def test_backoffice_widgets_work_without_csp_violations(admin_page, session):
    page = admin_page
    make_actor(session, name="Coopérative Cible du Sélecteur")
    partnership_id = make_partnership(session, object="Partenariat à modifier").id
    session.commit()
    for url in ("/admin/", "/admin/actor/", "/admin/partnership/", "/admin/users/", "/admin/users/new/",
                "/admin/account_requests/", "/admin/actor/new/"):  # fmt: skip
        page.goto(url)
        assert page.csp.violations(page) == [], url

    page.goto(f"/admin/partnership/edit/?id={partnership_id}")
    page.locator("#s2id_actor").click()  # select2 AJAX lookup of actors
    page.keyboard.type("Cible")
    page.locator(".select2-result-label").filter(has_text="Coopérative Cible du Sélecteur").first.click()
    page.locator("select#kind").select_option(label="Convention pluriannuelle d'objectifs")
    page.locator("input[name=object]").fill("Partenariat modifié")
    page.locator("input[type=submit]").first.click()
    page.wait_for_url("**/admin/partnership/**")
    screenshot(page, "backoffice-csp-save")
    session.commit()  # a new transaction sees the server's writes
    saved = session.get(Partnership, partnership_id)
    assert saved.object == "Partenariat modifié" and saved.actor.name == "Coopérative Cible du Sélecteur"

    page.goto("/admin/partnership/")
    page.get_by_role("button", name="Ajouter un filtre").click()
    page.locator("a.filter").first.click()
    assert page.csp.violations(page) == []

    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    page.goto("/admin/partnership/")
    page.locator("form.icon button").first.click()
    assert messages and "Supprimer" in messages[0]  # the confirmation is still asked...
    session.commit()
    assert session.get(Partnership, partnership_id) is not None  # ...and "Annuler" keeps the row
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form.icon button").first.click()
    page.wait_for_load_state()
    session.commit()
    assert session.get(Partnership, partnership_id) is None
    assert page.csp.violations(page) == []


def test_bulk_action_asks_for_confirmation(admin_page, session):
    page = admin_page
    target_id = make_user(session, role="analyst", password_hash=None).id
    session.commit()
    page.goto("/admin/users/")
    page.locator(f"input.action-checkbox[value='{target_id}']").check()
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Pour la sélection").click()
    page.get_by_role("button", name="Renvoyer l'invitation").click()
    page.wait_for_load_state()
    assert messages == ["Renvoyer une invitation aux comptes choisis ?"]
    assert "Invitation envoyée à 1 compte." in page.content()
    assert page.locator("a.nav-link.active").count() == 0  # the current tab is text, not a "javascript:" link
    assert page.csp.violations(page) == []  # nor any inline handler in the live DOM


def test_every_back_office_page_runs_without_csp_violations(admin_page, app, session):
    """Every GET page of every registered admin view (lists, forms, details, custom pages), on the demo registry:
    no CSP report, no inline handler in the live DOM once the page's scripts have run."""
    from tests.test_admin_access import admin_requests
    from tests.workbook_helpers import load_demo

    load_demo(session)
    session.commit()
    page, opened = admin_page, 0
    for _view, name, method, url in admin_requests(app, {}):
        if method != "GET" or name in ("export", "ajax_lookup", "ajax_update") or DOWNLOAD.search(url):
            continue
        response = page.goto(url)
        assert response.status < 500, url
        assert page.csp.violations(page) == [], url
        opened += 1
    assert opened > 40
