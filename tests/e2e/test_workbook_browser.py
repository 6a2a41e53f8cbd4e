"""An officer imports a workbook in a real browser: upload with progress, preview, confirm."""

from __future__ import annotations

import re

import sqlalchemy as sa

from registry.extensions import db
from registry.models import Actor
from tests.e2e.conftest import screenshot
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.workbook_helpers import DEMO


def test_officer_imports_the_demo_workbook(page, app):
    with app.app_context():
        email = make_user(db.session, role="officer").email
        db.session.commit()
    page.goto("/connexion")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.goto("/admin/import/")
    page.set_input_files("#fichier", str(DEMO))
    page.click("text=Voir l'aperçu")
    page.wait_for_url(re.compile(r".*/admin/import/\d+$"))
    assert page.locator("caption", has_text="Lignes par feuille").is_visible()
    assert page.locator("text=160 nouvelle(s) fiche(s)").first.is_visible()
    screenshot(page, "workbook-import-preview")
    page.click("text=Confirmer l'import")
    page.wait_for_selector("text=import appliqué")
    screenshot(page, "workbook-import-applied", full_page=False)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 44
    page.goto("/admin/export/")
    screenshot(page, "workbook-export-page", full_page=False)
