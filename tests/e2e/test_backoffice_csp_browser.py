"""Flask-Admin under our Content-Security-Policy, in a real browser: list, filters, select2 widgets, date pickers,
edit and save, delete confirmation, bulk actions. Generic views over Partnership and Actor stand in for the
back-office views (they use the same widgets), plus the real account views."""

import threading

import pytest
from werkzeug.serving import make_server

from registry import create_app
from registry.admin.base import SecureModelView
from registry.admin.forms import AdminForm
from registry.extensions import db
from registry.models import Actor, Partnership
from tests.conftest import make_test_config
from tests.e2e.conftest import screenshot
from tests.e2e.csp import CspWatch
from tests.factories import DEFAULT_PASSWORD, make_partnership, make_user


class WidgetView(SecureModelView):
    """A plain model view: Flask-Admin's own widgets for dates, enums, relations and numbers."""

    form_base_class = AdminForm
    form_excluded_columns = ("version", "created_at", "updated_at", "search_text")
    column_filters = ("convention_date", "amount", "kind")

    def __init__(self, model, *args, **kwargs):
        if model is Actor:
            self.column_filters = ("name", "esus_date")
        super().__init__(model, *args, **kwargs)


@pytest.fixture(scope="module")
def backoffice(database_url, tmp_path_factory):
    app = create_app(make_test_config(database_url, tmp_path_factory.mktemp("csp")))
    admin = app.extensions["registry_admin"]
    admin.add_view(WidgetView(Partnership, db, endpoint="csp_partnerships", name="Partenariats (test)"))
    admin.add_view(WidgetView(Actor, db, endpoint="csp_actors", name="Acteurs (test)"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def admin_page(browser, backoffice, session):
    email = make_user(session, role="admin").email
    session.commit()  # ends the transaction: the server writes to the same SQLite file
    context = browser.new_context(base_url=backoffice, locale="fr-FR", viewport={"width": 1280, "height": 900})
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
    partnership_id = make_partnership(session, object="Partenariat à modifier").id
    session.commit()
    for url in ("/admin/", "/admin/users/", "/admin/users/new/", "/admin/account_requests/", "/admin/csp_actors/"):
        page.goto(url)
        assert page.csp.violations(page) == [], url

    page.goto(f"/admin/csp_partnerships/edit/?id={partnership_id}")
    page.locator("#s2id_kind").click()
    page.locator(".select2-result-label, .select2-results__option").filter(
        has_text="objectives_convention"
    ).first.click()
    page.locator("input[name=convention_date]").click()
    page.locator(".daterangepicker:visible").first.wait_for()
    screenshot(page, "backoffice-csp-datepicker")
    page.keyboard.press("Escape")
    page.locator("input[name=object]").fill("Partenariat modifié")
    page.locator("input[type=submit]").first.click()
    page.wait_for_url("**/admin/csp_partnerships/**")
    screenshot(page, "backoffice-csp-save")
    assert "Failed" not in page.content() and "Échec" not in page.content()
    session.commit()  # a new transaction sees the server's writes
    assert session.get(Partnership, partnership_id).object == "Partenariat modifié"

    page.goto("/admin/csp_partnerships/")
    page.get_by_role("link", name="Ajouter un filtre").click()
    page.locator("a.filter").filter(has_text="Convention Date").first.click()
    page.evaluate(
        "$('select.filter-op').last().val($('select.filter-op').last().find('option').eq(4).val()).trigger('change')"
    )
    page.locator("input.filter-val").last.click()
    assert page.csp.violations(page) == []

    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    page.goto("/admin/csp_partnerships/")
    page.locator("form.icon button").first.click()
    assert messages and "supprimer" in messages[0]  # the confirmation is still asked...
    session.commit()  # a new transaction sees the server's writes
    assert session.get(Partnership, partnership_id) is not None  # ...and "Annuler" keeps the row
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form.icon button").first.click()
    page.wait_for_load_state()
    session.commit()  # a new transaction sees the server's writes
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
    page.get_by_role("button", name="Avec la sélection").click()
    page.get_by_role("link", name="Renvoyer l'invitation").click()
    page.wait_for_load_state()
    assert messages == ["Renvoyer une invitation aux comptes choisis ?"]
    assert "Invitation envoyée à 1 compte(s)." in page.content()
    page.locator("a.nav-link.active").first.click()  # a "javascript:" link: must not navigate nor violate the CSP
    assert page.csp.violations(page) == []
